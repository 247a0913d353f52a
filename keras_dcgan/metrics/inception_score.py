"""The Inception Score of class predictions on generated samples."""

import numpy as np
import scipy.special

from keras_dcgan.checks import check_positive_int


def _check_probabilities(probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or 0 in probabilities.shape:
        raise ValueError(
            "`probabilities` must be a non-empty 2-D array (num_samples, "
            f"num_classes); received shape {probabilities.shape}."
        )
    sums = probabilities.sum(axis=1)
    if probabilities.min() < 0 or not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError(
            "`probabilities` must be class probabilities (non-negative rows "
            f"summing to 1, e.g. a softmax output); row sums range from "
            f"{sums.min():.4g} to {sums.max():.4g} and the minimum entry is "
            f"{probabilities.min():.4g}."
        )
    return probabilities


class RunningInceptionScore:
    """Accumulates the Inception Score over batches of class probabilities.

    Sample `i` (counting across batches) goes to split `i % splits`; each
    split keeps the sum of its probability vectors and of `sum p log p`,
    which is all `exp(E[KL(p(y|x) || p(y))])` needs. Memory is
    `splits * num_classes` numbers however many samples stream through.

    Args:
        splits: int. Number of splits the score's mean and std are taken
            over. Defaults to 10.

    Example:
    >>> running = RunningInceptionScore(splits=1)
    >>> running.update(np.eye(4))
    >>> running.result()
    (4.0, 0.0)
    """

    def __init__(self, splits: int = 10):
        check_positive_int("splits", splits)
        self.splits = splits
        self.count = 0
        self._sums = None
        self._neg_entropy = np.zeros(splits)
        self._counts = np.zeros(splits, dtype=np.int64)

    def update(self, probabilities) -> None:
        """Adds a batch of class probabilities `(batch, num_classes)`."""
        probabilities = _check_probabilities(probabilities)
        if self._sums is None:
            self._sums = np.zeros((self.splits, probabilities.shape[1]))
        elif probabilities.shape[1] != self._sums.shape[1]:
            raise ValueError(
                f"Number of classes changed from {self._sums.shape[1]} to "
                f"{probabilities.shape[1]}."
            )
        split = (self.count + np.arange(probabilities.shape[0])) % self.splits
        np.add.at(self._sums, split, probabilities)
        np.add.at(
            self._neg_entropy,
            split,
            scipy.special.xlogy(probabilities, probabilities).sum(axis=1),
        )
        np.add.at(self._counts, split, 1)
        self.count += probabilities.shape[0]

    def result(self) -> tuple[float, float]:
        """`(mean, std)` of the per-split scores."""
        if self.count < self.splits:
            raise ValueError(
                f"Need at least one sample per split: {self.count} samples "
                f"for {self.splits} splits."
            )
        counts = self._counts[:, None]
        marginal = self._sums / counts
        # E_x[KL(p(y|x) || p(y))] = E_x[sum p log p] - sum p(y) log p(y).
        kl = self._neg_entropy / self._counts - scipy.special.xlogy(
            marginal, marginal
        ).sum(axis=1)
        scores = np.exp(kl)
        return float(np.mean(scores)), float(np.std(scores))


def inception_score(probabilities, splits: int = 10) -> tuple[float, float]:
    """The Inception Score of class probabilities predicted on samples.

    `exp(E_x[KL(p(y|x) || p(y))])`, computed on `splits` disjoint splits of
    the samples. It ranges from 1 (every sample gets the same prediction)
    to the number of classes K (confident predictions spread evenly over
    the K classes). Sample `i` belongs to split `i % splits`.

    Args:
        probabilities: array `(num_samples, num_classes)` of softmax outputs.
        splits: int. Number of splits. Defaults to 10.

    Returns:
        `(mean, std)` over the splits.

    Example:
    >>> mean, std = inception_score(np.full((20, 5), 0.2), splits=2)
    >>> round(mean, 6)
    1.0

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", 2016.
        https://arxiv.org/abs/1606.03498
    """
    running = RunningInceptionScore(splits)
    running.update(probabilities)
    return running.result()
