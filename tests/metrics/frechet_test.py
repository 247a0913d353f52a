"""Tests of the Frechet distance (FID)."""

import warnings

import numpy as np
import pytest
import scipy.linalg

from keras_dcgan.metrics import FeatureStatistics
from keras_dcgan.metrics import RankDeficientCovarianceWarning
from keras_dcgan.metrics import compute_statistics
from keras_dcgan.metrics import frechet_distance
from keras_dcgan.metrics import frechet_distance_from_moments


def _random_covariance(rng, dim):
    factor = rng.normal(size=(dim, dim))
    return factor @ factor.T / dim + 0.1 * np.eye(dim)


def test_fid_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(400, 16))
    assert abs(frechet_distance(features, features)) < 1e-8


def test_fid_of_two_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(1)
    dim = 4
    mean_a, mean_b = rng.normal(size=dim), rng.normal(size=dim)
    cov_a, cov_b = _random_covariance(rng, dim), _random_covariance(rng, dim)
    # Closed form written independently: d^2 = |mu_a - mu_b|^2 +
    # Tr(S_a) + Tr(S_b) - 2 Tr((S_a^1/2 S_b S_a^1/2)^1/2).
    root_a = scipy.linalg.sqrtm(cov_a).real
    expected = (
        np.sum((mean_a - mean_b) ** 2)
        + np.trace(cov_a)
        + np.trace(cov_b)
        - 2 * np.trace(scipy.linalg.sqrtm(root_a @ cov_b @ root_a).real)
    )
    exact = frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b)
    np.testing.assert_allclose(exact, expected, rtol=1e-10)
    # And from samples of those Gaussians the estimate approaches it.
    a = rng.multivariate_normal(mean_a, cov_a, size=100_000)
    b = rng.multivariate_normal(mean_b, cov_b, size=100_000)
    np.testing.assert_allclose(frechet_distance(a, b), expected, rtol=0.02)


def test_fid_of_scaled_isotropic_gaussians_has_the_textbook_value():
    # N(0, I) vs N(m, s^2 I) in d dims: |m|^2 + d (1 - s)^2.
    dim, scale = 3, 2.0
    distance = frechet_distance_from_moments(
        np.zeros(dim), np.eye(dim), np.ones(dim), scale**2 * np.eye(dim)
    )
    assert distance == pytest.approx(dim + dim * (1 - scale) ** 2)


def test_fid_equals_a_direct_scipy_computation():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(300, 32))
    b = rng.normal(0.3, 1.5, size=(300, 32)) + a[:, ::-1] * 0.2
    mu_a, mu_b = a.mean(0), b.mean(0)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(sigma_a @ sigma_b).real
    direct = np.sum((mu_a - mu_b) ** 2) + np.trace(
        sigma_a + sigma_b - 2 * covmean
    )
    np.testing.assert_allclose(frechet_distance(a, b), direct, rtol=1e-8)


def test_fid_accepts_statistics_and_arrays_alike():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(200, 8)), rng.normal(1.0, size=(200, 8))
    from_arrays = frechet_distance(a, b)
    from_stats = frechet_distance(compute_statistics(a), compute_statistics(b))
    assert from_stats == pytest.approx(from_arrays, rel=1e-12)
    assert from_arrays > 1.0


def test_warns_when_too_few_samples_for_a_full_rank_covariance():
    rng = np.random.default_rng(4)
    few, many = rng.normal(size=(10, 16)), rng.normal(size=(100, 16))
    with pytest.warns(RankDeficientCovarianceWarning, match="10 samples of 16"):
        frechet_distance(few, many)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frechet_distance(many, many)


def test_refuses_statistics_from_different_extractors():
    rng = np.random.default_rng(5)
    a = compute_statistics(rng.normal(size=(50, 4)), extractor="inception")
    b = compute_statistics(rng.normal(size=(50, 4)), extractor="classifier")
    with pytest.raises(ValueError, match="different feature extractors"):
        frechet_distance(a, b)


def test_rejects_mismatched_dimensions_and_bad_arrays():
    rng = np.random.default_rng(6)
    with pytest.raises(ValueError, match="dimensions differ: 4 vs 5"):
        frechet_distance(rng.normal(size=(50, 4)), rng.normal(size=(50, 5)))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        frechet_distance(np.zeros(10), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        frechet_distance(np.full((10, 2), np.nan), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="at least 2 feature vectors"):
        frechet_distance(np.zeros((1, 2)), np.zeros((10, 2)))


def test_statistics_type_is_what_the_distance_takes():
    stats = FeatureStatistics(np.zeros(2), np.eye(2), 100, "x")
    assert frechet_distance(stats, stats) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("moments", "match"),
    [
        # Before: returned nan.
        (
            (np.full(2, np.nan), np.eye(2), np.zeros(2), np.eye(2)),
            r"`mean_a` contains NaN or infinite values\.",
        ),
        # Before: returned 0.0 (the square root clipped the negative
        # eigenvalues), a distance for no real distribution.
        (
            (np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)),
            r"`covariance_a` has a negative variance \(-1\) on its diagonal",
        ),
        # Before: silently symmetrized.
        (
            (np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 2], [0, 1]])),
            r"`covariance_b` is not symmetric \(entries differ from their "
            r"transpose by up to 2\)",
        ),
        # Before: IndexError: tuple index out of range.
        (
            (0.0, 1.0, 0.0, 1.0),
            r"Shapes do not match: means \(\) and \(\)",
        ),
        # Before: "could not convert string to float: 'a'".
        (
            ("a", np.eye(2), np.zeros(2), np.eye(2)),
            r"`mean_a` must be an array of numbers; received 'a'\.",
        ),
    ],
)
def test_moments_that_describe_no_gaussian_are_refused(moments, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance_from_moments(*moments)
