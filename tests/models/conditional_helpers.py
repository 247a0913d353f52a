"""A small class-conditional DCGAN and pytorch/examples' step written out,
for the tests that compare a `fit` step with a hand-written one."""

import keras
import numpy as np
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


def assert_fit_equals_reference(
    compile_kwargs, images, labels, reference_step, g_loss_tolerance
):
    """`fit` on two batches of 8 equals `reference_step` on each.

    A fresh `small_gan()` compiled with `compile_kwargs` trains one epoch;
    another, compiled with the defaults, takes `reference_step(gan, images,
    labels)` on the same two batches. Their mean losses agree (the
    generator's within `g_loss_tolerance`, e.g. `{"atol": 1e-5}`) and
    every weight agrees to 1e-5.
    """
    gan = small_gan()
    gan.compile(**compile_kwargs)
    history = gan.fit(
        images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False
    )
    reference = small_gan()
    reference.compile()
    step = tf.function(reference_step)
    d_losses, g_losses = zip(
        *[
            step(reference, images[i : i + 8], labels[i : i + 8])
            for i in (0, 8)
        ],
        strict=True,
    )
    np.testing.assert_allclose(
        history.history["d_loss"][-1], np.mean(d_losses), atol=1e-5
    )
    np.testing.assert_allclose(
        history.history["g_loss"][-1], np.mean(g_losses), **g_loss_tolerance
    )
    for ours, theirs in zip(gan.weights, reference.weights, strict=True):
        np.testing.assert_allclose(
            ours.numpy(), theirs.numpy(), atol=1e-5, err_msg=ours.path
        )


def record_generator_labels(gan):
    """The labels of every generator call from now on, as a growing list
    (compile with `run_eagerly=True` to see every training call)."""
    seen = []
    call = gan.generator.call

    def recording_call(inputs, *args, **kwargs):
        seen.append(np.asarray(inputs[1]))
        return call(inputs, *args, **kwargs)

    gan.generator.call = recording_call
    return seen
