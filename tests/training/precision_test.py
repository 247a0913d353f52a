"""TrainConfig.precision: mixed-precision networks train and stay float32."""

import keras
import numpy as np
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.training.config import get_train_config
from keras_dcgan.training.trainer import build_gan

TINY = {
    "image_size": 16,
    "channels": 1,
    "latent_dim": 8,
    "generator_filters": 8,
    "discriminator_filters": 8,
}


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


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_precision_trains_without_nan_and_keeps_float32_images(precision):
    config = get_train_config(
        network=TINY, precision=precision, r1_weight=1.0, augment="color"
    )
    gan = build_gan(config)
    compute = precision.removeprefix("mixed_")
    assert gan.generator.dtype_policy.compute_dtype == compute
    assert gan.discriminator.dtype_policy.compute_dtype == compute
    gan.run_eagerly = True  # a few steps: tracing would cost more
    history = gan.fit(random_images(8), batch_size=4, epochs=1, verbose=0)
    for name in ("d_loss", "g_loss"):
        assert np.isfinite(history.history[name]).all(), history.history
    for weight in gan.generator.weights + gan.discriminator.weights:
        assert np.isfinite(np.asarray(weight.numpy(), np.float32)).all()
    images = gan.generate(4, seed=0)
    assert images.dtype == np.float32
    assert np.isfinite(images).all()


def test_default_precision_is_float32():
    gan = build_gan(get_train_config(network=TINY))
    assert gan.generator.dtype_policy.name == "float32"
    assert gan.discriminator.dtype_policy.name == "float32"
