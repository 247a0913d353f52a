"""Tests of improved precision and recall."""

import numpy as np
import pytest

from keras_dcgan.metrics import precision_recall


def test_same_distribution_has_high_precision_and_recall():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(500, 4)), rng.normal(size=(500, 4))
    result = precision_recall(real, fake)
    assert result["precision"] > 0.8
    assert result["recall"] > 0.8


def test_collapsed_generator_has_precision_but_no_recall():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(500, 2))
    # All samples near one real mode: plausible, but cover little.
    fake = rng.normal(scale=0.05, size=(500, 2))
    result = precision_recall(real, fake)
    assert result["precision"] > 0.95
    assert result["recall"] < 0.1


def test_off_manifold_generator_has_no_precision():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(300, 3))
    fake = rng.normal(size=(300, 3)) + 20.0
    assert precision_recall(real, fake) == {"precision": 0.0, "recall": 0.0}


def test_matches_a_brute_force_computation():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.5, size=(50, 3))
    k = 3

    def brute(manifold, queries):
        dist = np.linalg.norm(manifold[:, None] - manifold[None], axis=-1)
        radii = np.sort(dist, axis=1)[:, k]
        to_manifold = np.linalg.norm(queries[:, None] - manifold[None], axis=-1)
        return np.mean(np.any(to_manifold <= radii[None], axis=1))

    result = precision_recall(real, fake, k=k, batch_size=7)
    assert result["precision"] == pytest.approx(brute(real, fake))
    assert result["recall"] == pytest.approx(brute(fake, real))


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="more than k=3 samples"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="`k` must be a positive integer"):
        precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), k=0)
    with pytest.raises(ValueError, match="dimensions differ"):
        precision_recall(np.zeros((10, 2)), np.zeros((10, 3)))


def test_batch_size_is_checked_like_k():
    # Before: True was accepted as a batch of one row.
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
    with pytest.raises(
        ValueError,
        match=r"`batch_size` must be a positive integer; received True\.",
    ):
        precision_recall(real, fake, batch_size=True)
