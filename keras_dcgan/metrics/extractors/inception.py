"""InceptionV3 features (2048-d pool) and ImageNet class probabilities, with
weights from the Keras cache, a download, or a local file."""

import hashlib
import os
import socket
import urllib.parse

import keras

from keras_dcgan import _adapters
from keras_dcgan.metrics.extractors.base import FeatureExtractor

INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
)
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"
INCEPTION_SIZE = 299


def _keras_cache_file(name: str) -> str:
    """Where `keras.utils.get_file(..., cache_subdir="models")` keeps `name`."""
    return os.path.join(_adapters.keras_home(), "models", name)


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
