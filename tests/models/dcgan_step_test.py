"""DCGAN.train_step: the default step is unchanged; fake reuse is exact."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator

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


def _reference_reuse_step(gan, real_images):
    """pytorch/examples' DCGAN step, written out with two plain tapes."""

    def bce(logits, label):
        return tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(
                tf.fill(tf.shape(logits), label), logits
            )
        )

    generator, discriminator = gan.generator, gan.discriminator
    latents = tf.random.stateless_normal(
        [real_images.shape[0], gan.latent_dim], seed=gan.seed_generator.next()
    )
    with tf.GradientTape() as g_tape:
        fakes = generator(latents, training=True)
    with tf.GradientTape() as d_tape:
        d_loss = bce(discriminator(real_images, training=True), 1.0) + bce(
            discriminator(tf.stop_gradient(fakes), training=True), 0.0
        )
    variables = discriminator.trainable_variables
    gan.d_optimizer.apply_gradients(
        zip(d_tape.gradient(d_loss, variables), variables, strict=True)
    )
    with g_tape:
        g_loss = bce(discriminator(fakes, training=True), 1.0)
    variables = generator.trainable_variables
    gan.g_optimizer.apply_gradients(
        zip(g_tape.gradient(g_loss, variables), variables, strict=True)
    )
    return d_loss, g_loss


def test_reuse_fakes_equals_a_hand_written_reference_step():
    images = _images()
    gan = _gan()
    gan.compile(reuse_fakes=True)
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    reference = _gan()
    reference.compile()
    step = tf.function(_reference_reuse_step)
    d_losses, g_losses = zip(
        *[step(reference, images[i : i + 8]) for i in (0, 8)], strict=True
    )
    # fit reports the running mean over the epoch's steps.
    np.testing.assert_allclose(
        history.history["d_loss"][-1], np.mean(d_losses), atol=1e-5
    )
    np.testing.assert_allclose(
        history.history["g_loss"][-1], np.mean(g_losses), atol=1e-5
    )
    for ours, theirs in zip(
        gan.generator.weights + gan.discriminator.weights,
        reference.generator.weights + reference.discriminator.weights,
        strict=True,
    ):
        np.testing.assert_allclose(
            ours.numpy(), theirs.numpy(), atol=1e-5, err_msg=ours.path
        )
    # The option changes the algorithm: the default step ends elsewhere.
    default = _gan()
    default.compile()
    default.fit(images, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert not np.allclose(
        default.generator.get_weights()[0], gan.generator.get_weights()[0]
    )


@pytest.mark.parametrize("loss", ["wasserstein", "hinge"])
def test_reuse_fakes_trains_with_other_losses_and_discriminator_steps(loss):
    gan = _gan()
    gan.compile(loss=loss, discriminator_steps=2, reuse_fakes=True)
    history = gan.fit(_images(), batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert int(gan.d_optimizer.iterations.numpy()) == 4


def test_reuse_fakes_must_be_a_bool():
    with pytest.raises(ValueError, match="`reuse_fakes` must be True or False"):
        _gan().compile(reuse_fakes="yes")


def test_reuse_fakes_trains_a_conditional_gan():
    keras.utils.set_random_seed(0)
    gan = DCGAN(
        Generator(
            latent_dim=8, image_size=16, channels=1, filters=8, num_classes=3
        ),
        Discriminator(image_size=16, channels=1, filters=8, num_classes=3),
        seed=0,
    )
    gan.compile(reuse_fakes=True)
    labels = np.arange(16) % 3
    history = gan.fit(_images(), labels, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert int(gan.g_optimizer.iterations.numpy()) == 2
