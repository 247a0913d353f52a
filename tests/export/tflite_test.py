"""Tests of the TFLite export, run with LiteRT's interpreter."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.export import QUANTIZATIONS
from keras_dcgan.export import TFLiteGenerator
from keras_dcgan.export import convert_tflite
from keras_dcgan.export import export_tflite
from keras_dcgan.export.tflite import check_builtin_ops
from keras_dcgan.export.tflite import tflite_op_names
from keras_dcgan.models.presets import get_preset
from tests.export_helpers import randomize

LATENT_DIM = 8
# Max abs error against the Keras generator, images in [-1, 1]. The int8
# bound is measured on this tiny generator (about 0.03, see
# docs/performance.md for the real-size MNIST generator) with headroom.
TOLERANCES = {
    "none": 1e-4,
    "float16": 1e-2,
    "dynamic_range": 5e-2,
    "int8": 0.1,
}


@pytest.fixture(scope="module")
def generator():
    model = get_preset(
        "mnist", image_size=16, latent_dim=LATENT_DIM, generator_filters=4
    ).build_generator()
    randomize(model, 0)
    return model


def latents(batch, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, LATENT_DIM), np.float32)


@pytest.fixture(scope="module")
def converted(generator):
    """`convert_tflite(generator, quantization, batch_size=...)`, cached."""
    cache = {}

    def convert(quantization, batch_size):
        key = (quantization, batch_size)
        if key not in cache:
            cache[key] = convert_tflite(
                generator, quantization=quantization, batch_size=batch_size
            )
        return cache[key]

    return convert


@pytest.mark.parametrize("batch_size", [None, 2])
@pytest.mark.parametrize("quantization", QUANTIZATIONS)
def test_matches_keras(generator, converted, quantization, batch_size):
    content = converted(quantization, batch_size)
    runner = TFLiteGenerator(content)
    assert runner.batch_size == batch_size
    assert runner.latent_dim == LATENT_DIM
    assert runner.image_shape == (16, 16, 1)
    assert runner.output_dtype == np.float32
    z = latents(2)
    images = runner(z)
    expected = generator(z, training=False).numpy()
    assert images.shape == (2, 16, 16, 1)
    error = np.abs(images - expected).max()
    assert error < TOLERANCES[quantization], error
    if batch_size is None:
        # The dynamic batch resizes: one and five latents.
        for batch in (1, 5):
            z = latents(batch, seed=batch)
            error = np.abs(runner(z) - generator(z, training=False)).max()
            assert error < TOLERANCES[quantization], error
    else:
        # Static shapes: none of the ops a dynamic batch adds.
        assert "SHAPE" not in tflite_op_names(content)


def test_quantization_shrinks_the_model(converted):
    # On a tiny model the flatbuffer overhead dominates, so the sizes are
    # only ordered here; docs/performance.md has the real-size ratios.
    sizes = {name: len(converted(name, 2)) for name in QUANTIZATIONS}
    assert sizes["float16"] < sizes["none"]
    assert sizes["dynamic_range"] < sizes["none"]
    assert sizes["int8"] < sizes["none"]


@pytest.mark.parametrize("quantization", ["none", "int8"])
def test_uint8_output(generator, quantization):
    runner = TFLiteGenerator(
        convert_tflite(generator, quantization, output_uint8=True)
    )
    assert runner.output_dtype == np.uint8
    z = latents(3)
    images = runner(z)
    expected = generator(z, training=False).numpy()
    expected = np.clip(np.round((expected + 1.0) * 127.5), 0, 255)
    diff = np.abs(images.astype(int) - expected.astype(int)).max()
    # float32: a rounding boundary may flip; int8: the error bound in levels.
    assert diff <= (1 if quantization == "none" else 0.1 * 127.5 + 1)


def test_builtin_ops_only(converted):
    names = tflite_op_names(converted("none", None))
    assert "TRANSPOSE_CONV" in names
    assert not [name for name in names if name.startswith("Flex")]


def test_check_builtin_ops_rejects_flex():
    @tf.function(input_signature=[tf.TensorSpec([], tf.int64)])
    def noise(seed):
        return tf.random.stateless_normal([2, 3], seed=tf.stack([seed, seed]))

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [noise.get_concrete_function()], noise
    )
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    content = converter.convert()
    with pytest.raises(ValueError, match=r"non-builtin operators \['Flex"):
        check_builtin_ops(content)


def test_export_writes_the_file(generator, tmp_path):
    path = str(tmp_path / "out" / "generator.tflite")
    assert export_tflite(generator, path, quantization="float16") == path
    assert os.listdir(tmp_path / "out") == ["generator.tflite"]
    runner = TFLiteGenerator(path)
    z = latents(2)
    error = np.abs(runner(z) - generator(z, training=False)).max()
    assert error < TOLERANCES["float16"]


def test_bad_arguments(generator, tmp_path):
    with pytest.raises(ValueError, match=r"Unknown quantization 'int4'"):
        convert_tflite(generator, quantization="int4")
    for batch_size in (0, 2.0, True):
        with pytest.raises(ValueError, match="`batch_size` must be an int"):
            convert_tflite(generator, batch_size=batch_size)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        export_tflite(generator, str(tmp_path))
    untrained = get_preset(
        "mnist", image_size=16, latent_dim=8, generator_filters=4
    ).build_generator()
    with pytest.raises(ValueError, match="looks untrained"):
        convert_tflite(untrained)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # Before: "false" read as True: a uint8 model, silently.
        (
            {"output_uint8": "false"},
            "`output_uint8` must be True or False; received 'false'.",
        ),
        # Before: accepted as True, converting an untrained generator.
        (
            {"allow_untrained": "no"},
            "`allow_untrained` must be True or False; received 'no'.",
        ),
        # Before: NumPy's "expected non-negative integer" (int8 only).
        (
            {"quantization": "int8", "seed": -1},
            "`seed` must be an int >= 0; received -1.",
        ),
        # Before: True calibrated on one latent draw.
        (
            {"quantization": "int8", "calibration_samples": True},
            "`calibration_samples` must be a positive integer; received True.",
        ),
    ],
)
def test_bad_conversion_arguments_are_named(generator, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        convert_tflite(generator, **kwargs)


def test_export_tflite_takes_a_pathlib_path(generator, tmp_path):
    # Before: TypeError (PosixPath + str) after the conversion.
    path = tmp_path / "generator.tflite"
    assert export_tflite(generator, path) == str(path)
    assert os.listdir(tmp_path) == ["generator.tflite"]


def test_wrong_latents_are_an_error(converted):
    dynamic = TFLiteGenerator(converted("none", None))
    with pytest.raises(ValueError, match=r"shape \(batch, 8\); received"):
        dynamic(np.zeros((2, 9), np.float32))
    fixed = TFLiteGenerator(converted("none", 2))
    with pytest.raises(ValueError, match="fixed batch of 2; received 3"):
        fixed(np.zeros((3, 8), np.float32))


@pytest.mark.parametrize("suffix", ["", "/", "new/"])
def test_export_tflite_refuses_a_folder(tmp_path, suffix):
    # A trailing "/" used to pass the check and fail in os.replace.
    from keras_dcgan.export.tflite import check_tflite_path

    path = str(tmp_path) + ("/" + suffix if suffix else "")
    with pytest.raises(IsADirectoryError, match=r"path='.*' is a directory"):
        check_tflite_path(path)
    with pytest.raises(ValueError, match=r"`path` must be the path of a"):
        check_tflite_path("")
