"""Tests of streaming feature statistics and their cache files."""

import numpy as np
import pytest

from keras_dcgan.metrics import FeatureStatistics
from keras_dcgan.metrics import RunningStatistics
from keras_dcgan.metrics import compute_statistics


def test_streaming_moments_equal_numpy_over_any_batching():
    rng = np.random.default_rng(0)
    features = rng.normal(3.0, 2.0, size=(1003, 6)) @ rng.normal(size=(6, 6))
    running = RunningStatistics("x")
    for batch in np.array_split(features, 13):
        running.update(batch)
    stats = running.result()
    assert stats.count == 1003
    np.testing.assert_allclose(stats.mean, features.mean(0), rtol=1e-12)
    np.testing.assert_allclose(
        stats.covariance, np.cov(features, rowvar=False), rtol=1e-10
    )


def test_reservoir_sample_is_bounded_and_drawn_from_the_stream():
    features = np.arange(500.0).reshape(250, 2)
    running = RunningStatistics(max_sample=40, seed=1)
    for batch in np.array_split(features, 9):
        running.update(batch)
    sample = running.result().sample
    assert sample.shape == (40, 2)
    rows = {tuple(row) for row in features}
    assert all(tuple(row) in rows for row in sample)
    # Uniform over the stream, not just its start.
    assert sample[:, 0].max() > 250


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    running = RunningStatistics("inception_v3:abc", max_sample=5)
    running.update(rng.normal(size=(20, 3)))
    stats = running.result()
    path = str(tmp_path / "sub" / "ref.npz")
    stats.save(path)
    loaded = FeatureStatistics.load(path)
    assert loaded.extractor == "inception_v3:abc"
    assert loaded.count == 20
    np.testing.assert_array_equal(loaded.mean, stats.mean)
    np.testing.assert_array_equal(loaded.covariance, stats.covariance)
    np.testing.assert_array_equal(loaded.sample, stats.sample)


def test_load_rejects_other_files(tmp_path):
    path = str(tmp_path / "other.npz")
    np.savez(path, mean=np.zeros(2))
    with pytest.raises(ValueError, match="lacks \\['count', 'covariance'"):
        FeatureStatistics.load(path)


def test_rejects_bad_updates():
    running = RunningStatistics()
    running.update(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="changed from 2 to 3"):
        running.update(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least 2 feature vectors"):
        RunningStatistics().result()
    with pytest.raises(ValueError, match="`max_sample` must be an integer"):
        RunningStatistics(max_sample=-1)
    with pytest.raises(ValueError, match="non-empty 2-D"):
        compute_statistics(np.zeros((0, 3)))


@pytest.mark.parametrize(
    ("features", "match"),
    [
        # Before: the imaginary part was dropped with a NumPy warning.
        (
            np.ones((4, 2), complex),
            r"`features` must be a 2-D array of real numbers \(num_samples, "
            r"dim\); received dtype complex128\.",
        ),
        # Before: "could not convert string to float: 'abc'".
        (
            "abc",
            r"`features` must be a 2-D array of real numbers \(num_samples, "
            r"dim\); received a str\.",
        ),
        # Before: NumPy's "inhomogeneous shape" message, naming nothing.
        ([[1.0, 2.0], [3.0]], r"`features` is not an array: "),
    ],
)
def test_features_that_are_not_real_arrays_are_named(features, match):
    with pytest.raises(ValueError, match=match):
        compute_statistics(features)


def test_running_statistics_seed_is_checked():
    # Before: NumPy's "expected non-negative integer" at construction.
    with pytest.raises(
        ValueError, match=r"`seed` must be an int >= 0; received -1\."
    ):
        RunningStatistics(max_sample=10, seed=-1)
