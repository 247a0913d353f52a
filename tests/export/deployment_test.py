"""Tests of the deployment side: the export CLI and the export/ scripts.

TF Serving itself cannot be installed here, so the gRPC client talks to an
in-process server implementing TF Serving's PredictionService over the
exported SavedModel, and the REST client to a small HTTP server answering in
TF Serving's documented JSON formats.
"""

import base64
import concurrent.futures
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_dcgan.export import export_saved_model
from keras_dcgan.export import export_tflite
from keras_dcgan.training.workdir import save_checkpoint
from tests.export_helpers import randomize
from tests.export_helpers import to_uint8

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LATENT_DIM = 8


def load_script(name):
    """Imports a script of the top-level export/ folder."""
    path = os.path.join(ROOT, "export", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"export_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gan(tiny_gan):
    model = tiny_gan(latent_dim=LATENT_DIM)
    randomize(model.generator, 3)
    return model


@pytest.fixture(scope="module")
def signatures(gan, tmp_path_factory):
    base = str(tmp_path_factory.mktemp("serving"))
    path = export_saved_model(gan.sampling_generator, base)
    return tf.saved_model.load(path).signatures


def run_signature(signatures, name, inputs):
    """What the server does: run a signature on numpy inputs."""
    outputs = signatures[name](
        **{key: tf.constant(value) for key, value in inputs.items()}
    )
    return {key: value.numpy() for key, value in outputs.items()}


@pytest.fixture(scope="module")
def grpc_server(signatures):
    grpc = pytest.importorskip(
        "grpc", reason="gRPC: pip install keras-dcgan[serving]"
    )
    services = pytest.importorskip(
        "tensorflow_serving.apis.prediction_service_pb2_grpc",
        reason="tensorflow-serving-api: pip install keras-dcgan[serving]",
    )
    from tensorflow_serving.apis import predict_pb2

    received = []

    class PredictionService(services.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802 (gRPC name)
            received.append(request)
            inputs = {
                key: tf.make_ndarray(proto)
                for key, proto in request.inputs.items()
            }
            outputs = run_signature(
                signatures, request.model_spec.signature_name, inputs
            )
            response = predict_pb2.PredictResponse()
            response.model_spec.CopyFrom(request.model_spec)
            for key, value in outputs.items():
                response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
            return response

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(2))
    services.add_PredictionServiceServicer_to_server(
        PredictionService(), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", received
    server.stop(None)


def test_grpc_client_seed_signatures(gan, grpc_server):
    client = load_script("grpc_client")
    address, received = grpc_server
    request = client.seed_request("dcgan", 5, 3, "generate_uint8")
    images = client.predict(address, request)["images"]
    sent = received[-1]
    assert sent.model_spec.name == "dcgan"
    assert sent.model_spec.signature_name == "generate_uint8"
    assert sent.inputs["seed"].dtype == tf.int64.as_datatype_enum
    assert sent.inputs["num_samples"].dtype == tf.int32.as_datatype_enum
    assert len(sent.inputs["seed"].tensor_shape.dim) == 0
    assert images.dtype == np.uint8
    diff = np.abs(images.astype(int) - to_uint8(gan.generate(3, seed=5)))
    assert diff.max() <= 1
    pngs = client.predict(address, client.seed_request("dcgan", 5, 3))
    decoded = [tf.io.decode_png(png).numpy() for png in pngs["png_bytes"]]
    np.testing.assert_array_equal(np.stack(decoded), images)


def test_grpc_client_latents(gan, grpc_server):
    client = load_script("grpc_client")
    address, _ = grpc_server
    latents = np.random.default_rng(0).normal(size=(2, LATENT_DIM))
    images = client.predict(address, client.latents_request("dcgan", latents))
    expected = gan.sampling_generator(latents.astype("float32"))
    np.testing.assert_allclose(images["images"], expected, atol=1e-5)


INPUT_DTYPES = {
    "latents": np.float32,
    "seed": np.int64,
    "num_samples": np.int32,
}


def _json_value(value, name):
    """TF Serving's JSON encoding of one output tensor."""
    if name.endswith("_bytes"):
        return [{"b64": base64.b64encode(item).decode()} for item in value]
    return value.tolist()


@pytest.fixture(scope="module")
def rest_server(signatures):
    """Answers :predict in TF Serving's row and columnar JSON formats."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(
                self.rfile.read(int(self.headers["Content-Length"]))
            )
            requests.append((self.path, body))
            name = body.get("signature_name", "serving_default")
            if "instances" in body:
                inputs = {"latents": body["instances"]}
            else:
                inputs = body["inputs"]
            inputs = {
                key: np.array(value, INPUT_DTYPES[key])
                for key, value in inputs.items()
            }
            ((key, value),) = run_signature(signatures, name, inputs).items()
            key_out = "predictions" if "instances" in body else "outputs"
            reply = json.dumps({key_out: _json_value(value, key)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()


def test_rest_request_bodies_follow_the_documented_formats():
    client = load_script("rest_client")
    assert client.seed_body(3, 4) == {
        "signature_name": "generate_png",
        "inputs": {"seed": 3, "num_samples": 4},
    }
    latents = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    assert client.latents_body(latents) == {
        "signature_name": "serving_default",
        "instances": [[0.5, -1.0], [2.0, 0.0]],
    }
    assert client.latents_body(latents, columnar=True) == {
        "signature_name": "serving_default",
        "inputs": {"latents": [[0.5, -1.0], [2.0, 0.0]]},
    }
    with pytest.raises(RuntimeError, match="TF Serving error: bad seed"):
        client.read_response({"error": "bad seed"})
    with pytest.raises(ValueError, match=r"received keys \['result'\]"):
        client.read_response({"result": 1})


def test_rest_client_round_trip(gan, rest_server):
    client = load_script("rest_client")
    url, requests = rest_server
    pngs = client.predict(url, "dcgan", client.seed_body(9, 2), version=1)
    assert requests[-1][0] == "/v1/models/dcgan/versions/1:predict"
    images = np.stack([tf.io.decode_png(png).numpy() for png in pngs])
    diff = np.abs(images.astype(int) - to_uint8(gan.generate(2, seed=9)))
    assert diff.max() <= 1
    latents = np.random.default_rng(1).normal(size=(3, LATENT_DIM))
    expected = gan.sampling_generator(latents.astype("float32")).numpy()
    for columnar in (False, True):
        body = client.latents_body(latents, columnar=columnar)
        images = np.array(client.predict(url, "dcgan", body))
        assert requests[-1][0] == "/v1/models/dcgan:predict"
        np.testing.assert_allclose(images, expected, atol=1e-5)


def test_litert_sampling_script(gan, tmp_path):
    script = load_script("sample_litert")
    generator = gan.sampling_generator
    for batch_size, uint8 in [(None, False), (4, True)]:
        model = str(tmp_path / f"g{batch_size}.tflite")
        export_tflite(
            generator, model, batch_size=batch_size, output_uint8=uint8
        )
        images = script.sample(model, num_samples=6, seed=2)
        latents = np.random.default_rng(2).standard_normal(
            (8 if batch_size else 6, LATENT_DIM), np.float32
        )[:6]
        expected = to_uint8(generator(latents, training=False).numpy())
        assert images.shape == (6, 16, 16, 1)
        assert np.abs(images.astype(int) - expected).max() <= 1
    out = str(tmp_path / "grid.png")
    script.main(["--model", model, "--num_samples", "6", "--out", out])
    assert np.array(Image.open(out)).shape == (32, 48)


def test_cli_exports_a_workdir(gan, tmp_path, cli):
    gan.compile()
    workdir = str(tmp_path / "run")
    save_checkpoint(gan, workdir, 10, {"step": 10, "epoch": 1})
    serving = str(tmp_path / "serving")
    tflite = str(tmp_path / "g.tflite")
    result = cli(
        "export",
        f"--workdir={workdir}",
        f"--saved_model_dir={serving}",
        "--model_name=mnist",
        "--version=4",
        f"--tflite={tflite}",
        "--quantization=float16",
        "--tflite_batch=2",
    )
    assert result.returncode == 0, result.stderr
    assert f"SavedModel: {serving}/mnist/4" in result.stdout
    latents = np.random.default_rng(4).normal(size=(2, LATENT_DIM))
    latents = latents.astype("float32")
    expected = gan.sampling_generator(latents, training=False).numpy()
    served = tf.saved_model.load(os.path.join(serving, "mnist", "4"))
    images = served.signatures["serving_default"](latents=latents)["images"]
    np.testing.assert_allclose(images, expected, atol=1e-5)
    from keras_dcgan.export import TFLiteGenerator

    runner = TFLiteGenerator(tflite)
    assert runner.batch_size == 2
    assert np.abs(runner(latents) - expected).max() < 1e-2


# Runs the CLI's main() twice in one fresh interpreter (a TensorFlow import
# per case would double the cost); absl flags are process-global, hence not
# in the test process itself.
_CLI_ERRORS = """
import sys
from absl import app
from keras_dcgan.cli import export
for argv in sys.argv[1:]:
    export.FLAGS.unparse_flags()
    argv = export.FLAGS(["export", *argv.split()])
    try:
        export.main(argv)
    except (app.UsageError, FileNotFoundError) as error:
        print(type(error).__name__, error)
"""


def test_cli_needs_an_output_and_a_checkpoint(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CLI_ERRORS,
            f"--workdir={tmp_path}",
            f"--workdir={tmp_path} --tflite={tmp_path}/g.tflite",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "UsageError Nothing to export: pass --saved_model_dir, --tflite "
        "and/or --web."
    )
    assert lines[1].startswith(
        f"FileNotFoundError No checkpoint in workdir '{tmp_path}'"
    )
