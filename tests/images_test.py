"""Tests of keras_dcgan.images: uint8 conversion, grids, PNG/GIF/.npy files."""

import os
import re

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import images


def test_to_uint8_maps_range_and_clips():
    values = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, np.nan, np.inf])
    assert images.to_uint8(values).tolist() == [
        0,
        0,
        128,
        191,
        255,
        255,
        0,
        255,
    ]


def test_make_grid_places_images_in_rows():
    batch = np.stack([np.full((2, 3, 1), i, np.uint8) for i in range(5)])
    grid = images.make_grid(batch, columns=2, padding=1, pad_value=9)
    assert grid.shape == (3 * 3 + 1, 2 * 4 + 1, 1)
    for index in range(5):
        row, column = divmod(index, 2)
        top, left = 1 + 3 * row, 1 + 4 * column
        assert (grid[top : top + 2, left : left + 3] == index).all()
    # The empty last cell and the borders are padding.
    assert (grid[7:9, 5:8] == 9).all()
    assert (grid[0] == 9).all()


def test_make_grid_is_square_by_default_and_converts_floats():
    grid = images.make_grid(np.ones((10, 4, 4, 3), np.float32), padding=0)
    assert grid.shape == (12, 16, 3)
    assert grid.dtype == np.uint8
    assert grid[:4, :4].min() == 255


@pytest.mark.parametrize(
    ("shape", "match"),
    [((4, 4, 1), "batch of images"), ((2, 4, 4, 2), "1 or 3 channels")],
)
def test_make_grid_rejects_bad_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        images.make_grid(np.zeros(shape))


def test_save_png_round_trips(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), np.uint8)
    path = images.save_png(image, str(tmp_path / "a" / "x.png"))
    with Image.open(path) as decoded:
        np.testing.assert_array_equal(np.asarray(decoded), image)
    assert os.listdir(tmp_path / "a") == ["x.png"]


def test_save_gif_decodes_all_frames(tmp_path):
    frames = [np.full((6, 6, 1), value, np.uint8) for value in (0, 100, 200)]
    path = images.save_gif(frames, str(tmp_path / "x.gif"), duration_ms=50)
    with Image.open(path) as gif:
        assert gif.n_frames == 3
        decoded = []
        for index in range(3):
            gif.seek(index)
            decoded.append(np.asarray(gif.convert("L")))
        assert gif.info["duration"] == 50
    assert [int(frame.mean()) for frame in decoded] == [0, 100, 200]


@pytest.mark.parametrize("duration_ms", [5, 85, 655_360, True])
def test_save_gif_refuses_a_frame_time_a_gif_cannot_store(
    tmp_path, duration_ms
):
    # Before: 5 was written as 0 and 85 as 80 (GIFs store hundredths of a
    # second), and 655360 raised PIL's OverflowError.
    frames = [np.zeros((4, 4, 1), np.uint8)] * 2
    with pytest.raises(
        ValueError,
        match=re.escape(
            "`duration_ms` must be a multiple of 10 from 10 to 655350 (a GIF "
            f"stores frame times in hundredths of a second, in 16 bits); "
            f"received {duration_ms!r}."
        ),
    ):
        images.save_gif(
            frames, str(tmp_path / "x.gif"), duration_ms=duration_ms
        )
    assert os.listdir(tmp_path) == []


def test_save_gif_rejects_mixed_shapes(tmp_path):
    frames = [np.zeros((4, 4, 1), np.uint8), np.zeros((5, 4, 1), np.uint8)]
    with pytest.raises(ValueError, match="one shape"):
        images.save_gif(frames, str(tmp_path / "x.gif"))


def test_save_images_by_extension(tmp_path):
    batch = np.linspace(-1, 1, 4 * 3 * 3).reshape(4, 3, 3, 1)
    expected = images.to_uint8(batch)
    npy = images.save_images(batch, str(tmp_path / "s.npy"))
    loaded = np.load(npy)
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, expected)

    folder = images.save_images(batch, str(tmp_path / "dir") + "/")
    names = sorted(os.listdir(folder))
    assert names == [f"{i:06d}.png" for i in range(4)]
    with Image.open(os.path.join(folder, names[2])) as image:
        np.testing.assert_array_equal(np.asarray(image), expected[2, ..., 0])

    png = images.save_images(batch, str(tmp_path / "grid.png"), upscale=1)
    with Image.open(png) as image:
        np.testing.assert_array_equal(
            np.asarray(image), images.make_grid(expected)[..., 0]
        )


def test_save_images_rejects_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"'.*s\.jpg'.*'\.png'.*'/'.*'\.npy'"):
        images.save_images(np.zeros((1, 2, 2, 1)), str(tmp_path / "s.jpg"))


@pytest.mark.parametrize(
    ("size", "upscale", "factor"),
    [
        ((242, 242), "auto", 2),  # 64 MNIST digits: 484 pixels
        ((92, 92), "auto", 6),  # the interpolation GIF of 3x3 digits
        ((302, 62), "auto", 2),  # a class grid: the longer side counts
        ((700, 10), "auto", 1),  # never shrinks
        ((92, 92), 3, 3),
        ((92, 92), 1, 1),
    ],
)
def test_upscale_factor(size, upscale, factor):
    assert images.upscale_factor(*size, upscale=upscale) == factor


@pytest.mark.parametrize("upscale", [0, -1, 1.5, "big", True])
def test_upscale_factor_rejects_bad_values(upscale):
    with pytest.raises(ValueError, match="upscale"):
        images.upscale_factor(10, 10, upscale=upscale)


def test_save_png_and_gif_upscale_nearest(tmp_path):
    image = np.arange(12, dtype=np.uint8).reshape(2, 2, 3) * 20
    path = images.save_png(image, str(tmp_path / "u.png"), upscale=3)
    with Image.open(path) as written:
        pixels = np.asarray(written)
    assert pixels.shape == (6, 6, 3)
    # Every pixel is a 3x3 block of exactly its value: nothing invented.
    np.testing.assert_array_equal(pixels[::3, ::3], image)
    np.testing.assert_array_equal(pixels[2, 2], image[0, 0])
    frames = [np.full((5, 4, 1), value, np.uint8) for value in (0, 255)]
    path = images.save_gif(frames, str(tmp_path / "u.gif"), upscale="auto")
    with Image.open(path) as gif:
        assert gif.size == (4 * 128, 5 * 128)


def test_save_images_upscales_grids_only(tmp_path):
    batch = np.zeros((4, 8, 8, 1), np.uint8)
    with Image.open(images.save_images(batch, str(tmp_path / "g.png"))) as g:
        assert g.size == (22 * 29, 22 * 29)  # 2x2 grid of 8 + padding, x29
    images.save_images(batch, str(tmp_path / "d") + "/")
    with Image.open(tmp_path / "d" / "000000.png") as single:
        assert single.size == (8, 8)  # files of single images stay as made
    assert np.load(
        images.save_images(batch, str(tmp_path / "a.npy"))
    ).shape == (
        4,
        8,
        8,
        1,
    )


def test_save_images_refuses_a_folder_of_earlier_samples(tmp_path):
    out = str(tmp_path / "samples") + "/"
    images.save_images(np.zeros((3, 4, 4, 1), np.uint8), out)
    with pytest.raises(
        FileExistsError, match=r"already holds 3 numbered sample PNG\(s\)"
    ):
        images.save_images(np.ones((1, 4, 4, 1), np.uint8), out)
    # Other files in the folder are no obstacle.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    images.save_images(np.zeros((2, 4, 4, 1), np.uint8), f"{other}/")
    assert sorted(os.listdir(other)) == [
        "000000.png",
        "000001.png",
        "notes.txt",
    ]
