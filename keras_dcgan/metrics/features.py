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
- `load_extractor`: an extractor from a short text spec (for the CLI).

Every extractor has an `identity` string that includes a fingerprint of its
weights; cached statistics record it so that statistics from different
extractors are never compared.
"""

import hashlib
import os
import socket
import urllib.parse

import keras
import numpy as np

from keras_dcgan.blocks import check_positive_int

INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
)
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"
INCEPTION_SIZE = 299


def weights_fingerprint(model) -> str:
    """A short hash of a model's (or layer's) weight values.

    Args:
        model: keras.Layer. A built model or layer.

    Returns:
        16 hex digits; equal weights give equal fingerprints.
    """
    digest = hashlib.sha256()
    for weight in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
        digest.update(str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()[:16]


class FeatureExtractor:
    """Maps images in [-1, 1] to features and, optionally, class probabilities.

    Images are NHWC floats in [-1, 1], the generator's output range. They are
    resized (bilinear) to the network's input size, and grayscale images are
    repeated to 3 channels when the network takes RGB.

    Args:
        model: keras.Model or keras.Layer. Maps a batch of images to
            features `(batch, dim)`, or to a list `[features, probabilities]`
            when `has_probabilities` is True.
        identity: str. Names the extractor and its weights; statistics from
            extractors with different identities are never compared.
        image_size: int or None. Input height and width of `model`; None
            takes images as they come. Defaults to None.
        channels: int or None. Input channels of `model`; None takes images
            as they come. Defaults to None.
        has_probabilities: bool. Whether `model` also returns class
            probabilities. Defaults to False.
        batch_size: int. Images per forward pass. Defaults to 64.

    Example:
    >>> model = keras.Sequential([keras.layers.GlobalAveragePooling2D()])
    >>> extractor = FeatureExtractor(model, identity="mean-pixel")
    >>> features, probabilities = extractor(np.zeros((3, 8, 8, 1), "float32"))
    >>> features.shape, probabilities
    ((3, 1), None)
    """

    def __init__(
        self,
        model,
        identity: str,
        image_size: int | None = None,
        channels: int | None = None,
        has_probabilities: bool = False,
        batch_size: int = 64,
    ):
        check_positive_int("batch_size", batch_size)
        self.model = model
        self.identity = identity
        self.image_size = image_size
        self.channels = channels
        self.has_probabilities = has_probabilities
        self.batch_size = batch_size

    def _prepare(self, images):
        images = keras.ops.convert_to_tensor(images, dtype="float32")
        if len(images.shape) != 4:
            raise ValueError(
                "Expected NHWC images of rank 4; received shape "
                f"{tuple(images.shape)}."
            )
        channels = images.shape[-1]
        if self.channels is not None and channels != self.channels:
            if channels == 1 and self.channels == 3:
                images = keras.ops.repeat(images, 3, axis=-1)
            else:
                raise ValueError(
                    f"Extractor {self.identity!r} takes {self.channels}-"
                    f"channel images; received {channels} channels."
                )
        if self.image_size is not None and tuple(images.shape[1:3]) != (
            self.image_size,
            self.image_size,
        ):
            images = keras.ops.image.resize(
                images, (self.image_size, self.image_size), "bilinear"
            )
        return images

    def __call__(self, images):
        """Features (and probabilities) of a batch of images.

        Args:
            images: array `(batch, height, width, channels)` in [-1, 1].

        Returns:
            `(features, probabilities)`: float32 numpy arrays `(batch, dim)`
            and `(batch, num_classes)`, or `(features, None)`.
        """
        features, probabilities = [], []
        for start in range(0, len(images), self.batch_size):
            batch = self._prepare(images[start : start + self.batch_size])
            outputs = self.model(batch, training=False)
            if self.has_probabilities:
                outputs, probs = outputs
                probabilities.append(keras.ops.convert_to_numpy(probs))
            features.append(keras.ops.convert_to_numpy(outputs))
        features = np.concatenate(features).astype(np.float32)
        if features.ndim != 2:
            raise ValueError(
                f"Extractor {self.identity!r} returned features of shape "
                f"{features.shape}; expected (batch, dim). Pick a layer with "
                "a flat output, such as a global pooling layer."
            )
        if not self.has_probabilities:
            return features, None
        return features, np.concatenate(probabilities).astype(np.float32)


def keras_extractor(
    model,
    layer: str | None = None,
    probabilities_layer: str | None = None,
    batch_size: int = 64,
) -> FeatureExtractor:
    """Uses any Keras model or layer as a feature extractor.

    Args:
        model: keras.Model or keras.Layer. Called on images in [-1, 1]; do any
            other preprocessing inside it.
        layer: str or None. Name of the functional model's layer whose output
            are the features; None uses the model's output. Defaults to None.
        probabilities_layer: str or None. Name of a layer that outputs class
            probabilities (for the Inception Score and mode coverage); None
            for none. Defaults to None.
        batch_size: int. Images per forward pass. Defaults to 64.

    Returns:
        A `FeatureExtractor` whose identity names the model, the layers and
        a fingerprint of the weights.

    Example:
    >>> inputs = keras.Input((8, 8, 1))
    >>> pooled = keras.layers.GlobalAveragePooling2D(name="pool")(inputs)
    >>> extractor = keras_extractor(keras.Model(inputs, pooled), layer="pool")
    >>> extractor(np.ones((2, 8, 8, 1)))[0].shape
    (2, 1)
    """
    if (layer or probabilities_layer) and not isinstance(model, keras.Model):
        raise ValueError(
            "`layer` and `probabilities_layer` need a functional keras.Model; "
            f"received a {type(model).__name__}."
        )
    image_size = channels = None
    if isinstance(model, keras.Model) and model.inputs:
        shape = tuple(model.inputs[0].shape)
        image_size = shape[1] if shape[1] == shape[2] else None
        channels = shape[3]
    if layer or probabilities_layer:
        outputs = model.get_layer(layer).output if layer else model.outputs[0]
        if probabilities_layer:
            outputs = [outputs, model.get_layer(probabilities_layer).output]
        network = keras.Model(model.inputs, outputs)
    else:
        network = model
    if not network.built:
        raise ValueError(
            f"Model {model.name!r} is not built: call it on a batch of "
            "images first, so its weights can be fingerprinted."
        )
    identity = (
        f"keras:{model.name}:{layer or 'output'}:"
        f"{probabilities_layer or '-'}:{weights_fingerprint(network)}"
    )
    return FeatureExtractor(
        network,
        identity=identity,
        image_size=image_size,
        channels=channels,
        has_probabilities=probabilities_layer is not None,
        batch_size=batch_size,
    )


def _keras_cache_file(name: str) -> str:
    """Where `keras.utils.get_file(..., cache_subdir="models")` keeps `name`."""
    from keras.src.backend.config import keras_home

    return os.path.join(keras_home(), "models", name)


def _reachable(url: str, timeout: float) -> bool:
    """Whether a TCP connection to `url`'s host opens within `timeout`."""
    parsed = urllib.parse.urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname, parsed.port or 443), timeout=timeout
        ):
            return True
    except OSError:
        return False


def _missing_weights_error(cached: str, reason: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"InceptionV3 ImageNet weights are not available: {reason}. They are "
        f"not in the Keras cache ({cached}). Either download "
        f"{INCEPTION_WEIGHTS_URL} on a machine with internet access and copy "
        f"it to {cached}, or pass its path: "
        "`inception_v3_extractor(weights='/path/to/"
        f"{INCEPTION_WEIGHTS_FILE}')` (command line: "
        "`--extractor=inception:/path/to/file.h5`)."
    )


def _inception_weights_path(timeout: float) -> str:
    """The cached ImageNet weights file, downloading it if it can."""
    cached = _keras_cache_file(INCEPTION_WEIGHTS_FILE)
    if os.path.exists(cached):
        return cached
    # A download with no route can block for minutes; probe first.
    if not _reachable(INCEPTION_WEIGHTS_URL, timeout):
        raise _missing_weights_error(
            cached, f"{INCEPTION_WEIGHTS_URL} is unreachable (offline?)"
        )
    try:
        return keras.utils.get_file(
            INCEPTION_WEIGHTS_FILE,
            INCEPTION_WEIGHTS_URL,
            cache_subdir="models",
            file_hash=INCEPTION_WEIGHTS_MD5,
        )
    except Exception as error:
        raise _missing_weights_error(
            cached, f"the download failed ({error})"
        ) from error


def inception_v3_extractor(
    weights: str = "imagenet",
    batch_size: int = 32,
    download_timeout: float = 5.0,
) -> FeatureExtractor:
    """InceptionV3 pool features (2048-d) and ImageNet class probabilities.

    The standard extractor of FID, KID and the Inception Score. Images are
    resized to 299x299 and grayscale repeated to RGB. The weights are the
    Keras ImageNet weights, so numbers are close to but not identical with
    those of the original TF-graph Inception used in published FIDs; compare
    runs measured with the same extractor.

    Args:
        weights: str. `"imagenet"` uses the Keras cache
            (`~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels.h5`)
            or downloads it; any other value is the path of a weights file
            for `keras.applications.InceptionV3(include_top=True)` (`.h5` or
            `.weights.h5`). Defaults to `"imagenet"`.
        batch_size: int. Images per forward pass. Defaults to 32.
        download_timeout: float. Seconds to wait for the download server
            before failing with instructions. Defaults to 5.

    Returns:
        A `FeatureExtractor` with probabilities.

    Example:
    >>> extractor = inception_v3_extractor()  # doctest: +SKIP
    >>> features, probabilities = extractor(images)  # doctest: +SKIP
    """
    if weights == "imagenet":
        path = _inception_weights_path(download_timeout)
    elif not os.path.isfile(weights):
        raise FileNotFoundError(
            f"InceptionV3 weights file {weights!r} does not exist; expected "
            "'imagenet' or the path of an InceptionV3 weights file."
        )
    else:
        path = weights
    network = keras.applications.InceptionV3(
        include_top=True, weights=None, input_shape=(299, 299, 3)
    )
    network.load_weights(path)
    model = keras.Model(
        network.inputs,
        [network.get_layer("avg_pool").output, network.output],
        name="inception_v3_features",
    )
    with open(path, "rb") as f:
        file_hash = hashlib.file_digest(f, "sha256").hexdigest()[:16]
    return FeatureExtractor(
        model,
        identity=f"inception_v3:avg_pool:{INCEPTION_SIZE}:{file_hash}",
        image_size=INCEPTION_SIZE,
        channels=3,
        has_probabilities=True,
        batch_size=batch_size,
    )


@keras.saving.register_keras_serializable(package="keras_dcgan")
class DomainClassifier(keras.Model):
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
        inputs = keras.Input((image_size, image_size, channels), name="images")
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
            num_classes, activation="softmax", name="probabilities"
        )(features)
        super().__init__(inputs, outputs, **kwargs)
        self.image_size = image_size
        self.channels = channels
        self.num_classes = num_classes
        self.filters = filters
        self.feature_dim = feature_dim

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "channels": self.channels,
            "num_classes": self.num_classes,
            "filters": self.filters,
            "feature_dim": self.feature_dim,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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


EXTRACTOR_SPECS = (
    "inception",
    "inception:PATH",
    "classifier:PATH",
    "keras:PATH",
    "keras:PATH:LAYER",
)


def load_extractor(spec: str) -> FeatureExtractor:
    """An extractor from a text spec, as the command line takes it.

    Args:
        spec: str. `"inception"` (ImageNet weights from the Keras cache or a
            download), `"inception:PATH"` (InceptionV3 weights file),
            `"classifier:PATH"` (a saved `DomainClassifier`),
            `"keras:PATH"` or `"keras:PATH:LAYER"` (a saved Keras model,
            optionally one of its layers).

    Returns:
        A `FeatureExtractor`.

    Example:
    >>> extractor = load_extractor("classifier:digits.keras")  # doctest: +SKIP
    """
    kind, _, rest = spec.partition(":")
    if kind == "inception":
        return inception_v3_extractor(rest or "imagenet")
    if kind == "classifier" and rest:
        return classifier_extractor(rest)
    if kind == "keras" and rest:
        path, _, layer = rest.partition(":")
        return keras_extractor(keras.models.load_model(path), layer or None)
    raise ValueError(
        f"Unknown extractor {spec!r}; expected one of {list(EXTRACTOR_SPECS)}."
    )
