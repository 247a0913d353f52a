"""Generators trained under mixed precision export in float32, every format.

A `precision="mixed_bfloat16"` run leaves networks that compute in bfloat16
(the policy is saved with them). Exported as they were, TFLite failed to
convert them (LiteRT has no bfloat16 `Relu` or `Conv2DBackpropInput`) and
the SavedModel served bfloat16 math.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.export import TFLiteGenerator
from keras_dcgan.export import convert_tflite
from keras_dcgan.export import export_saved_model
from keras_dcgan.export.base import float32_generator
from keras_dcgan.models.blocks import dtype_policy_scope
from keras_dcgan.models.presets import get_preset
from tests.export_helpers import randomize

LATENT_DIM = 8


def build(precision, num_classes=None):
    network = get_preset(
        "mnist",
        image_size=16,
        latent_dim=LATENT_DIM,
        generator_filters=4,
        num_classes=num_classes,
    )
    with dtype_policy_scope(precision):
        return network.build_generator()


@pytest.fixture(scope="module", params=[None, 3], ids=["plain", "conditional"])
def pair(request):
    """A bfloat16 generator and a float32 one with the same weights."""
    mixed = build("mixed_bfloat16", request.param)
    randomize(mixed, 0)
    plain = build("float32", request.param)
    plain.set_weights(mixed.get_weights())
    return mixed, plain


def inputs(generator, batch=5):
    latents = np.random.default_rng(1).standard_normal((batch, LATENT_DIM))
    latents = latents.astype("float32")
    if getattr(generator, "num_classes", None) is None:
        return [latents]
    return [latents, np.arange(batch, dtype="int32") % generator.num_classes]


def keras_images(generator, args):
    args = args[0] if len(args) == 1 else args
    return keras.ops.convert_to_numpy(generator(args, training=False))


def test_the_mixed_generator_computes_in_bfloat16(pair):
    mixed, plain = pair
    assert mixed.compute_dtype == "bfloat16"
    args = inputs(mixed)
    difference = np.abs(keras_images(mixed, args) - keras_images(plain, args))
    # bfloat16 keeps 8 bits of mantissa: visibly not the float32 images.
    assert difference.max() > 1e-3


def test_float32_generator_copies_weights_into_float32_layers(pair):
    mixed, plain = pair
    copy = float32_generator(mixed)
    assert copy is not mixed
    assert {layer.compute_dtype for layer in copy.layers} == {"float32"}
    for ours, theirs in zip(copy.weights, mixed.weights, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    args = inputs(mixed)
    np.testing.assert_allclose(
        keras_images(copy, args), keras_images(plain, args), atol=1e-6
    )
    # The training network keeps its policy.
    assert mixed.compute_dtype == "bfloat16"


def test_a_float32_generator_is_exported_as_it_is(pair):
    _, plain = pair
    assert float32_generator(plain) is plain


def test_saved_model_serves_float32_math(pair, tmp_path):
    mixed, plain = pair
    path = export_saved_model(mixed, str(tmp_path))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    args = inputs(mixed)
    names = ["latents", "labels"][: len(args)]
    feeds = {n: tf.constant(a) for n, a in zip(names, args, strict=True)}
    images = serve(**feeds)["images"]
    np.testing.assert_allclose(
        images.numpy(), keras_images(plain, args), atol=1e-5
    )
    dtypes = {
        output.dtype
        for op in serve.graph.get_operations()
        for output in op.outputs
    }
    for function in serve.graph._functions.values():
        dtypes |= {
            output.dtype
            for op in function.graph.get_operations()
            for output in op.outputs
        }
    assert tf.bfloat16 not in dtypes


def test_tflite_converts_and_matches_float32_keras(pair):
    mixed, plain = pair
    runner = TFLiteGenerator(convert_tflite(mixed))
    args = inputs(mixed)
    np.testing.assert_allclose(
        runner(*args), keras_images(plain, args), atol=1e-4
    )


def test_another_functional_generator_is_cloned_in_float32():
    with dtype_policy_scope("mixed_bfloat16"):
        latents = keras.Input((LATENT_DIM,))
        x = keras.layers.Dense(4 * 4 * 8)(latents)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Reshape((4, 4, 8))(x)
        x = keras.layers.Conv2DTranspose(1, 4, 2, padding="same")(x)
        images = keras.layers.Activation("tanh", dtype="float32")(x)
        mixed = keras.Model(latents, images)
    randomize(mixed, 1)
    copy = float32_generator(mixed)
    assert {layer.compute_dtype for layer in copy.layers} == {"float32"}
    runner = TFLiteGenerator(convert_tflite(mixed))
    args = inputs(mixed)
    np.testing.assert_allclose(
        runner(*args), keras_images(copy, args), atol=1e-4
    )
