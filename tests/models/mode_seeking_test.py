"""DCGAN.compile(mode_seeking_weight=...): MSGAN's regularizer (Mao et al.)."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import build_gan
from tests.models.conditional_helpers import NUM_CLASSES
from tests.models.conditional_helpers import assert_fit_equals_reference
from tests.models.conditional_helpers import record_generator_labels
from tests.models.conditional_helpers import reuse_fakes_step
from tests.models.conditional_helpers import small_gan


def _data(size=16):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (size, 16, 16, 1)).astype("float32")
    labels = rng.integers(0, NUM_CLASSES, size).astype("int32")
    return images, labels


def _msgan_penalty(fakes, latents):
    """Mao et al.'s reference code: 1 / (mean|G1 - G2| / mean|z1 - z2| + eps)
    over the two halves of the batch."""
    half = latents.shape[0] // 2
    offset = latents.shape[0] - half
    d_img = tf.reduce_mean(tf.abs(fakes[:half] - fakes[offset:]))
    d_z = tf.reduce_mean(tf.abs(latents[:half] - latents[offset:]))
    return 1.0 / (d_img / d_z + 1e-5)


def _reference_step(gan, images, labels, weight):
    """pytorch/examples' step (fakes reused) plus MSGAN's term, the halves
    of the fakes drawn for the same uniform labels."""
    batch = images.shape[0]
    latents = tf.random.stateless_normal(
        [batch, gan.latent_dim], seed=gan.seed_generator.next()
    )
    uniform = tf.random.stateless_uniform(
        [batch, 1], seed=gan.seed_generator.next()
    )[:, 0]
    drawn = tf.cast(tf.floor(uniform * NUM_CLASSES), tf.int32)
    half = (batch + 1) // 2
    fake_labels = tf.concat([drawn[:half], drawn[: batch - half]], 0)
    return reuse_fakes_step(
        gan,
        images,
        labels,
        latents,
        fake_labels,
        lambda fakes, z: weight * _msgan_penalty(fakes, z),
    )


def test_a_fit_step_equals_a_hand_written_msgan_step():
    images, labels = _data()
    assert_fit_equals_reference(
        {"reuse_fakes": True, "mode_seeking_weight": 2.0},
        images,
        labels,
        functools.partial(_reference_step, weight=2.0),
        {"rtol": 1e-5},
    )


@pytest.mark.parametrize("batch", [8, 7])
@pytest.mark.parametrize("reuse_fakes", [False, True])
def test_the_halves_of_the_generator_update_share_their_classes(
    batch, reuse_fakes
):
    """The generator update's fakes pair up by class (an odd batch leaves
    its middle fake unpaired); the discriminator update's fresh fakes
    (without `reuse_fakes`) keep independent labels."""
    images, labels = _data(batch)
    gan = small_gan()
    seen = record_generator_labels(gan)
    gan.compile(
        reuse_fakes=reuse_fakes, mode_seeking_weight=1.0, run_eagerly=True
    )
    gan.fit(images, labels, batch_size=batch, epochs=3, verbose=0)
    generator_updates = seen if reuse_fakes else seen[1::2]
    assert len(generator_updates) == 3
    half = batch // 2
    for drawn in generator_updates:
        np.testing.assert_array_equal(drawn[:half], drawn[batch - half :])
    # Not all one class: the pairs are of drawn labels, not a constant.
    assert len(set(np.concatenate(generator_updates).tolist())) > 1
    if not reuse_fakes:
        assert not any(
            np.array_equal(d[:half], d[batch - half :]) for d in seen[0::2]
        )


@pytest.mark.parametrize("batch", [6, 5])
def test_the_penalty_matches_a_numpy_computation(batch):
    rng = np.random.default_rng(1)
    fakes = rng.uniform(-1, 1, (batch, 4, 4, 1)).astype("float32")
    latents = rng.normal(size=(batch, 8)).astype("float32")
    half = batch // 2
    d_img = np.abs(fakes[:half] - fakes[batch - half :]).mean()
    d_z = np.abs(latents[:half] - latents[batch - half :]).mean()
    penalty = DCGAN._mode_seeking_penalty(
        tf.constant(fakes, tf.bfloat16 if batch == 5 else tf.float32),
        tf.constant(latents),
    )
    assert penalty.dtype == tf.float32
    np.testing.assert_allclose(
        penalty.numpy(),
        1 / (d_img / d_z + 1e-5),
        rtol=1e-2 if batch == 5 else 1e-6,
    )


def test_a_batch_of_one_has_no_pair_and_no_penalty():
    """The last batch of an epoch can hold one example: no NaN from an
    empty half, and no gradient."""
    latents = tf.constant([[0.5, -1.0]])
    fakes = tf.Variable(tf.ones([1, 4, 4, 1]))
    with tf.GradientTape() as tape:
        penalty = DCGAN._mode_seeking_penalty(fakes, latents)
    assert penalty.numpy() == 0.0
    np.testing.assert_array_equal(tape.gradient(penalty, fakes).numpy(), 0.0)
    images, labels = _data(9)
    gan = small_gan()
    gan.compile(mode_seeking_weight=1.0)
    history = gan.fit(images, labels, batch_size=8, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])
    assert all(np.isfinite(w).all() for w in gan.generator.get_weights())


def test_its_gradient_makes_the_paired_fakes_differ_more():
    """Descending the penalty alone spreads the fakes of one class: the
    mean distance between paired fakes grows."""
    gan = small_gan(num_classes=None)
    latents = tf.random.stateless_normal([32, 8], seed=[1, 2])

    def distance():
        fakes = gan.generator(latents, training=False)
        return float(tf.reduce_mean(tf.abs(fakes[:16] - fakes[16:])))

    before = distance()
    optimizer = keras.optimizers.SGD(0.05)
    variables = gan.generator.trainable_variables
    for _ in range(5):
        with tf.GradientTape() as tape:
            fakes = gan.generator(latents, training=True)
            penalty = DCGAN._mode_seeking_penalty(fakes, latents)
        optimizer.apply_gradients(
            zip(tape.gradient(penalty, variables), variables, strict=True)
        )
    assert distance() > 1.2 * before, (before, distance())


def test_off_by_default_and_zero_trains_as_before():
    images, labels = _data()
    weights = []
    for options in ({}, {"mode_seeking_weight": 0.0}):
        gan = small_gan()
        gan.compile(reuse_fakes=True, **options)
        assert gan.mode_seeking_weight == 0.0
        gan.fit(images, labels, batch_size=8, verbose=0, shuffle=False)
        weights.append(gan.generator.get_weights())
    for before, after in zip(*weights, strict=True):
        np.testing.assert_array_equal(before, after)


def test_an_unconditional_gan_pairs_its_fakes_too():
    images, _ = _data()
    weights = {}
    for weight in (0.0, 1.0):
        gan = small_gan(num_classes=None)
        gan.compile(reuse_fakes=True, mode_seeking_weight=weight)
        history = gan.fit(images, batch_size=8, verbose=0, shuffle=False)
        assert np.isfinite(history.history["g_loss"][-1])
        weights[weight] = gan.generator.get_weights()[0]
    assert not np.allclose(weights[0.0], weights[1.0])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (-1.0, r"`mode_seeking_weight` must be a finite number >= 0; received"),
        (float("nan"), r"`mode_seeking_weight` must be a finite number >= 0"),
        ("1", r"`mode_seeking_weight` must be a finite number >= 0"),
    ],
)
def test_a_bad_weight_is_refused_by_name(bad, message):
    with pytest.raises(ValueError, match=message):
        small_gan().compile(mode_seeking_weight=bad)


def test_data_labels_are_refused_with_the_reason():
    with pytest.raises(
        ValueError,
        match=r"`mode_seeking_weight`=1.0 pairs fakes drawn for the same "
        r"classes, which `fake_labels`='data' .* cannot give; set "
        r"`fake_labels` to 'uniform' or `mode_seeking_weight` to 0.",
    ):
        small_gan().compile(mode_seeking_weight=1.0, fake_labels="data")


def test_the_setting_survives_the_compile_config():
    gan = small_gan()
    gan.compile(mode_seeking_weight=0.5)
    assert gan.get_compile_config()["mode_seeking_weight"] == 0.5
    other = small_gan()
    other.compile_from_config(gan.get_compile_config())
    assert other.mode_seeking_weight == 0.5


def test_train_config_passes_and_checks_the_weight():
    config = get_train_config(
        "mnist", network={"num_classes": 10}, mode_seeking_weight=1.0
    )
    assert build_gan(config).mode_seeking_weight == 1.0
    with pytest.raises(ValueError, match="`mode_seeking_weight` must be a"):
        get_train_config("mnist", mode_seeking_weight=-1.0)
    with pytest.raises(ValueError, match="cannot give; set `fake_labels`"):
        get_train_config("mnist", mode_seeking_weight=1.0, fake_labels="data")
