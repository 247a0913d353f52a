"""Mode coverage: how evenly samples spread over a classifier's classes."""

import numpy as np


def class_histogram(probabilities) -> np.ndarray:
    """Counts of the most likely class of each sample.

    Args:
        probabilities: array `(num_samples, num_classes)` of class
            probabilities or logits.

    Returns:
        An int64 array `(num_classes,)`.
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[0] == 0:
        raise ValueError(
            "`probabilities` must be a non-empty 2-D array (num_samples, "
            f"num_classes); received shape {probabilities.shape}."
        )
    # argmax reads a NaN row as class 0: a broken classifier would look
    # like mode collapse onto the first class.
    if probabilities.dtype.kind not in "biuf":
        raise ValueError(
            "`probabilities` must be class probabilities or logits (numbers); "
            f"received dtype {probabilities.dtype}."
        )
    if not np.all(np.isfinite(probabilities)):
        raise ValueError("`probabilities` contains NaN or infinite values.")
    return np.bincount(
        probabilities.argmax(axis=1), minlength=probabilities.shape[1]
    ).astype(np.int64)


def mode_coverage_from_counts(counts) -> dict:
    """Mode coverage from per-class sample counts; see `mode_coverage`.

    Args:
        counts: array `(num_classes,)` of non-negative counts.

    Returns:
        The dict described in `mode_coverage`.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.shape[0] < 2 or counts.min() < 0:
        raise ValueError(
            "`counts` must be a 1-D array of non-negative counts over at "
            f"least 2 classes; received {counts!r}."
        )
    if counts.sum() == 0:
        raise ValueError("`counts` are all zero: there are no samples.")
    fractions = counts / counts.sum()
    nonzero = fractions[fractions > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum())
    return {
        "entropy": entropy,
        "normalized_entropy": entropy / float(np.log(counts.shape[0])),
        "classes_covered": int((counts > 0).sum()),
        "num_classes": int(counts.shape[0]),
        "class_fractions": [float(f) for f in fractions],
    }


def mode_coverage(probabilities) -> dict:
    """How evenly a classifier's predicted classes spread over samples.

    For a model of labelled data with balanced classes (such as MNIST's
    digits), a generator that covers every mode makes each class about
    equally often: the entropy of the predicted-class histogram is then
    near its maximum `log(num_classes)`. Mode collapse lowers it.

    Args:
        probabilities: array `(num_samples, num_classes)` of class
            probabilities (or logits) from a domain classifier.

    Returns:
        A dict: `"entropy"` (nats), `"normalized_entropy"` (entropy /
        log(num_classes), in [0, 1]), `"classes_covered"` (classes predicted
        at least once), `"num_classes"` and `"class_fractions"`.

    Example:
    >>> mode_coverage(np.eye(4))["normalized_entropy"]
    1.0
    """
    return mode_coverage_from_counts(class_histogram(probabilities))
