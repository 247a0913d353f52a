"""Improved precision and recall with k-nearest-neighbour manifolds."""

import numpy as np

from keras_dcgan.checks import check_positive_int
from keras_dcgan.metrics.statistics import as_feature_matrix


def _squared_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    distances = (
        (x * x).sum(axis=1)[:, None]
        + (y * y).sum(axis=1)[None, :]
        - 2 * x @ y.T
    )
    return np.maximum(distances, 0.0)


def _radii(features: np.ndarray, k: int, batch_size: int) -> np.ndarray:
    """Squared distance of each point to its k-th nearest other point."""
    radii = np.empty(features.shape[0], dtype=features.dtype)
    for start in range(0, features.shape[0], batch_size):
        distances = _squared_distances(
            features[start : start + batch_size], features
        )
        # Index k, not k - 1: the point itself sits at distance 0.
        radii[start : start + batch_size] = np.partition(distances, k, axis=1)[
            :, k
        ]
    return radii


def _coverage(
    manifold: np.ndarray,
    radii: np.ndarray,
    queries: np.ndarray,
    batch_size: int,
) -> float:
    """Fraction of `queries` inside at least one k-NN ball of `manifold`."""
    inside = 0
    for start in range(0, queries.shape[0], batch_size):
        distances = _squared_distances(
            queries[start : start + batch_size], manifold
        )
        inside += int(np.any(distances <= radii[None, :], axis=1).sum())
    return inside / queries.shape[0]


def precision_recall(
    real_features, fake_features, k: int = 3, batch_size: int = 1000
) -> dict[str, float]:
    """Improved precision and recall of generated samples.

    Each set's manifold is the union of balls around its points, each ball
    reaching the point's k-th nearest neighbour in the same set. Precision
    is the fraction of generated samples inside the real manifold (sample
    quality); recall is the fraction of real samples inside the generated
    manifold (coverage of the data). Distances are computed `batch_size`
    rows at a time, so memory grows with `batch_size * num_samples`.

    Args:
        real_features: array `(num_real, dim)`.
        fake_features: array `(num_fake, dim)`.
        k: int. The neighbourhood size. Defaults to 3, as in the paper.
        batch_size: int. Rows of each block of distances. Defaults to 1000.

    Returns:
        A dict with `"precision"` and `"recall"`, each in [0, 1].

    Example:
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(300, 2))
    >>> result = precision_recall(real, real[:, ::-1] * 0.1)
    >>> result["precision"] > 0.9 and result["recall"] < 0.5
    True

    Reference:
        Kynkaanniemi et al., "Improved Precision and Recall Metric for
        Assessing Generative Models", 2019. https://arxiv.org/abs/1904.06991
    """
    real = as_feature_matrix(real_features, "real_features")
    fake = as_feature_matrix(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"Feature dimensions differ: {real.shape[1]} vs {fake.shape[1]}; "
            "the features come from different extractors."
        )
    check_positive_int("k", k)
    # Checked like `k`: True passed as a batch of one row.
    check_positive_int("batch_size", batch_size)
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(
            f"Each set needs more than k={k} samples; received "
            f"{real.shape[0]} real and {fake.shape[0]} generated."
        )
    # float32 distances, as in the paper's implementation: twice as fast, and
    # a rounding error only matters for points exactly on a ball's border.
    real, fake = real.astype(np.float32), fake.astype(np.float32)
    real_radii = _radii(real, k, batch_size)
    fake_radii = _radii(fake, k, batch_size)
    return {
        "precision": _coverage(real, real_radii, fake, batch_size),
        "recall": _coverage(fake, fake_radii, real, batch_size),
    }
