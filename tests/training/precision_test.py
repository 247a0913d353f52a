"""TrainConfig.precision: mixed-precision networks train and stay float32."""

import numpy as np
import pytest

from keras_dcgan.training.config import get_train_config
from keras_dcgan.training.trainer import build_gan
from tests.models.dcgan_defaults_test import random_images

TINY = {
    "image_size": 16,
    "channels": 1,
    "latent_dim": 8,
    "generator_filters": 8,
    "discriminator_filters": 8,
}


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
