"""The kernel distance between two feature distributions (KID)."""

import numpy as np

from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.checks import check_positive_int
from keras_dcgan.metrics.statistics import as_feature_matrix


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The cubic polynomial kernel `(x . y / dim + 1) ** 3` of KID.

    Args:
        x: array `(n, dim)`.
        y: array `(m, dim)`.

    Returns:
        The float64 `(n, m)` kernel matrix.
    """
    # The float32 product is the expensive part and is accurate enough; the
    # cube and the sums run in float64, where KID's differences of large
    # sums do not lose precision.
    products = np.asarray(x, np.float32) @ np.asarray(y, np.float32).T
    return (products.astype(np.float64) / x.shape[1] + 1.0) ** 3


def _unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    m = x.shape[0]
    k_xx = polynomial_kernel(x, x)
    k_yy = polynomial_kernel(y, y)
    k_xy = polynomial_kernel(x, y)
    # Dropping the diagonals (each point with itself) makes the estimate
    # unbiased, so it can be negative when both samples share a distribution.
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (
        m * (m - 1)
    )
    return float(within - 2.0 * k_xy.mean())


def kernel_distance(
    features_a,
    features_b,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """The kernel distance (KID) between two feature sets.

    The unbiased estimate of the squared maximum mean discrepancy with the
    cubic polynomial kernel, averaged over `num_subsets` random subsets of
    `subset_size` samples drawn without replacement from each set. Unlike
    the Frechet distance it is unbiased, so it is comparable across sample
    sizes and is about 0 (possibly slightly negative) for two samples of one
    distribution.

    Args:
        features_a: array `(num_samples_a, dim)`.
        features_b: array `(num_samples_b, dim)`.
        num_subsets: int. Number of subset pairs. Defaults to 100.
        subset_size: int. Samples per subset; capped at half the smaller
            set's size, so that the subsets differ and `std` measures the
            estimate's spread. Defaults to 1000.
        seed: int. Seed of the subset draws, >= 0. Defaults to 0.

    Returns:
        `(mean, std)`: the mean estimate and its standard deviation over the
        subsets.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> kid, kid_std = kernel_distance(
    ...     rng.normal(size=(200, 8)), rng.normal(1.0, size=(200, 8)),
    ...     num_subsets=10, subset_size=100)
    >>> kid > 3 * kid_std
    True

    Reference:
        Binkowski et al., "Demystifying MMD GANs", 2018.
        https://arxiv.org/abs/1801.01401
    """
    a = as_feature_matrix(features_a, "features_a")
    b = as_feature_matrix(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Feature dimensions differ: {a.shape[1]} vs {b.shape[1]}; the "
            "features come from different extractors."
        )
    check_positive_int("num_subsets", num_subsets)
    check_positive_int("subset_size", subset_size)
    # NumPy's own refusal of -1 or "0" names no argument.
    check_non_negative_int("seed", seed)
    # Subsets of at most half the smaller set: subsets as large as the set
    # would all be the whole set, and their spread (the returned std) zero.
    size = min(subset_size, a.shape[0] // 2, b.shape[0] // 2)
    if size < 2:
        raise ValueError(
            f"Need at least 4 samples in each set (subsets of 2 or more, at "
            f"most half of each set); received {a.shape[0]} and "
            f"{b.shape[0]}."
        )
    rng = np.random.default_rng(seed)
    estimates = [
        _unbiased_mmd2(
            a[rng.choice(a.shape[0], size, replace=False)],
            b[rng.choice(b.shape[0], size, replace=False)],
        )
        for _ in range(num_subsets)
    ]
    return float(np.mean(estimates)), float(np.std(estimates))
