"""Evaluating a generator: extract features of samples and data, compare.

Everything streams: images pass through the extractor a batch at a time,
and only running moments, a bounded random subset of feature vectors, the
Inception Score accumulators, a class histogram and a mean power spectrum
are kept. 50,000 samples therefore need about as much memory as 10,000.
"""

import dataclasses
import os
import warnings

import numpy as np

from keras_dcgan.checks import check_positive_int
from keras_dcgan.metrics.artifacts import checkerboard_score_from_spectrum
from keras_dcgan.metrics.artifacts import power_spectrum
from keras_dcgan.metrics.coverage import mode_coverage_from_counts
from keras_dcgan.metrics.extractors import FeatureExtractor
from keras_dcgan.metrics.frechet import frechet_distance
from keras_dcgan.metrics.inception_score import RunningInceptionScore
from keras_dcgan.metrics.kernel import kernel_distance
from keras_dcgan.metrics.precision_recall import precision_recall
from keras_dcgan.metrics.statistics import FeatureStatistics
from keras_dcgan.metrics.statistics import RunningStatistics
from keras_dcgan.metrics.statistics import check_same_extractor


@dataclasses.dataclass
class FeatureSummary:
    """What the metrics need to know about one set of images.

    Attributes:
        statistics: FeatureStatistics. Moments and a random sample of the
            features.
        spectrum: float64 array `(height, width)`. The images' mean power
            spectrum (for the checkerboard score).
        inception_score: `(mean, std)` or None when the extractor has no
            class probabilities.
        class_counts: int array `(num_classes,)` of predicted classes, or
            None.
    """

    statistics: FeatureStatistics
    spectrum: np.ndarray
    inception_score: tuple[float, float] | None = None
    class_counts: np.ndarray | None = None


def _images_of(batch) -> np.ndarray:
    """The images of a dataset element: an array or `(images, labels)`."""
    if isinstance(batch, (tuple, list)):
        batch = batch[0]
    return np.asarray(batch, dtype=np.float32)


def summarize(
    batches,
    extractor: FeatureExtractor,
    num_samples: int,
    max_sample: int = 10000,
    splits: int = 10,
    seed: int = 0,
) -> FeatureSummary:
    """Streams image batches through an extractor and summarizes them.

    Args:
        batches: iterable of image arrays `(batch, h, w, c)` in [-1, 1], or of
            `(images, labels)` tuples (a `tf.data.Dataset` works).
        extractor: FeatureExtractor.
        num_samples: int. Stop after this many images; warns when the
            batches run out first.
        max_sample: int. Feature vectors kept for KID and precision/recall.
            Defaults to 10000.
        splits: int. Inception Score splits. Defaults to 10.
        seed: int. Seed of the random feature subset. Defaults to 0.

    Returns:
        A `FeatureSummary`.
    """
    check_positive_int("num_samples", num_samples)
    running = RunningStatistics(extractor.identity, max_sample, seed)
    scores = (
        RunningInceptionScore(splits) if extractor.has_probabilities else None
    )
    class_counts = None
    spectrum_sum = None
    if hasattr(batches, "with_options"):  # a tf.data.Dataset
        from keras_dcgan.tfdata import without_autotuning

        # Or the pass waits for tf.data's autotuning thread at its end.
        batches = without_autotuning(batches)
    for batch in batches:
        images = _images_of(batch)[: num_samples - running.count]
        features, probabilities = extractor(images)
        running.update(features)
        spectrum = power_spectrum(images) * len(images)
        spectrum_sum = (
            spectrum if spectrum_sum is None else spectrum_sum + spectrum
        )
        if probabilities is not None:
            scores.update(probabilities)
            counts = np.bincount(
                probabilities.argmax(axis=1), minlength=probabilities.shape[1]
            )
            class_counts = (
                counts if class_counts is None else class_counts + counts
            )
        if running.count >= num_samples:
            break
    if running.count < num_samples:
        warnings.warn(
            f"Asked for {num_samples} images but the data ran out after "
            f"{running.count}; the metrics use {running.count}.",
            stacklevel=2,
        )
    return FeatureSummary(
        statistics=running.result(),
        spectrum=spectrum_sum / running.count,
        inception_score=scores.result() if scores is not None else None,
        class_counts=class_counts,
    )


def generated_batches(gan, num_samples: int, seed: int, batch_size: int = 64):
    """Yields `gan.generate(num_samples, seed=seed)` a batch at a time.

    The latents are the same as `generate`'s, so the images are too, but
    only one batch of images exists at a time.

    Args:
        gan: DCGAN.
        num_samples: int.
        seed: int. Seed of the latents.
        batch_size: int. Defaults to 64.

    Yields:
        float32 numpy arrays `(batch, h, w, c)`.
    """
    from keras_dcgan.sampling import sample_labels
    from keras_dcgan.sampling import sample_latents

    latents = sample_latents(num_samples, gan.latent_dim, seed)
    # A conditional model's classes, drawn from the seed as `generate` does.
    labels = None
    if getattr(gan, "num_classes", None) is not None:
        labels = sample_labels(num_samples, gan.num_classes, seed)
    generator = gan.sampling_generator
    for start in range(0, num_samples, batch_size):
        inputs = latents[start : start + batch_size]
        if labels is not None:
            inputs = [inputs, labels[start : start + batch_size]]
        images = generator(inputs, training=False)
        yield np.asarray(images, dtype=np.float32)


def reference_statistics(
    batches,
    extractor: FeatureExtractor,
    num_samples: int,
    cache_path: str | None = None,
    max_sample: int = 10000,
    seed: int = 0,
) -> FeatureStatistics:
    """Feature statistics of real data, computed once and cached.

    Args:
        batches: iterable of real image batches (see `summarize`); not read
            when the cache file exists.
        extractor: FeatureExtractor.
        num_samples: int. Real images to use.
        cache_path: str or None. A `.npz` file: read if it exists (its
            extractor must match), written otherwise. Defaults to None.
        max_sample: int. Feature vectors kept for KID and precision/recall.
            Defaults to 10000.
        seed: int. Seed of the random feature subset. Defaults to 0.

    Returns:
        A `FeatureStatistics` with a `sample`.
    """
    if cache_path and os.path.exists(cache_path):
        cached = FeatureStatistics.load(cache_path)
        if cached.extractor != extractor.identity:
            raise ValueError(
                f"Cached reference statistics {cache_path!r} were computed "
                f"with extractor {cached.extractor!r}, not "
                f"{extractor.identity!r}; delete the file or use another "
                "cache path."
            )
        return cached
    statistics = summarize(
        batches, extractor, num_samples, max_sample=max_sample, seed=seed
    ).statistics
    if cache_path:
        statistics.save(cache_path)
    return statistics


def compare(
    reference: FeatureStatistics,
    generated: FeatureSummary,
    stride: int = 2,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    k: int = 3,
) -> dict:
    """All metrics of generated images against reference statistics.

    Args:
        reference: FeatureStatistics of real data, with a `sample`.
        generated: FeatureSummary of generated images from the same
            extractor.
        stride: int. Upsampling stride for the checkerboard score. Defaults
            to 2.
        kid_subsets: int. Defaults to 100.
        kid_subset_size: int. Defaults to 1000.
        k: int. Neighbourhood size of precision/recall. Defaults to 3.

    Returns:
        A JSON-serialisable dict: `fid`, `kid`, `kid_std`, `precision`,
        `recall`, `checkerboard`, and with a classifier `inception_score`,
        `inception_score_std` and `mode_coverage`.
    """
    fake = generated.statistics
    check_same_extractor(reference, fake)
    if reference.sample is None or fake.sample is None:
        raise ValueError(
            "KID and precision/recall need feature samples: compute the "
            "statistics with max_sample > 0."
        )
    kid, kid_std = kernel_distance(
        reference.sample,
        fake.sample,
        num_subsets=kid_subsets,
        subset_size=kid_subset_size,
    )
    metrics = {
        "fid": frechet_distance(reference, fake),
        "kid": kid,
        "kid_std": kid_std,
        **precision_recall(reference.sample, fake.sample, k=k),
        "checkerboard": checkerboard_score_from_spectrum(
            generated.spectrum, stride
        ),
    }
    if generated.inception_score is not None:
        mean, std = generated.inception_score
        metrics["inception_score"] = mean
        metrics["inception_score_std"] = std
        metrics["mode_coverage"] = mode_coverage_from_counts(
            generated.class_counts
        )
    return metrics


def evaluate_gan(
    gan,
    reference: FeatureStatistics,
    extractor: FeatureExtractor,
    num_samples: int = 10000,
    seed: int = 0,
    batch_size: int = 64,
    max_sample: int = 10000,
    stride: int = 2,
) -> dict:
    """Metrics of a DCGAN's samples against reference statistics.

    Args:
        gan: DCGAN. Its `sampling_generator` (the EMA copy if any) is used.
        reference: FeatureStatistics of real data from `extractor`, with a
            `sample` (see `reference_statistics`).
        extractor: FeatureExtractor.
        num_samples: int. Generated images. Defaults to 10000.
        seed: int. Seed of the latents: the images are
            `gan.generate(num_samples, seed=seed)`. Defaults to 0.
        batch_size: int. Defaults to 64.
        max_sample: int. Feature vectors kept for KID and precision/recall.
            Defaults to 10000.
        stride: int. Upsampling stride for the checkerboard score. Defaults
            to 2.

    Returns:
        The dict of `compare`, plus `num_generated` and `num_real`.

    Example:
    >>> from keras_dcgan.training import load_extractor
    >>> extractor = load_extractor("classifier:digits.keras")  # doctest: +SKIP
    >>> stats = reference_statistics(real, extractor, 1000)  # doctest: +SKIP
    >>> evaluate_gan(gan, stats, extractor)["fid"]  # doctest: +SKIP
    """
    summary = summarize(
        generated_batches(gan, num_samples, seed, batch_size),
        extractor,
        num_samples,
        max_sample=max_sample,
        seed=seed,
    )
    metrics = compare(reference, summary, stride=stride)
    metrics["num_generated"] = summary.statistics.count
    metrics["num_real"] = reference.count
    return metrics
