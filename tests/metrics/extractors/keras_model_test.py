"""Tests of FeatureExtractor and keras_extractor (any Keras model)."""

import keras
import numpy as np
import pytest

from keras_dcgan.metrics import FeatureExtractor
from keras_dcgan.metrics import keras_extractor


def _pooling_model(size=8, channels=3):
    inputs = keras.Input((size, size, channels))
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(inputs)
    dense = keras.layers.Dense(2, name="dense")(pooled)
    return keras.Model(inputs, dense, name="tiny")


def test_extractor_resizes_and_repeats_grayscale_to_rgb():
    extractor = keras_extractor(_pooling_model(), layer="pool", batch_size=3)
    images = np.random.default_rng(0).uniform(-1, 1, (5, 4, 4, 1))
    features, probabilities = extractor(images.astype("float32"))
    assert probabilities is None
    assert features.shape == (5, 3)
    # Bilinear resizing keeps the mean; the gray channel repeats to RGB.
    np.testing.assert_allclose(
        features, np.repeat(images.mean(axis=(1, 2)), 3, axis=1), atol=1e-5
    )


def test_extractor_rejects_other_channel_counts_and_unflat_features():
    extractor = keras_extractor(_pooling_model(channels=1), layer="pool")
    with pytest.raises(ValueError, match="takes 1-channel images; received 3"):
        extractor(np.zeros((2, 8, 8, 3), "float32"))
    unflat = FeatureExtractor(keras.layers.Identity(), identity="identity")
    with pytest.raises(ValueError, match="expected \\(batch, dim\\)"):
        unflat(np.zeros((2, 8, 8, 1), "float32"))


def test_identity_fingerprints_the_weights():
    model = _pooling_model()
    before = keras_extractor(model).identity
    assert before == keras_extractor(model).identity
    model.get_layer("dense").kernel.assign(np.ones((3, 2)))
    assert keras_extractor(model).identity != before
    assert keras_extractor(model, layer="pool").identity != before


def test_extractor_from_a_plain_layer():
    layer = keras.layers.GlobalMaxPooling2D()
    extractor = keras_extractor(layer)
    features, _ = extractor(np.arange(8.0).reshape(2, 2, 2, 1))
    np.testing.assert_allclose(features, [[3.0], [7.0]])
    with pytest.raises(ValueError, match=r"need a functional keras\.Model"):
        keras_extractor(layer, layer="pool")
