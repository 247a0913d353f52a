"""Transparent pixels of RGBA and gray+alpha images: composited, with a word."""

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import data
from keras_dcgan.data import folder


def test_transparent_red_pixels_become_the_background(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255  # red everywhere, but only the left half is opaque
    rgba[:, :4, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "sprite.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "b.png")
    with pytest.warns(UserWarning, match="1 of 2 image.* alpha channel"):
        dataset = data.load(tmp_path, batch_size=2, shuffle=False)
    images = np.asarray(next(iter(dataset)))
    sprite = max(images, key=lambda image: image.max())
    red = np.broadcast_to([1.0, -1.0, -1.0], (8, 4, 3))
    np.testing.assert_allclose(sprite[:, :4], red, atol=1e-6)
    # Transparent: white (the documented background), not red.
    assert folder.ALPHA_BACKGROUND == 255
    np.testing.assert_allclose(sprite[:, 4:], 1.0, atol=1e-6)


def test_half_transparent_gray_is_blended():
    image = np.zeros((2, 2, 2), np.uint8)
    image[..., 1] = 128  # black at alpha 128/255
    out = folder.composite_alpha(image, channels=3).numpy()
    np.testing.assert_array_equal(out, np.full((2, 2, 3), 127, np.uint8))
