"""Sample-quality metrics: FID, KID, Inception Score, precision/recall.

The distances are plain functions on feature arrays; `evaluate_gan` and
`EvaluationCallback` stream a generator's samples and a dataset through a
feature extractor and compute all of them. See docs/evaluation.md.
"""

from keras_dcgan.metrics.artifacts import checkerboard_score
from keras_dcgan.metrics.artifacts import checkerboard_score_from_spectrum
from keras_dcgan.metrics.artifacts import power_spectrum
from keras_dcgan.metrics.callback import EvaluationCallback
from keras_dcgan.metrics.coverage import mode_coverage
from keras_dcgan.metrics.evaluate import FeatureSummary
from keras_dcgan.metrics.evaluate import compare
from keras_dcgan.metrics.evaluate import evaluate_gan
from keras_dcgan.metrics.evaluate import generated_batches
from keras_dcgan.metrics.evaluate import reference_statistics
from keras_dcgan.metrics.evaluate import summarize
from keras_dcgan.metrics.extractors import DomainClassifier
from keras_dcgan.metrics.extractors import FeatureExtractor
from keras_dcgan.metrics.extractors import classifier_extractor
from keras_dcgan.metrics.extractors import inception_v3_extractor
from keras_dcgan.metrics.extractors import keras_extractor
from keras_dcgan.metrics.extractors import train_domain_classifier
from keras_dcgan.metrics.frechet import RankDeficientCovarianceWarning
from keras_dcgan.metrics.frechet import frechet_distance
from keras_dcgan.metrics.frechet import frechet_distance_from_moments
from keras_dcgan.metrics.inception_score import RunningInceptionScore
from keras_dcgan.metrics.inception_score import inception_score
from keras_dcgan.metrics.kernel import kernel_distance
from keras_dcgan.metrics.precision_recall import precision_recall
from keras_dcgan.metrics.statistics import FeatureStatistics
from keras_dcgan.metrics.statistics import RunningStatistics
from keras_dcgan.metrics.statistics import compute_statistics

__all__ = [
    "DomainClassifier",
    "EvaluationCallback",
    "FeatureExtractor",
    "FeatureStatistics",
    "FeatureSummary",
    "RankDeficientCovarianceWarning",
    "RunningInceptionScore",
    "RunningStatistics",
    "checkerboard_score",
    "checkerboard_score_from_spectrum",
    "classifier_extractor",
    "compare",
    "compute_statistics",
    "evaluate_gan",
    "frechet_distance",
    "frechet_distance_from_moments",
    "generated_batches",
    "inception_score",
    "inception_v3_extractor",
    "keras_extractor",
    "kernel_distance",
    "mode_coverage",
    "power_spectrum",
    "precision_recall",
    "reference_statistics",
    "summarize",
    "train_domain_classifier",
]
