"""Exporting a class-conditional generator: SavedModel, TFLite take labels."""

import importlib.util
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.export import TFLiteGenerator
from keras_dcgan.export import check_generator
from keras_dcgan.export import convert_tflite
from keras_dcgan.export import export_saved_model
from keras_dcgan.export import export_tflite
from keras_dcgan.export.tflite import tflite_num_classes
from keras_dcgan.export.tflite import tflite_op_names
from keras_dcgan.images import to_uint8
from keras_dcgan.models.generator import Generator
from tests.export_helpers import randomize

NUM_CLASSES = 3


@pytest.fixture(scope="module")
def gan(tiny_gan):
    gan = tiny_gan(num_classes=NUM_CLASSES, label_embedding_dim=4)
    # Random weights and batch-norm statistics, as after training, so
    # inference makes images of a real scale (not a vanishing comparison).
    randomize(gan.generator, 0)
    return gan


@pytest.fixture(scope="module")
def served(gan, tmp_path_factory):
    base = tmp_path_factory.mktemp("serving")
    return tf.saved_model.load(export_saved_model(gan.generator, str(base)))


def _inputs(n=4):
    rng = np.random.default_rng(1)
    latents = rng.standard_normal((n, 8)).astype("float32")
    return latents, np.arange(n, dtype="int32") % NUM_CLASSES


def test_serving_default_takes_latents_and_labels(gan, served):
    latents, labels = _inputs()
    signature = served.signatures["serving_default"]
    assert set(signature.structured_input_signature[1]) == {
        "latents",
        "labels",
    }
    images = signature(
        latents=tf.constant(latents), labels=tf.constant(labels)
    )["images"].numpy()
    expected = gan.generator([latents, labels], training=False).numpy()
    assert np.abs(expected).max() > 0.05  # not a vanishing comparison
    np.testing.assert_allclose(images, expected, rtol=1e-5, atol=1e-6)


def test_seeded_signatures_reproduce_generate_with_labels(gan, served):
    labels = np.array([2, 0, 1, 2, 2], "int32")
    uint8 = served.signatures["generate_uint8"](
        seed=tf.constant(7, tf.int64),
        num_samples=tf.constant(5),
        labels=tf.constant(labels),
    )["images"].numpy()
    expected = to_uint8(gan.generate(5, labels=labels, seed=7))
    assert np.abs(uint8.astype(int) - expected.astype(int)).max() <= 1
    assert np.mean(uint8 == expected) > 0.99
    png = served.signatures["generate_png"](
        seed=tf.constant(7, tf.int64),
        num_samples=tf.constant(5),
        labels=tf.constant(labels),
    )["png_bytes"].numpy()
    decoded = np.stack([tf.io.decode_png(p).numpy() for p in png])
    np.testing.assert_array_equal(decoded, uint8)


@pytest.mark.parametrize(
    ("signature", "labels", "message"),
    [
        ("generate_uint8", [0, 3], r"labels must be in \[0, 3\)"),
        ("generate_uint8", [0, -1], r"labels must be in \[0, 3\)"),
        ("generate_uint8", [0, 1, 2], "labels must hold one class per image"),
        ("serving_default", [0, 3], r"labels must be in \[0, 3\)"),
        ("serving_default", [0], "labels must hold one class per image"),
    ],
)
def test_bad_labels_are_refused_by_name(served, signature, labels, message):
    inputs = {"labels": tf.constant(labels, tf.int32)}
    if signature == "generate_uint8":
        inputs.update(seed=tf.constant(1, tf.int64), num_samples=tf.constant(2))
    else:
        inputs.update(latents=tf.constant(_inputs(2)[0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        served.signatures[signature](**inputs)


@pytest.mark.parametrize("quantization", ["none", "int8"])
def test_tflite_takes_labels_as_a_second_input(gan, quantization):
    calibration = {"calibration_samples": 16} if quantization == "int8" else {}
    content = convert_tflite(gan.generator, quantization, **calibration)
    assert not [op for op in tflite_op_names(content) if op.startswith("Flex")]
    runner = TFLiteGenerator(content)
    assert runner.conditional
    latents, labels = _inputs()
    images = runner(latents, labels)
    expected = gan.generator([latents, labels], training=False).numpy()
    tolerance = 1e-4 if quantization == "none" else 0.25
    np.testing.assert_allclose(images, expected, atol=tolerance)
    # The label changes the image in the converted model too.
    other = runner(latents, (labels + 1) % NUM_CLASSES)
    assert np.abs(other - images).max() > 0.01


def test_tflite_runner_checks_the_labels(gan):
    runner = TFLiteGenerator(convert_tflite(gan.generator))
    latents, labels = _inputs()
    with pytest.raises(ValueError, match="class-conditional: pass labels"):
        runner(latents)
    with pytest.raises(ValueError, match=r"int labels of shape \(4,\)"):
        runner(latents, labels[:2])
    unconditional = Generator(8, 16, 1, 4)
    runner = TFLiteGenerator(
        convert_tflite(unconditional, allow_untrained=True)
    )
    assert not runner.conditional
    assert runner.num_classes is None
    with pytest.raises(ValueError, match="unconditional; it takes no labels"):
        runner(latents, labels)


@pytest.mark.parametrize(
    "bad", [NUM_CLASSES, -1, 1_000_000, 2**32 + 1], ids=str
)
def test_tflite_runner_refuses_labels_outside_the_classes(gan, tmp_path, bad):
    # Before: images came back for any label (2**32 + 1 wrapped to 1).
    path = os.path.join(tmp_path, "generator.tflite")
    export_tflite(gan.generator, path)
    runner = TFLiteGenerator(path)
    assert runner.num_classes == NUM_CLASSES
    latents, labels = _inputs()
    labels = labels.astype("int64")
    labels[2] = bad
    with pytest.raises(
        ValueError,
        match=rf"`labels` must be in \[0, {NUM_CLASSES}\), the model's "
        rf"classes; received {bad}\.",
    ):
        runner(latents, labels)
    labels[2] = NUM_CLASSES - 1
    assert runner(latents, labels).shape == (4, 16, 16, 1)


@pytest.mark.parametrize(
    ("argument", "shown"), [("calibration_samples", 16), ("seed", 3)]
)
def test_calibration_settings_need_int8(gan, argument, shown):
    # Before: accepted and unused by the float conversions.
    with pytest.raises(
        ValueError,
        match=rf"`{argument}`={shown} sets the int8 calibration, and "
        r"quantization 'float16' calibrates nothing",
    ):
        convert_tflite(gan.generator, "float16", **{argument: shown})


def test_the_class_count_survives_every_quantization(gan):
    for quantization in ("float16", "dynamic_range"):
        content = convert_tflite(gan.generator, quantization)
        assert tflite_num_classes(content) == NUM_CLASSES
    content = convert_tflite(Generator(8, 16, 1, 4), allow_untrained=True)
    assert tflite_num_classes(content) is None


def test_check_generator_accepts_labels_but_not_other_second_inputs(gan):
    assert check_generator(gan.generator) == 8
    latents = keras.Input((8,), name="latents")
    style = keras.Input((2,), name="style")
    joined = keras.layers.Concatenate()([latents, style])
    images = keras.layers.Reshape((4, 4, 1))(keras.layers.Dense(16)(joined))
    other = keras.Model([latents, style], images)
    with pytest.raises(NotImplementedError, match="a second input named"):
        check_generator(other, allow_untrained=True)


# --- The deployment scripts of the top-level export/ folder -----------------

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INPUT_DTYPES = {
    "seed": np.int64,
    "num_samples": np.int32,
    "latents": np.float32,
    "labels": np.int32,
}


def load_script(name):
    """Imports a script of the top-level export/ folder."""
    path = os.path.join(ROOT, "export", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"export_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _from_rest_body(body):
    """The signature inputs TF Serving reads from a JSON predict body."""
    if "instances" in body:
        # Row format with several inputs: one object of named inputs per row.
        rows = body["instances"]
        inputs = {key: [row[key] for row in rows] for key in rows[0]}
    else:
        inputs = body["inputs"]
    return {k: tf.constant(v, INPUT_DTYPES[k]) for k, v in inputs.items()}


def test_rest_bodies_send_labels(gan, served):
    client = load_script("rest_client")
    labels = [1, 1, 0]
    body = client.seed_body(5, 3, "generate_uint8", labels=labels)
    images = served.signatures["generate_uint8"](**_from_rest_body(body))
    expected = to_uint8(gan.generate(3, labels=labels, seed=5))
    assert np.mean(images["images"].numpy() == expected) > 0.99
    latents, labels = _inputs(3)
    reference = gan.generator([latents, labels], training=False).numpy()
    for columnar in (False, True):
        body = client.latents_body(latents, columnar, labels=labels)
        json.dumps(body)  # JSON-serialisable
        images = served.signatures["serving_default"](**_from_rest_body(body))
        np.testing.assert_allclose(
            images["images"].numpy(), reference, rtol=1e-5, atol=1e-6
        )


def test_grpc_requests_send_labels(gan, served):
    pytest.importorskip("tensorflow_serving.apis.predict_pb2")
    pytest.importorskip("grpc")
    client = load_script("grpc_client")

    def inputs(request):
        return {
            name: tf.constant(tf.make_ndarray(proto))
            for name, proto in request.inputs.items()
        }

    request = client.seed_request("dcgan", 5, 3, "generate_uint8", [2, 2, 2])
    images = served.signatures["generate_uint8"](**inputs(request))
    expected = to_uint8(gan.generate(3, labels=2, seed=5))
    assert np.mean(images["images"].numpy() == expected) > 0.99
    latents, labels = _inputs(3)
    request = client.latents_request("dcgan", latents, labels=labels)
    np.testing.assert_allclose(
        served.signatures["serving_default"](**inputs(request))["images"],
        gan.generator([latents, labels], training=False),
        rtol=1e-5,
        atol=1e-6,
    )


def test_litert_script_draws_the_label(gan, tmp_path):
    pytest.importorskip("ai_edge_litert")
    script = load_script("sample_litert")
    path = str(tmp_path / "generator.tflite")
    with open(path, "wb") as f:
        f.write(convert_tflite(gan.generator))
    images = script.sample(path, 3, seed=4, label=2)
    noise = np.random.default_rng(4).standard_normal((3, 8), np.float32)
    expected = to_uint8(
        gan.generator([noise, np.full([3], 2, "int32")], training=False)
    )
    assert np.abs(images.astype(int) - expected.astype(int)).max() <= 1
    with pytest.raises(ValueError, match="class-conditional: pass a label"):
        script.sample(path, 3)
