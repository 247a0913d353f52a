"""DCGAN.train_step: the default step is unchanged; fake reuse is exact."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan import losses

GOLDEN = pathlib.Path(__file__).parent / "golden" / "dcgan_default_step.npz"


def _gan():
    keras.utils.set_random_seed(0)
    generator = Generator(latent_dim=8, image_size=16, channels=1, filters=8)
    discriminator = Discriminator(image_size=16, channels=1, filters=8)
    return DCGAN(generator, discriminator, seed=0)


def _images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (16, 16, 16, 1)).astype("float32")


def test_default_step_matches_the_recorded_losses_and_weights():
    # The golden file holds the losses and all weights after two default
    # `fit` steps, recorded before the speed work (fake reuse, threading)
    # changed DCGAN: the default step must still be the same computation.
    golden = np.load(GOLDEN)
    gan = _gan()
    gan.compile()
    history = gan.fit(
        _images(), batch_size=8, epochs=1, verbose=0, shuffle=False
    )
    for name in ("d_loss", "g_loss", "real_prob", "fake_prob"):
        np.testing.assert_allclose(
            history.history[name][-1], golden[name], atol=1e-5, err_msg=name
        )
    for prefix, network in (("g", gan.generator), ("d", gan.discriminator)):
        weights = network.get_weights()
        assert f"{prefix}{len(weights)}" not in golden.files
        for i, weight in enumerate(weights):
            np.testing.assert_allclose(
                weight, golden[f"{prefix}{i}"], atol=1e-5, err_msg=f"{i}"
            )
