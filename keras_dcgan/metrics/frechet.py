"""The Frechet distance between two feature distributions (FID)."""

import warnings

import numpy as np

from keras_dcgan.metrics.statistics import FeatureStatistics
from keras_dcgan.metrics.statistics import as_feature_matrix
from keras_dcgan.metrics.statistics import check_same_extractor
from keras_dcgan.metrics.statistics import compute_statistics


class RankDeficientCovarianceWarning(UserWarning):
    """Too few samples for a full-rank covariance: the distance is biased."""


def _as_statistics(features, argument: str) -> FeatureStatistics:
    if isinstance(features, FeatureStatistics):
        statistics = features
    else:
        features = as_feature_matrix(features, argument)
        if features.shape[0] < 2:
            raise ValueError(
                f"`{argument}` needs at least 2 feature vectors; received "
                f"{features.shape[0]}."
            )
        statistics = compute_statistics(features)
    if statistics.count <= statistics.dim:
        warnings.warn(
            f"`{argument}` has {statistics.count} samples of {statistics.dim}"
            "-dimensional features: its covariance cannot have full rank "
            f"(needs more than {statistics.dim} samples), so the Frechet "
            "distance is unreliable. Use more samples (50,000 is standard "
            "for FID) or lower-dimensional features.",
            RankDeficientCovarianceWarning,
            stacklevel=3,
        )
    return statistics


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def _as_moment(argument: str, value) -> np.ndarray:
    """`value` as a float64 array, refusing strings, NaN and infinities."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or isinstance(value, str):
        raise ValueError(
            f"`{argument}` must be an array of numbers; received {value!r}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{argument}` contains NaN or infinite values.")
    return array


def _check_covariance(argument: str, covariance: np.ndarray) -> None:
    """Refuses a matrix no covariance can be: asymmetric, or a variance < 0.

    The matrix square root would otherwise symmetrize it and clip its
    negative eigenvalues, returning a distance for no real distribution.
    """
    scale = max(1.0, float(np.abs(covariance).max()))
    asymmetry = float(np.abs(covariance - covariance.T).max())
    if asymmetry > 1e-6 * scale:
        raise ValueError(
            f"`{argument}` is not symmetric (entries differ from their "
            f"transpose by up to {asymmetry:.3g}); pass a covariance matrix."
        )
    lowest = float(np.diag(covariance).min())
    if lowest < -1e-9 * scale:
        raise ValueError(
            f"`{argument}` has a negative variance ({lowest:.3g}) on its "
            "diagonal; pass a covariance matrix (positive semi-definite)."
        )


def frechet_distance_from_moments(mean_a, covariance_a, mean_b, covariance_b):
    """The Frechet distance between two Gaussians given by their moments.

    `||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))`. The trace of the
    matrix square root is computed as the sum of square roots of the
    eigenvalues of the symmetric matrix `S_a^(1/2) S_b S_a^(1/2)`, which has
    the same spectrum as `S_a S_b` and, unlike a general `sqrtm`, never
    produces complex values from round-off.

    Args:
        mean_a: array `(dim,)`.
        covariance_a: array `(dim, dim)`, symmetric positive semi-definite.
        mean_b: array `(dim,)`.
        covariance_b: array `(dim, dim)`.

    Returns:
        The distance as a Python float (>= 0 up to round-off).

    Example:
    >>> frechet_distance_from_moments(
    ...     np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    2.0
    """
    mean_a, mean_b = _as_moment("mean_a", mean_a), _as_moment("mean_b", mean_b)
    covariance_a = _as_moment("covariance_a", covariance_a)
    covariance_b = _as_moment("covariance_b", covariance_b)
    dim = mean_a.shape[0] if mean_a.ndim == 1 else -1
    if (
        mean_a.shape != (dim,)
        or mean_b.shape != (dim,)
        or covariance_a.shape != (dim, dim)
        or (covariance_b.shape != (dim, dim))
    ):
        raise ValueError(
            "Shapes do not match: means "
            f"{mean_a.shape} and {mean_b.shape}, covariances "
            f"{covariance_a.shape} and {covariance_b.shape}."
        )
    for name, covariance in (
        ("covariance_a", covariance_a),
        ("covariance_b", covariance_b),
    ):
        _check_covariance(name, covariance)
    root_a = _sqrt_psd(covariance_a)
    product = root_a @ covariance_b @ root_a
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    diff = mean_a - mean_b
    return float(
        diff @ diff
        + np.trace(covariance_a)
        + np.trace(covariance_b)
        - 2 * trace_sqrt
    )


def frechet_distance(features_a, features_b) -> float:
    """The Frechet distance between two feature sets (FID on Inception).

    Fits a Gaussian to each set and returns the Frechet (2-Wasserstein)
    distance between them. With InceptionV3 pool features of generated and
    real images this is the Frechet Inception Distance.

    Args:
        features_a: array `(num_samples, dim)` or a `FeatureStatistics`
            (for example cached reference statistics).
        features_b: array `(num_samples, dim)` or a `FeatureStatistics`.

    Returns:
        The distance as a Python float. Warns with
        `RankDeficientCovarianceWarning` when a set has no more samples than
        dimensions.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(500, 4))
    >>> round(frechet_distance(a, a), 6)
    0.0

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium", 2017.
        https://arxiv.org/abs/1706.08500
    """
    a = _as_statistics(features_a, "features_a")
    b = _as_statistics(features_b, "features_b")
    if isinstance(features_a, FeatureStatistics) and isinstance(
        features_b, FeatureStatistics
    ):
        check_same_extractor(a, b)
    elif a.dim != b.dim:
        raise ValueError(
            f"Feature dimensions differ: {a.dim} vs {b.dim}; the features "
            "come from different extractors."
        )
    return frechet_distance_from_moments(
        a.mean, a.covariance, b.mean, b.covariance
    )
