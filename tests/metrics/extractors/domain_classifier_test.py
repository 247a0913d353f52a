"""Tests of the domain classifier and its training."""

import keras
import numpy as np
import pytest

from keras_dcgan.data.idx import read_idx
from keras_dcgan.data.sources import bundled_path
from keras_dcgan.metrics import DomainClassifier
from keras_dcgan.metrics import classifier_extractor
from keras_dcgan.metrics import train_domain_classifier
from keras_dcgan.training import load_extractor


def mnist(split, count):
    """Bundled MNIST digits: "train" from the start, "test" from the end."""
    images = read_idx(bundled_path("train10k-images-idx3-ubyte.gz"))
    labels = read_idx(bundled_path("train10k-labels-idx1-ubyte.gz"))
    rows = slice(0, count) if split == "train" else slice(-count, None)
    images = images[rows, :, :, None].astype("float32") / 127.5 - 1.0
    return images, labels[rows].astype("int64")


def test_domain_classifier_config_round_trip_and_saving(tmp_path):
    classifier = DomainClassifier(
        image_size=16, channels=1, num_classes=4, filters=4, feature_dim=8
    )
    clone = DomainClassifier.from_config(classifier.get_config())
    assert clone.get_config() == classifier.get_config()
    path = str(tmp_path / "classifier.keras")
    classifier.save(path)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 1))
    extractor = classifier_extractor(path)
    features, probabilities = extractor(images.astype("float32"))
    assert features.shape == (3, 8)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(
        probabilities,
        keras.ops.convert_to_numpy(classifier(images, training=False)),
        atol=1e-6,
    )
    assert extractor.identity == classifier_extractor(classifier).identity
    assert extractor.identity.startswith("classifier:")


def test_domain_classifier_learns_mnist(tmp_path):
    train_images, train_labels = mnist("train", 3000)
    test_images, test_labels = mnist("test", 1000)
    path = str(tmp_path / "digits.keras")
    _, accuracy = train_domain_classifier(
        train_images,
        train_labels,
        epochs=3,
        batch_size=64,
        validation_data=(test_images, test_labels),
        path=path,
        filters=8,
        feature_dim=32,
    )
    assert accuracy > 0.85
    extractor = load_extractor(f"classifier:{path}")
    _, probabilities = extractor(test_images[:200])
    assert np.mean(probabilities.argmax(axis=1) == test_labels[:200]) > 0.85


def test_train_domain_classifier_rejects_bad_labels():
    images = np.zeros((4, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match=r"lie in \[0, 10\); received values"):
        train_domain_classifier(images, np.array([0, 1, 2, 10]))
    with pytest.raises(ValueError, match=r"must have shape \(4,\)"):
        train_domain_classifier(images, np.array([0, 1]))
