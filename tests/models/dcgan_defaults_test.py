"""New training options left unset reproduce the earlier weights exactly.

`tests/golden/dcgan_default_weights.npz` holds the weights of a tiny DCGAN
after four steps, written by the code before augmentation, R1 and the
precision setting existed. With those options at their defaults the same
run must end with the same weights.
"""

import pathlib

import keras
import numpy as np
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator

GOLDEN = pathlib.Path(__file__).parent / "golden" / "dcgan_default_weights.npz"


def tiny_gan(seed=0, ema_decay=None, image_size=16, channels=1):
    """The tiny DCGAN the golden weights were recorded with."""
    keras.utils.set_random_seed(seed)
    generator = Generator(
        latent_dim=8, image_size=image_size, channels=channels, filters=8
    )
    discriminator = Discriminator(
        image_size=image_size, channels=channels, filters=8
    )
    return DCGAN(generator, discriminator, seed=seed, ema_decay=ema_decay)


def random_images(count=16, size=16, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (count, size, size, channels)).astype("float32")


def assert_same_training(weight, golden, loss, message):
    """Equal to 1e-5, up to rounding that Adam amplified (Wasserstein).

    Batch norm trains with TensorFlow's fused kernel, which rounds
    differently from the ops the weights were recorded with. The
    non-saturating run stays within 1e-5 (about 1e-7 here). The Wasserstein
    critic's gradient through batch norm is a difference of nearly equal
    terms (its loss is a plain mean of a linear output), so part of it is
    rounding, and Adam's first steps move a weight by about the learning
    rate (2e-4) times the sign of its gradient whatever its size. There a
    few weights may move by up to 2 x 2e-4 a step; a changed computation
    would move most of them.
    """
    if loss != "wasserstein":
        np.testing.assert_allclose(weight, golden, atol=1e-5, err_msg=message)
        return
    off = np.abs(weight - golden) > 1e-5
    assert off.mean() <= 0.02, f"{message}: {off.sum()} of {off.size} differ"
    np.testing.assert_allclose(
        weight, golden, atol=4 * 2 * 2e-4, err_msg=message
    )


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein"])
def test_unset_options_reproduce_the_golden_weights(loss):
    golden = np.load(GOLDEN)
    gan = tiny_gan(seed=0, ema_decay=0.9)
    gan.compile(loss=loss)
    gan.fit(random_images(16), batch_size=4, epochs=1, verbose=0, shuffle=False)
    for net in ("generator", "discriminator", "ema_generator"):
        weights = getattr(gan, net).get_weights()
        for i, weight in enumerate(weights):
            assert_same_training(
                weight,
                golden[f"{loss}/{net}/{i}"],
                loss,
                f"{loss} {net} weight {i}",
            )
