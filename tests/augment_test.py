"""Differentiable augmentation, adaptive augmentation and R1 in DCGAN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import Discriminator
from keras_dcgan import augment as augment_lib
from tests.models.dcgan_defaults_test import random_images
from tests.models.dcgan_defaults_test import tiny_gan

POLICY = "translation,cutout,color"


def uniforms(policy, batch, seed=0):
    rng = np.random.default_rng(seed)
    count = augment_lib.num_random(policy)
    return rng.uniform(0, 1, (batch, count)).astype("float32")


def test_parse_policy_names_the_allowed_transforms():
    assert augment_lib.parse_policy(None) == ()
    assert augment_lib.parse_policy("cutout, color") == ("cutout", "color")
    with pytest.raises(ValueError, match=r"\['blur'\].*'color', 'cutout'"):
        augment_lib.parse_policy("translation,blur")
    with pytest.raises(ValueError, match="each at most once"):
        augment_lib.parse_policy("color,color")


@pytest.mark.parametrize("name", ["color", "translation", "cutout"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_each_transform_keeps_shape_and_dtype_and_changes_images(name, dtype):
    policy = augment_lib.parse_policy(name)
    images = tf.cast(random_images(4, 16, 3), dtype)
    out = augment_lib.augment(images, policy, uniforms(policy, 4))
    assert out.shape == images.shape
    assert out.dtype == images.dtype
    assert not np.allclose(np.float32(out), np.float32(images))
    # Probability 0 leaves every image as it was.
    same = augment_lib.augment(images, policy, uniforms(policy, 4), 0.0)
    np.testing.assert_array_equal(np.float32(same), np.float32(images))


def test_translation_shifts_by_whole_pixels_repeating_the_edge():
    policy = ("translation",)
    image = np.zeros((1, 16, 16, 1), "float32")
    image[0, 5, 7, 0] = 1.0
    image[0, 0, :, 0] = -1.0  # the top edge row
    # u in [0, 1) maps to shifts -2..2 (16 / 8 = 2): 0.99 -> +2, 0.0 -> -2.
    u = np.array([[0.0, 0.99, 0.0]], "float32")
    out = augment_lib.augment(image, policy, u)[0, ..., 0].numpy()
    assert out[7, 5] == 1.0  # two rows down, two columns left
    np.testing.assert_array_equal(out[:3, :], -1.0)  # the edge row repeated


def test_cutout_zeroes_a_square_of_half_the_size():
    policy = ("cutout",)
    images = np.ones((2, 16, 16, 1), "float32")
    out = augment_lib.augment(images, policy, uniforms(policy, 2)).numpy()
    zeros = (out == 0).sum(axis=(1, 2, 3))
    assert zeros.min() > 0
    assert zeros.max() <= 8 * 8


def test_augmentation_passes_gradients_to_the_images():
    policy = augment_lib.parse_policy(POLICY)
    images = tf.constant(random_images(4))
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = augment_lib.augment(images, policy, uniforms(policy, 4))
        total = tf.reduce_sum(out * out)
    grads = tape.gradient(total, images)
    assert grads is not None
    assert float(tf.reduce_sum(tf.abs(grads))) > 0


def test_dcgan_augments_discriminator_inputs_in_training_only(monkeypatch):
    calls = []
    original = augment_lib.augment

    def spy(images, policy, random, probability=1.0):
        out = original(images, policy, random, probability)
        calls.append((np.array(images), np.array(out)))
        return out

    monkeypatch.setattr(augment_lib, "augment", spy)
    gan = tiny_gan()
    gan.compile(augment=POLICY, run_eagerly=True)
    gan.generate(4, seed=0)
    assert calls == []  # sampling never augments
    gan.fit(random_images(4), batch_size=4, epochs=1, verbose=0)
    # Reals and fakes in the discriminator step, fakes in the generator's.
    assert len(calls) == 3
    for before, after in calls:
        assert after.shape == before.shape == (4, 16, 16, 1)
        assert after.dtype == before.dtype == np.float32
        assert not np.allclose(before, after)


def test_augmented_generator_step_reaches_every_generator_weight():
    gan = tiny_gan()
    gan.compile(augment=POLICY)
    position = (tf.constant(0), 4, 4)
    with tf.GradientTape() as tape:
        fakes = gan.generator(gan._noise(position, [8]), training=True)
        logits = gan.discriminator(gan._augment(position, fakes), training=True)
        loss = tf.reduce_mean(logits)
    grads = tape.gradient(loss, gan.generator.trainable_variables)
    assert all(g is not None for g in grads)
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_adaptive_probability_follows_the_overfitting_heuristic():
    step = 64 / augment_lib.ADA_ADJUSTMENT_IMAGES
    up = augment_lib.adapt_probability(0.5, 0.9, 0.6, 64)
    down = augment_lib.adapt_probability(0.5, 0.1, 0.6, 64)
    assert float(up) == pytest.approx(0.5 + step)
    assert float(down) == pytest.approx(0.5 - step)
    assert float(augment_lib.adapt_probability(0.0, -1.0, 0.6, 64)) == 0.0


def test_ada_raises_p_for_a_sure_discriminator_and_saves_it(tmp_path):
    gan = tiny_gan()
    gan.compile(augment=POLICY, ada_target=0.6, run_eagerly=True)
    assert float(gan.augment_p) == 0.0
    # A discriminator that calls every real image real: r_t = 1 > 0.6.
    bias = gan.discriminator.layers[-1].bias
    bias.assign(bias + 100.0)
    history = gan.fit(random_images(8), batch_size=4, epochs=1, verbose=0)
    expected = 2 * 4 / augment_lib.ADA_ADJUSTMENT_IMAGES
    assert float(gan.augment_p) == pytest.approx(expected)
    assert history.history["augment_p"][-1] == pytest.approx(expected)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    restored = keras.models.load_model(path)
    assert float(restored.augment_p) == pytest.approx(expected)
    assert restored.ada_target == 0.6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"augment": "flip"}, r"Unknown or repeated augmentation \['flip'\]"),
        ({"ada_target": 0.6}, "needs an `augment` policy"),
        ({"augment": POLICY, "ada_target": 1.5}, r"a number in \(0, 1\)"),
        ({"augment": POLICY, "augment_probability": 2.0}, r"in \[0, 1\]"),
        ({"r1_weight": -1.0}, "`r1_weight` must be a finite number >= 0"),
    ],
)
def test_compile_rejects_bad_augmentation_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_gan().compile(**kwargs)


def layer_norm_gan(r1_weight):
    """A tiny GAN whose discriminator treats each example on its own."""
    gan = tiny_gan()
    keras.utils.set_random_seed(1)
    gan.discriminator = Discriminator(
        image_size=16, channels=1, filters=4, normalization="layer"
    )
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1),
        g_optimizer=keras.optimizers.SGD(0.1),
        r1_weight=r1_weight,
    )
    return gan


def test_r1_penalty_matches_finite_differences():
    gan = layer_norm_gan(r1_weight=3.0)
    image = random_images(1, seed=2).astype("float64")
    _, r1 = gan._real_logits(tf.constant(image, tf.float32), None)

    # Central differences along every pixel, all in one batch (the layer-
    # normalized discriminator judges each image on its own).
    eps = 1e-2
    steps = eps * np.eye(image.size).reshape((image.size, *image.shape[1:]))
    batch = np.concatenate([image + steps, image - steps]).astype("float32")
    logits = gan.discriminator(batch).numpy()[:, 0].astype("float64")
    grad = (logits[: image.size] - logits[image.size :]) / (2 * eps)
    expected = 0.5 * 3.0 * np.sum(grad**2)
    assert float(r1[0]) == pytest.approx(expected, rel=2e-2)


def test_r1_discriminator_step_matches_a_direct_gradient():
    gan = layer_norm_gan(r1_weight=2.0)
    reals = tf.constant(random_images(4, seed=3))
    position = (tf.constant(0), 4, 4)
    state = gan.seed_generator.state.numpy()
    before = [v.numpy() for v in gan.discriminator.trainable_variables]

    # Direct: the non-saturating loss plus gamma/2 * ||grad_x D(x)||^2,
    # differentiated with nested tapes, then one SGD step of 0.1.
    fakes = gan.generator(gan._noise(position, [8]), training=True)
    variables = gan.discriminator.trainable_variables
    with tf.GradientTape() as tape:
        with tf.GradientTape() as inner:
            inner.watch(reals)
            real_logits = gan.discriminator(reals, training=True)
            total = tf.reduce_sum(real_logits)
        grad_x = inner.gradient(total, reals)
        fake_logits = gan.discriminator(fakes, training=True)
        loss = tf.reduce_mean(
            tf.nn.softplus(-real_logits[:, 0])
            + tf.nn.softplus(fake_logits[:, 0])
            + 1.0 * tf.reduce_sum(grad_x**2, axis=[1, 2, 3])
        )
    expected = [
        w - 0.1 * g.numpy()
        for w, g in zip(before, tape.gradient(loss, variables), strict=True)
    ]

    gan.seed_generator.state.assign(state)
    gan._discriminator_step(position, reals)
    for got, want in zip(variables, expected, strict=True):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)
    assert not np.allclose(variables[0].numpy(), before[0])


@pytest.mark.parametrize("loss", ["non_saturating", "hinge", "wasserstein"])
def test_r1_trains_with_every_loss(loss):
    gan = tiny_gan()
    gan.compile(
        loss=loss, r1_weight=1.0, augment="translation", run_eagerly=True
    )
    history = gan.fit(random_images(4), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
