"""Tests of the Inception-v3 extractor and its weights."""

import time

import keras
import numpy as np
import pytest

from keras_dcgan.metrics import inception_v3_extractor
from keras_dcgan.metrics.extractors import inception as features_lib
from keras_dcgan.training import load_extractor


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
