"""Tests of the feature extractors."""

import time

import keras
import numpy as np
import pytest

from keras_dcgan.data.idx import read_idx
from keras_dcgan.data.sources import bundled_path
from keras_dcgan.metrics import DomainClassifier
from keras_dcgan.metrics import FeatureExtractor
from keras_dcgan.metrics import classifier_extractor
from keras_dcgan.metrics import inception_v3_extractor
from keras_dcgan.metrics import keras_extractor
from keras_dcgan.metrics import train_domain_classifier
from keras_dcgan.metrics.extractors import inception as features_lib
from keras_dcgan.training import load_extractor


def mnist(split, count):
    """Bundled MNIST digits: "train" from the start, "test" from the end."""
    images = read_idx(bundled_path("train10k-images-idx3-ubyte.gz"))
    labels = read_idx(bundled_path("train10k-labels-idx1-ubyte.gz"))
    rows = slice(0, count) if split == "train" else slice(-count, None)
    images = images[rows, :, :, None].astype("float32") / 127.5 - 1.0
    return images, labels[rows].astype("int64")


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


def test_missing_classifier_file_says_how_to_make_one():
    with pytest.raises(FileNotFoundError, match="train_domain_classifier"):
        load_extractor("classifier:/no/digits.keras")


def test_train_domain_classifier_rejects_bad_labels():
    images = np.zeros((4, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match=r"lie in \[0, 10\); received values"):
        train_domain_classifier(images, np.array([0, 1, 2, 10]))
    with pytest.raises(ValueError, match=r"must have shape \(4,\)"):
        train_domain_classifier(images, np.array([0, 1]))


def test_inception_without_weights_offline_explains_how_to_provide_them(
    tmp_path, monkeypatch
):
    cached = str(tmp_path / "models" / features_lib.INCEPTION_WEIGHTS_FILE)
    monkeypatch.setattr(features_lib, "_keras_cache_file", lambda name: cached)
    monkeypatch.setattr(features_lib, "_reachable", lambda url, timeout: False)
    with pytest.raises(FileNotFoundError, match="unreachable") as error:
        inception_v3_extractor()
    message = str(error.value)
    assert cached in message
    assert features_lib.INCEPTION_WEIGHTS_URL in message
    assert "--extractor=inception:/path/to/file.h5" in message


def test_inception_download_failure_is_explained(tmp_path, monkeypatch):
    cached = str(tmp_path / "models" / features_lib.INCEPTION_WEIGHTS_FILE)
    monkeypatch.setattr(features_lib, "_keras_cache_file", lambda name: cached)
    monkeypatch.setattr(features_lib, "_reachable", lambda url, timeout: True)

    def failing_get_file(*args, **kwargs):
        raise OSError("connection reset")

    monkeypatch.setattr(keras.utils, "get_file", failing_get_file)
    with pytest.raises(
        FileNotFoundError, match=r"download failed.*connection reset"
    ):
        inception_v3_extractor()


def test_inception_offline_for_real_fails_fast(tmp_path, monkeypatch):
    cached = str(tmp_path / "models" / features_lib.INCEPTION_WEIGHTS_FILE)
    monkeypatch.setattr(features_lib, "_keras_cache_file", lambda name: cached)
    if features_lib._reachable(features_lib.INCEPTION_WEIGHTS_URL, 2.0):
        pytest.skip("online: this would download 92 MB of weights")
    start = time.monotonic()
    with pytest.raises(FileNotFoundError, match="unreachable"):
        inception_v3_extractor(download_timeout=2.0)
    assert time.monotonic() - start < 10


def test_unreachable_host_fails_fast_instead_of_hanging():
    start = time.monotonic()
    # A reserved TEST-NET address: never routable, so only the timeout ends
    # the attempt (or the network says at once that there is no route).
    assert not features_lib._reachable("https://192.0.2.1/weights.h5", 1.0)
    assert time.monotonic() - start < 5


def test_inception_weights_file_that_does_not_exist():
    with pytest.raises(FileNotFoundError, match=r"such\.h5' does not exist"):
        inception_v3_extractor("/no/such.h5")


def test_unknown_extractor_spec():
    with pytest.raises(ValueError, match="Unknown extractor 'vgg'; expected"):
        load_extractor("vgg")


@pytest.mark.slow
def test_inception_from_a_local_weights_file(tmp_path):
    keras.utils.set_random_seed(0)
    network = keras.applications.InceptionV3(weights=None)
    path = str(tmp_path / "inception.weights.h5")
    network.save_weights(path)
    extractor = load_extractor(f"inception:{path}")
    assert extractor.identity.startswith("inception_v3:avg_pool:299:")
    images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1))
    features, probabilities = extractor(images.astype("float32"))
    assert features.shape == (2, 2048)
    assert probabilities.shape == (2, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
    # The features are the network's own pool output at 299x299 RGB.
    resized = keras.ops.image.resize(
        np.repeat(images, 3, axis=-1).astype("float32"), (299, 299)
    )
    pool = keras.Model(network.inputs, network.get_layer("avg_pool").output)
    np.testing.assert_allclose(
        features,
        keras.ops.convert_to_numpy(pool(resized, training=False)),
        atol=1e-4,
    )
