"""Clear errors naming the bad value instead of tracebacks (issue examples)."""

import http.server
import json
import threading

import keras
import numpy as np
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import data
from keras_dcgan.metrics import kernel_distance
from keras_dcgan.training import workdir
from keras_dcgan.training.evaluate import evaluate_workdir
from keras_dcgan.training.evaluate import load_extractor


def _load_rest_client():
    import importlib.util
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "export", "rest_client.py")
    spec = importlib.util.spec_from_file_location("export_rest_client", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tiny_gan():
    gan = DCGAN.from_preset(
        "mnist",
        image_size=16,
        latent_dim=8,
        generator_filters=4,
        discriminator_filters=4,
    )
    gan.compile()
    return gan


def test_rest_client_shows_the_servers_error_text():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"error": "num_samples must be at most 1024"})
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = _load_rest_client()
    try:
        with pytest.raises(
            RuntimeError,
            match=r"HTTP 400 \(Bad Request\) .*: num_samples must be at most",
        ):
            client.predict(
                f"http://127.0.0.1:{server.server_port}",
                "dcgan",
                client.seed_body(0, 5000),
            )
    finally:
        server.shutdown()


def test_kid_spread_is_meaningful_when_subsets_exceed_the_samples():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 16)), rng.normal(0.3, size=(500, 16))
    kid, kid_std = kernel_distance(a, b, num_subsets=20, subset_size=1000)
    # Subsets of the whole set were all identical: std ~ 1e-15.
    assert kid_std > 0.05 * kid > 0
    with pytest.raises(ValueError, match="at least 4 samples"):
        kernel_distance(a[:3], b[:3])


def test_a_npy_that_is_not_numpy_names_the_file(tmp_path):
    path = tmp_path / "images.npy"
    path.write_bytes(b"\x89PNG\r\n\x1a\n not numpy")
    with pytest.raises(ValueError, match=r"images\.npy' is not an \.npy"):
        data.describe(str(path))
    np.save(path, np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"images\.npy' holds Python objects"):
        data.describe(str(path))


def test_a_dcgan_checkpoint_is_not_a_feature_extractor(tmp_path):
    path = workdir.save_checkpoint(_tiny_gan(), str(tmp_path), 1, {"step": 1})
    with pytest.raises(ValueError, match="holds a DCGAN, not a feature ext"):
        load_extractor(f"keras:{path}")


def test_evaluate_refuses_data_of_another_shape(tmp_path):
    run = str(tmp_path / "run")
    workdir.save_checkpoint(_tiny_gan(), run, 1, {"step": 1})
    classifier = tmp_path / "c.keras"
    inputs = keras.Input((16, 16, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    keras.Model(inputs, pooled).save(classifier)
    images = np.zeros((8, 32, 32, 3), np.uint8)
    np.save(tmp_path / "colour.npy", images)
    with pytest.raises(
        ValueError,
        match=r"16x16x1 images but .* 32x32x3 ones; scoring would convert "
        r"the real images \(3 -> 1 channels, 32x32 -> 16x16 pixels\)",
    ):
        evaluate_workdir(
            run,
            str(tmp_path / "colour.npy"),
            num_samples=8,
            extractor=f"keras:{classifier}",
        )
