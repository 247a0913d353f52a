"""A small class-conditional DCGAN and pytorch/examples' step written out,
for the tests that compare a `fit` step with a hand-written one."""

import keras
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator

NUM_CLASSES = 3


def small_gan(num_classes=NUM_CLASSES):
    """A seeded 16x16x1 DCGAN of 8 filters (conditional unless None)."""
    keras.utils.set_random_seed(0)
    return DCGAN(
        Generator(
            latent_dim=8,
            image_size=16,
            channels=1,
            filters=8,
            num_classes=num_classes,
        ),
        Discriminator(
            image_size=16, channels=1, filters=8, num_classes=num_classes
        ),
        seed=0,
    )


def bce(logits, label):
    """Sigmoid cross-entropy of `logits` against a constant label."""
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(
            tf.fill(tf.shape(logits), label), logits
        )
    )


def reuse_fakes_step(
    gan, images, labels, latents, fake_labels, generator_penalty=None
):
    """pytorch/examples' step (the fakes reused), conditional.

    The fakes of `latents` and `fake_labels` train the discriminator, then
    the generator, whose loss adds `generator_penalty(fakes, latents)` if
    given. Returns `(d_loss, g_loss)`.
    """
    generator, discriminator = gan.generator, gan.discriminator
    with tf.GradientTape() as g_tape:
        fakes = generator([latents, fake_labels], training=True)
    with tf.GradientTape() as d_tape:
        d_loss = bce(discriminator([images, labels], training=True), 1.0)
        d_loss += bce(
            discriminator(
                [tf.stop_gradient(fakes), fake_labels], training=True
            ),
            0.0,
        )
    variables = discriminator.trainable_variables
    gan.d_optimizer.apply_gradients(
        zip(d_tape.gradient(d_loss, variables), variables, strict=True)
    )
    with g_tape:
        g_loss = bce(discriminator([fakes, fake_labels], training=True), 1.0)
        if generator_penalty is not None:
            g_loss += generator_penalty(fakes, latents)
    variables = generator.trainable_variables
    gan.g_optimizer.apply_gradients(
        zip(g_tape.gradient(g_loss, variables), variables, strict=True)
    )
    return d_loss, g_loss
