"""Feature extractors: the networks whose features the metrics compare.

- `inception_v3_extractor`: InceptionV3's 2048-d pool features at 299x299
  (FID, KID, precision/recall) and its 1000-class softmax (Inception Score),
  with ImageNet weights from the Keras cache, a download, or a local file.
- `keras_extractor`: any Keras model or layer (features), optionally with
  class probabilities from another of its layers.
- `DomainClassifier` and `train_domain_classifier`: a small CNN for 28x28
  grayscale data such as MNIST, where Inception features mean little; its
  penultimate layer gives features and its softmax gives the predicted
  classes for the Inception Score and mode coverage.

Every extractor has an `identity` string that includes a fingerprint of its
weights; cached statistics record it so that statistics from different
extractors are never compared.
"""

from keras_dcgan.metrics.extractors.base import FeatureExtractor
from keras_dcgan.metrics.extractors.base import weights_fingerprint
from keras_dcgan.metrics.extractors.domain_classifier import DomainClassifier
from keras_dcgan.metrics.extractors.domain_classifier import (
    classifier_extractor,
)
from keras_dcgan.metrics.extractors.domain_classifier import (
    train_domain_classifier,
)
from keras_dcgan.metrics.extractors.inception import inception_v3_extractor
from keras_dcgan.metrics.extractors.keras_model import keras_extractor

__all__ = [
    "DomainClassifier",
    "FeatureExtractor",
    "classifier_extractor",
    "inception_v3_extractor",
    "keras_extractor",
    "train_domain_classifier",
    "weights_fingerprint",
]
