"""The extractor interface: images in [-1, 1] to features and, optionally,
class probabilities, with an identity that fingerprints the weights."""

import hashlib

import keras
import numpy as np

from keras_dcgan.checks import check_positive_int


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
