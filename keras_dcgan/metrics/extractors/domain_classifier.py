"""A small CNN digit/domain classifier, its training, and its extractor:
penultimate features and softmax classes for 28x28 grayscale data such as
MNIST, where Inception features mean little."""

import os

import keras
import numpy as np

from keras_dcgan.checks import check_positive_int
from keras_dcgan.metrics.extractors.base import FeatureExtractor
from keras_dcgan.metrics.extractors.keras_model import keras_extractor
from keras_dcgan.models.base import Network


@keras.saving.register_keras_serializable(package="keras_dcgan")
class DomainClassifier(Network):
    """A small CNN classifier whose features suit small images like MNIST.

    Two stride-2 convolution stages, a dense feature layer (`"features"`)
    and a softmax over the classes (`"probabilities"`). Input images are in
    [-1, 1], like the generator's output.

    Args:
        image_size: int. Height and width of the square images. Defaults to
            28.
        channels: int. Image channels. Defaults to 1.
        num_classes: int. Number of classes. Defaults to 10.
        filters: int. Channels of the first convolution; the second has
            twice as many. Defaults to 32.
        feature_dim: int. Size of the feature vector. Defaults to 128.
        **kwargs: Standard `keras.Model` arguments such as `name`.

    Example:
    >>> classifier = DomainClassifier(num_classes=10)
    >>> tuple(classifier(np.zeros((2, 28, 28, 1), "float32")).shape)
    (2, 10)
    """

    def __init__(
        self,
        image_size=28,
        channels=1,
        num_classes=10,
        filters=32,
        feature_dim=128,
        **kwargs,
    ):
        for name, value in (
            ("image_size", image_size),
            ("channels", channels),
            ("num_classes", num_classes),
            ("filters", filters),
            ("feature_dim", feature_dim),
        ):
            check_positive_int(name, value)
        with self.dtype_scope(kwargs):
            inputs = keras.Input(
                (image_size, image_size, channels), name="images"
            )
            x = inputs
            for stage, stage_filters in enumerate((filters, 2 * filters)):
                x = keras.layers.Conv2D(
                    stage_filters,
                    3,
                    strides=2,
                    padding="same",
                    activation="relu",
                    name=f"conv{stage}",
                )(x)
            x = keras.layers.Flatten(name="flatten")(x)
            x = keras.layers.Dropout(0.3, name="dropout")(x)
            features = keras.layers.Dense(
                feature_dim, activation="relu", name="features"
            )(x)
            outputs = keras.layers.Dense(
                num_classes,
                activation="softmax",
                name="probabilities",
                dtype="float32",
            )(features)
        super().__init__(
            inputs,
            outputs,
            config={
                "image_size": image_size,
                "channels": channels,
                "num_classes": num_classes,
                "filters": filters,
                "feature_dim": feature_dim,
            },
            **kwargs,
        )


def train_domain_classifier(
    images,
    labels,
    num_classes: int = 10,
    epochs: int = 3,
    batch_size: int = 128,
    validation_data=None,
    seed: int = 0,
    path: str | None = None,
    **classifier_kwargs,
):
    """Trains a `DomainClassifier` on labelled images.

    Args:
        images: array `(num_samples, size, size, channels)` in [-1, 1].
        labels: int array `(num_samples,)` with values in
            `[0, num_classes)`.
        num_classes: int. Defaults to 10.
        epochs: int. Defaults to 3.
        batch_size: int. Defaults to 128.
        validation_data: `(images, labels)` or None. When given, the result
            reports the accuracy on it. Defaults to None.
        seed: int. Seed of the weights and the shuffling. Defaults to 0.
        path: str or None. When given, saves the trained model there
            (`.keras`). Defaults to None.
        **classifier_kwargs: Other `DomainClassifier` arguments
            (`filters`, `feature_dim`).

    Returns:
        `(classifier, accuracy)`: the trained `DomainClassifier` and its
        accuracy on `validation_data` (or on the training data).

    Example:
    >>> images = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    >>> labels = np.arange(64) % 10
    >>> classifier, accuracy = train_domain_classifier(images, labels,
    ...                                                epochs=1)
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(
            "`images` must be square NHWC images of rank 4; received shape "
            f"{images.shape}."
        )
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"`labels` must have shape ({images.shape[0]},); received "
            f"{labels.shape}."
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` must lie in [0, {num_classes}); received values from "
            f"{labels.min()} to {labels.max()}."
        )
    keras.utils.set_random_seed(seed)
    classifier = DomainClassifier(
        image_size=images.shape[1],
        channels=images.shape[3],
        num_classes=num_classes,
        **classifier_kwargs,
    )
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    classifier.fit(
        images, labels, batch_size=batch_size, epochs=epochs, verbose=0
    )
    test_images, test_labels = validation_data or (images, labels)
    _, accuracy = classifier.evaluate(
        np.asarray(test_images, np.float32),
        np.asarray(test_labels),
        verbose=0,
    )
    if path:
        classifier.save(path)
    return classifier, float(accuracy)


def classifier_extractor(classifier, batch_size: int = 256) -> FeatureExtractor:
    """Features and class probabilities of a `DomainClassifier`.

    Args:
        classifier: DomainClassifier or str. The model, or the path of one
            saved with `.save()`.
        batch_size: int. Images per forward pass. Defaults to 256.

    Returns:
        A `FeatureExtractor` with probabilities.

    Example:
    >>> extractor = classifier_extractor(DomainClassifier())
    >>> features, probabilities = extractor(np.zeros((2, 28, 28, 1)))
    >>> features.shape, probabilities.shape
    ((2, 128), (2, 10))
    """
    if isinstance(classifier, str):
        if not os.path.isfile(classifier):
            raise FileNotFoundError(
                f"Domain classifier {classifier!r} does not exist. Train and "
                "save one first: `keras_dcgan.metrics.train_domain_classifier("
                f"images, labels, path={classifier!r})` (see "
                "docs/evaluation.md)."
            )
        classifier = keras.models.load_model(classifier)
    if not isinstance(classifier, DomainClassifier):
        raise ValueError(
            "Expected a DomainClassifier or the path of a saved one; "
            f"received a {type(classifier).__name__}. Use keras_extractor() "
            "for other models."
        )
    extractor = keras_extractor(
        classifier,
        layer="features",
        probabilities_layer="probabilities",
        batch_size=batch_size,
    )
    extractor.identity = "classifier" + extractor.identity[len("keras") :]
    return extractor
