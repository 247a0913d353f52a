"""Lazy R1 (`r1_interval`): which steps `fit` regularizes, and how much."""

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import build_tiny_gan
from tests.models.dcgan_defaults_test import random_images

WEIGHT = 0.5


def _dataset(steps, batch=4):
    images = random_images(steps * batch, seed=7)
    return tf.data.Dataset.from_tensor_slices(images).batch(batch)


def _recording(gan):
    """Records the R1 weight each eager step of `fit` was given."""
    weights = []
    train_step = gan.train_step

    def recording_step(data, r1_weight=None):
        weights.append(r1_weight)
        return train_step(data, r1_weight=r1_weight)

    gan.train_step = recording_step
    return weights


def test_fit_regularizes_every_interval_th_step_at_the_scaled_weight():
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=3, run_eagerly=True)
    weights = _recording(gan)
    gan.fit(_dataset(7), epochs=1, verbose=0)
    big = WEIGHT * 3
    assert weights == [big, 0.0, 0.0, big, 0.0, 0.0, big]


def test_the_schedule_follows_the_generator_step_count_across_fits():
    # A resumed run (a restored `g_optimizer.iterations`) keeps the
    # schedule instead of restarting it at the first step of each `fit`.
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=2, run_eagerly=True)
    weights = _recording(gan)
    gan.fit(_dataset(1), epochs=1, verbose=0)
    gan.fit(_dataset(3), epochs=1, verbose=0)
    assert weights == [1.0, 0.0, 1.0, 0.0]
    assert int(gan.g_optimizer.iterations.numpy()) == 4


def test_interval_one_and_a_zero_weight_train_every_step_as_before():
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=1, run_eagerly=True)
    weights = _recording(gan)
    gan.fit(_dataset(2), epochs=1, verbose=0)
    assert weights == [None, None]  # `compile`'s weight, every step

    gan = build_tiny_gan()
    gan.compile(r1_weight=0.0, r1_interval=4, run_eagerly=True)
    weights = _recording(gan)
    gan.fit(_dataset(2), epochs=1, verbose=0)
    assert weights == [None, None]


def _trained(steps=4, **compile_kwargs):
    gan = build_tiny_gan(seed=3)
    gan.compile(**compile_kwargs)
    gan.fit(_dataset(steps), epochs=1, verbose=0)
    return [v.numpy() for v in gan.discriminator.trainable_variables]


def test_compiled_lazy_steps_equal_eager_steps_with_the_scheduled_weights():
    compiled = _trained(r1_weight=WEIGHT, r1_interval=2, jit_compile=False)
    eager = _trained(r1_weight=WEIGHT, r1_interval=2, run_eagerly=True)
    for a, b in zip(compiled, eager, strict=True):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_lazy_r1_is_neither_every_step_r1_nor_none():
    lazy = _trained(r1_weight=WEIGHT, r1_interval=2, run_eagerly=True)
    every = _trained(r1_weight=WEIGHT, run_eagerly=True)
    none = _trained(run_eagerly=True)
    assert not np.allclose(lazy[0], every[0], atol=1e-5)
    assert not np.allclose(lazy[0], none[0], atol=1e-5)


def test_train_step_called_directly_uses_the_weight_it_is_given():
    # `train_step(r1_weight=0)` is the unregularized step even when the
    # compiled weight is not: same weights as a GAN compiled without R1.
    batch = next(iter(_dataset(1)))
    results = []
    for compiled_weight, step_weight in ((WEIGHT, 0.0), (0.0, None)):
        gan = build_tiny_gan(seed=3)
        gan.compile(r1_weight=compiled_weight, run_eagerly=True)
        gan.train_step(batch, r1_weight=step_weight)
        results.append(gan.discriminator.trainable_variables[0].numpy())
    np.testing.assert_allclose(results[0], results[1], atol=1e-6)


def test_recompiling_rebuilds_the_training_function():
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=2, run_eagerly=True)
    gan.fit(_dataset(1), epochs=1, verbose=0)
    gan.compile(r1_weight=WEIGHT, r1_interval=1, run_eagerly=True)
    weights = _recording(gan)
    gan.fit(_dataset(2), epochs=1, verbose=0)
    assert weights == [None, None]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"r1_interval": 0},
            "`r1_interval` must be a positive integer; received 0.",
        ),
        ({"r1_interval": "4"}, "`r1_interval` must be a positive integer"),
        ({"r1_interval": 2.0}, "`r1_interval` must be a positive integer"),
        ({"r1_interval": True}, "`r1_interval` must be a positive integer"),
        (
            {"r1_weight": 1.0, "r1_interval": 4, "steps_per_execution": 2},
            r"`r1_interval=4` \(lazy R1\) needs `steps_per_execution=1`; "
            r"received `steps_per_execution=2`",
        ),
    ],
)
def test_compile_rejects_a_bad_r1_interval(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_tiny_gan().compile(**kwargs)


def test_without_r1_the_interval_allows_several_steps_per_execution():
    gan = build_tiny_gan()
    gan.compile(r1_weight=0.0, r1_interval=4, steps_per_execution=2)
    gan.fit(_dataset(4), epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 4


def test_steps_per_execution_set_after_compile_is_refused():
    # Several steps in one execution would all get the first one's kind.
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=3)
    gan.steps_per_execution = 3
    with pytest.raises(ValueError, match="received `steps_per_execution=3`"):
        gan.fit(_dataset(3), epochs=1, verbose=0)


def test_make_train_function_returns_the_function_on_both_paths():
    for interval in (1, 2):
        gan = build_tiny_gan()
        gan.compile(r1_weight=WEIGHT, r1_interval=interval)
        function = gan.make_train_function()
        assert function is not None
        assert function is gan.train_function


@pytest.mark.parametrize("interval", [1, 2])
def test_train_on_batch_in_a_graph_follows_the_schedule(interval):
    # `train_on_batch` passes (x, None, None): the graph step must take it.
    batches = [batch.numpy() for batch in _dataset(3)]
    results = []
    for eager in (False, True):
        gan = build_tiny_gan(seed=3)
        gan.compile(
            r1_weight=WEIGHT,
            r1_interval=interval,
            jit_compile=False,
            run_eagerly=eager,
        )
        for batch in batches:
            gan.train_on_batch(batch)
        results.append(gan.discriminator.trainable_variables[0].numpy())
    np.testing.assert_allclose(results[0], results[1], atol=2e-5)


def test_r1_interval_is_part_of_the_compile_config():
    gan = build_tiny_gan()
    gan.compile(r1_weight=WEIGHT, r1_interval=4)
    config = gan.get_compile_config()
    assert (config["r1_weight"], config["r1_interval"]) == (WEIGHT, 4)
    other = build_tiny_gan()
    other.compile_from_config(config)
    assert (other.r1_weight, other.r1_interval) == (WEIGHT, 4)
