"""DCGAN.compile(fake_labels=...): the classes of the fakes in training."""

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import build_gan
from tests.models.conditional_helpers import NUM_CLASSES
from tests.models.conditional_helpers import assert_fit_equals_reference
from tests.models.conditional_helpers import record_generator_labels
from tests.models.conditional_helpers import reuse_fakes_step
from tests.models.conditional_helpers import small_gan


def _data():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, 16, 16, 1)).astype("float32")
    # Skewed on purpose: class 0 three times as often as the others.
    labels = np.array([0, 0, 0, 1, 0, 0, 0, 2] * 2, "int32")
    return images, labels


def _reference_step(gan, images, labels):
    """pytorch/examples' step (fakes reused) with the fakes of `labels`."""
    latents = tf.random.stateless_normal(
        [images.shape[0], gan.latent_dim], seed=gan.seed_generator.next()
    )
    return reuse_fakes_step(gan, images, labels, latents, labels)


def test_data_labels_equal_a_hand_written_step_with_the_real_labels():
    images, labels = _data()
    assert_fit_equals_reference(
        {"reuse_fakes": True, "fake_labels": "data"},
        images,
        labels,
        _reference_step,
        {"atol": 1e-5},
    )


@pytest.mark.parametrize("reuse_fakes", [False, True])
def test_every_generator_pass_gets_the_real_labels(reuse_fakes):
    """Records the labels the generator sees in training: with fresh fakes
    for the generator update (two passes a step) and with reuse (one)."""
    images, labels = _data()
    gan = small_gan()
    seen = record_generator_labels(gan)
    gan.compile(
        reuse_fakes=reuse_fakes,
        discriminator_steps=2,
        fake_labels="data",
        run_eagerly=True,
    )
    gan.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
    passes = 2 if reuse_fakes else 3
    assert len(seen) == 2 * passes
    for index, seen_labels in enumerate(seen):
        batch = index // passes
        np.testing.assert_array_equal(
            seen_labels, labels[batch * 8 : batch * 8 + 8]
        )


def test_uniform_labels_differ_from_the_data_labels():
    images, labels = _data()
    weights = {}
    for choice in ("uniform", "data"):
        gan = small_gan()
        gan.compile(reuse_fakes=True, fake_labels=choice)
        gan.fit(images, labels, batch_size=8, verbose=0, shuffle=False)
        weights[choice] = gan.generator.get_weights()[0]
    assert not np.allclose(weights["uniform"], weights["data"])


def test_the_default_draws_uniform_labels():
    gan = small_gan()
    gan.compile()
    assert gan.fake_labels == "uniform"
    size = tf.constant(3000)
    drawn = gan._fake_labels(gan._batch_position(size), tf.zeros([3000]))
    counts = np.bincount(drawn.numpy(), minlength=NUM_CLASSES)
    assert counts.min() > 900, counts


def test_an_unconditional_gan_refuses_data_labels():
    # Before: accepted, and it changed nothing (no labels are drawn).
    gan = small_gan(num_classes=None)
    gan.compile(fake_labels="uniform")
    with pytest.raises(
        ValueError,
        match=r"`fake_labels`='data' applies to a class-conditional DCGAN "
        r"only, and this one is unconditional",
    ):
        gan.compile(fake_labels="data")


@pytest.mark.parametrize("bad", ["real", "Data", None, 1])
def test_an_unknown_choice_is_refused_by_name(bad):
    with pytest.raises(
        ValueError,
        match=r"Unknown fake_labels .*; expected one of \['uniform', 'data'\]",
    ):
        small_gan().compile(fake_labels=bad)


def test_the_setting_survives_the_compile_config():
    gan = small_gan()
    gan.compile(fake_labels="data")
    assert gan.get_compile_config()["fake_labels"] == "data"
    other = small_gan()
    other.compile_from_config(gan.get_compile_config())
    assert other.fake_labels == "data"


def test_train_config_passes_and_checks_fake_labels():
    # The preset's mode seeking pairs uniform labels (mode_seeking_test).
    config = get_train_config(
        "mnist",
        network={"num_classes": 10},
        fake_labels="data",
        mode_seeking_weight=0.0,
    )
    assert build_gan(config).fake_labels == "data"
    with pytest.raises(ValueError, match=r"Unknown fake_labels 'real'"):
        get_train_config("mnist", fake_labels="real")
