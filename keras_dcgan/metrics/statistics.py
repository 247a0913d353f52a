"""Streaming feature statistics and their cache files.

The Frechet distance needs only the mean and covariance of each feature
set. `RunningStatistics` accumulates them batch by batch (Chan et al.'s
pairwise update, in float64), so 50,000 Inception features never have to be
held at once. `FeatureStatistics` is the result, tagged with the identity
of the extractor that produced the features: statistics from different
extractors are never compared.
"""

import dataclasses
import os

import numpy as np

from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.checks import is_integer


def as_feature_matrix(features, argument: str = "features") -> np.ndarray:
    """Checks and converts a feature array to a float64 `(n, dim)` matrix.

    Args:
        features: array-like of shape `(num_samples, dim)`.
        argument: str. The argument's name, for error messages. Defaults to
            `"features"`.

    Returns:
        A float64 numpy array.
    """
    # Complex features would lose their imaginary part without a word, and
    # strings or ragged lists fail in NumPy with a message naming nothing.
    try:
        array = None if isinstance(features, str) else np.asarray(features)
    except ValueError as error:  # a ragged list
        raise ValueError(f"`{argument}` is not an array: {error}") from None
    if array is None or array.dtype.kind not in "biuf":
        kind = "a str" if array is None else f"dtype {array.dtype}"
        raise ValueError(
            f"`{argument}` must be a 2-D array of real numbers (num_samples, "
            f"dim); received {kind}."
        )
    features = array.astype(np.float64)
    if features.ndim != 2 or features.shape[0] == 0 or features.shape[1] == 0:
        raise ValueError(
            f"`{argument}` must be a non-empty 2-D array (num_samples, dim); "
            f"received shape {features.shape}."
        )
    if not np.all(np.isfinite(features)):
        raise ValueError(f"`{argument}` contains NaN or infinite values.")
    return features


@dataclasses.dataclass(frozen=True)
class FeatureStatistics:
    """Mean and covariance of a set of features, and where they came from.

    Attributes:
        mean: float64 array `(dim,)`.
        covariance: float64 array `(dim, dim)`, the unbiased sample
            covariance (divided by `count - 1`).
        count: int. Number of feature vectors.
        extractor: str. Identity of the feature extractor (see
            `FeatureExtractor.identity`); empty when unknown.
        sample: float32 array `(n, dim)` or None. A uniformly random subset
            of the feature vectors, kept for the metrics that need vectors
            rather than moments (KID, precision/recall). Defaults to None.
    """

    mean: np.ndarray
    covariance: np.ndarray
    count: int
    extractor: str = ""
    sample: np.ndarray | None = None

    @property
    def dim(self) -> int:
        """The feature dimension."""
        return int(self.mean.shape[0])

    def save(self, path: str) -> None:
        """Writes the statistics to a `.npz` file atomically.

        Args:
            path: str. Destination; should end with `.npz`.
        """
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        partial = path + ".partial.npz"
        sample = {} if self.sample is None else {"sample": self.sample}
        np.savez(
            partial,
            mean=self.mean,
            covariance=self.covariance,
            count=np.int64(self.count),
            extractor=np.str_(self.extractor),
            **sample,
        )
        os.replace(partial, path)

    @classmethod
    def load(cls, path: str) -> "FeatureStatistics":
        """Reads statistics written by `save`.

        Args:
            path: str. A `.npz` file.

        Returns:
            A `FeatureStatistics`.

        Example:
        >>> stats = compute_statistics(np.eye(3), extractor="demo")
        >>> import tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "demo_stats.npz")
        >>> stats.save(path)
        >>> FeatureStatistics.load(path).extractor
        'demo'
        """
        with np.load(path) as data:
            missing = {"mean", "covariance", "count", "extractor"} - set(data)
            if missing:
                raise ValueError(
                    f"{path!r} is not a feature statistics file: it lacks "
                    f"{sorted(missing)}."
                )
            return cls(
                mean=data["mean"],
                covariance=data["covariance"],
                count=int(data["count"]),
                extractor=str(data["extractor"]),
                sample=data.get("sample"),
            )


def check_same_extractor(a: FeatureStatistics, b: FeatureStatistics) -> None:
    """Raises unless two statistics come from the same feature extractor.

    Args:
        a: FeatureStatistics.
        b: FeatureStatistics.
    """
    if a.extractor != b.extractor:
        raise ValueError(
            "Refusing to compare statistics from different feature "
            f"extractors: {a.extractor!r} vs {b.extractor!r}. Recompute "
            "both with the same extractor."
        )
    if a.dim != b.dim:
        raise ValueError(
            f"Feature dimensions differ: {a.dim} vs {b.dim}; the statistics "
            "come from different extractors."
        )


class RunningStatistics:
    """Accumulates the mean and covariance of features over batches.

    Optionally keeps a uniformly random subset of the vectors (reservoir
    sampling) for the metrics that need vectors, so memory stays bounded.

    Args:
        extractor: str. Identity of the extractor producing the features,
            copied into the result. Defaults to `""`.
        max_sample: int. How many feature vectors to keep in `sample`; 0
            keeps none. Defaults to 0.
        seed: int. Seed of the reservoir sampling. Defaults to 0.

    Example:
    >>> running = RunningStatistics()
    >>> for batch in np.split(np.arange(12.0).reshape(6, 2), 3):
    ...     running.update(batch)
    >>> running.result().count
    6
    """

    def __init__(self, extractor: str = "", max_sample: int = 0, seed=0):
        if not is_integer(max_sample) or max_sample < 0:
            raise ValueError(
                "`max_sample` must be an integer >= 0; received "
                f"{max_sample!r}."
            )
        check_non_negative_int("seed", seed)
        self.extractor = extractor
        self.max_sample = int(max_sample)
        self.count = 0
        self._mean = None
        # Sum of outer products of deviations from the running mean.
        self._scatter = None
        self._sample = []
        self._rng = np.random.default_rng(seed)

    def _update_sample(self, features: np.ndarray) -> None:
        # Algorithm R: after n vectors, each has been kept with probability
        # max_sample / n, however the stream was batched.
        for offset, vector in enumerate(features.astype(np.float32)):
            seen = self.count + offset
            if seen < self.max_sample:
                self._sample.append(vector)
            else:
                slot = self._rng.integers(0, seen + 1)
                if slot < self.max_sample:
                    self._sample[slot] = vector

    def update(self, features) -> None:
        """Adds a batch of features `(batch, dim)`."""
        features = as_feature_matrix(features)
        if self._mean is not None and features.shape[1] != self._mean.shape[0]:
            raise ValueError(
                f"Feature dimension changed from {self._mean.shape[0]} to "
                f"{features.shape[1]}."
            )
        if self.max_sample:
            self._update_sample(features)
        count = features.shape[0]
        mean = features.mean(axis=0)
        centered = features - mean
        scatter = centered.T @ centered
        if self._mean is None:
            self.count, self._mean, self._scatter = count, mean, scatter
            return
        total = self.count + count
        delta = mean - self._mean
        self._mean = self._mean + delta * (count / total)
        self._scatter += scatter + np.outer(delta, delta) * (
            self.count * count / total
        )
        self.count = total

    def result(self) -> FeatureStatistics:
        """The statistics of everything added so far (at least 2 vectors)."""
        if self.count < 2:
            raise ValueError(
                f"Need at least 2 feature vectors for a covariance; have "
                f"{self.count}."
            )
        return FeatureStatistics(
            mean=self._mean.copy(),
            covariance=self._scatter / (self.count - 1),
            count=self.count,
            extractor=self.extractor,
            sample=np.stack(self._sample) if self._sample else None,
        )


def compute_statistics(features, extractor: str = "") -> FeatureStatistics:
    """The statistics of an in-memory feature array.

    Args:
        features: array `(num_samples, dim)`.
        extractor: str. Identity of the extractor. Defaults to `""`.

    Returns:
        A `FeatureStatistics`.

    Example:
    >>> compute_statistics(np.random.randn(10, 3)).covariance.shape
    (3, 3)
    """
    running = RunningStatistics(extractor)
    running.update(features)
    return running.result()
