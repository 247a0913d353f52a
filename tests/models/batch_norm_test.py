"""blocks.BatchNormalization: Keras's batch norm, trained with the fused op."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.models import blocks


def _pair(shape, dtype="float32", **kwargs):
    """A Keras batch norm and ours, with the same random scale and offset."""
    layers = []
    for cls in (keras.layers.BatchNormalization, blocks.BatchNormalization):
        keras.utils.set_random_seed(0)
        layer = cls(
            momentum=0.8,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.1),
            beta_initializer=keras.initializers.RandomNormal(0.0, 0.1),
            dtype=dtype,
            **kwargs,
        )
        layer.build(shape)
        layers.append(layer)
    return layers


def _train_once(layer, x, upstream):
    """Outputs, first and second-order gradients (as R1 takes them)."""

    @tf.function
    def step(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(tf.cast(x, layer.compute_dtype), training=True)
                loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
            dx, dgamma, dbeta = tape.gradient(
                loss, [x, layer.gamma, layer.beta]
            )
            penalty = tf.reduce_sum(tf.square(dx))
        return y, dx, dgamma, dbeta, outer.gradient(penalty, x)

    results = [np.asarray(tf.cast(t, tf.float32)) for t in step(x)]
    graph = step.get_concrete_function(x).graph
    ops = {op.type for op in graph.get_operations()}
    moving = [layer.moving_mean.numpy(), layer.moving_variance.numpy()]
    return results + moving, ops


@pytest.mark.parametrize(
    ("shape", "dtype", "atol"),
    [
        ((8, 5, 5, 3), "float32", 1e-5),
        ((16, 7, 7, 24), "float32", 1e-5),
        ((8, 5, 5, 3), "mixed_bfloat16", 1e-2),
    ],
)
def test_training_matches_keras_batch_norm(shape, dtype, atol):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, shape).astype("float32"))
    upstream = tf.constant(rng.normal(size=shape).astype("float32"))
    keras_layer, ours = _pair(shape, dtype)
    expected, keras_ops = _train_once(keras_layer, x, upstream)
    got, our_ops = _train_once(ours, x, upstream)
    assert "FusedBatchNormV3" in our_ops
    assert "FusedBatchNormV3" not in keras_ops
    names = ["output", "d/dx", "d/dgamma", "d/dbeta", "d2", "mean", "var"]
    for name, want, have in zip(names, expected, got, strict=True):
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(have, want, atol=atol * scale, err_msg=name)
    ours_out = ours(tf.cast(x, ours.compute_dtype), training=True)
    keras_out = keras_layer(tf.cast(x, ours.compute_dtype), training=True)
    assert ours_out.dtype == keras_out.dtype


def test_moving_variance_is_the_biased_batch_variance():
    # The fused op returns the unbiased variance; the layer must average the
    # biased one, as Keras does (momentum 0 keeps the last batch's).
    x = np.random.default_rng(1).normal(0.0, 2.0, (2, 3, 3, 4)).astype("f")
    layer = blocks.BatchNormalization(momentum=0.0)
    layer(x, training=True)
    np.testing.assert_allclose(
        layer.moving_variance.numpy(), x.var(axis=(0, 1, 2)), rtol=1e-5
    )
    np.testing.assert_allclose(
        layer.moving_mean.numpy(), x.mean(axis=(0, 1, 2)), atol=1e-6
    )


def test_inference_is_keras_own_path():
    x = np.random.default_rng(2).normal(size=(4, 3, 3, 2)).astype("f")
    keras_layer, ours = _pair(x.shape)
    for layer in (keras_layer, ours):
        layer(x, training=True)
    np.testing.assert_allclose(ours(x), keras_layer(x), atol=1e-6)
    graph = (
        tf.function(lambda t: ours(t, training=False))
        .get_concrete_function(tf.TensorSpec(x.shape))
        .graph
    )
    assert not [op for op in graph.get_operations() if "Fused" in op.type]


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((6, 4), {}),
        ((2, 3, 3, 4), {"axis": 1}),
        ((2, 3, 3, 4), {"renorm": True}),
    ],
)
def test_other_layouts_take_keras_path(shape, kwargs):
    x = np.random.default_rng(3).normal(size=shape).astype("f")
    keras_layer, ours = _pair(shape, **kwargs)
    np.testing.assert_allclose(
        ours(x, training=True), keras_layer(x, training=True), atol=1e-6
    )
    np.testing.assert_allclose(
        ours.moving_variance.numpy(), keras_layer.moving_variance.numpy()
    )


def test_the_networks_use_it():
    layer = blocks.normalization_layer("batch")
    assert isinstance(layer, blocks.BatchNormalization)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(restored) is blocks.BatchNormalization


@pytest.mark.parametrize(
    ("dtype", "kernel_dtype"),
    [("float32", tf.float32), ("mixed_bfloat16", tf.bfloat16)],
)
def test_bfloat16_enters_the_kernel_without_casts(dtype, kernel_dtype):
    layer = blocks.BatchNormalization(dtype=dtype)
    layer.build((2, 3, 3, 4))
    spec = tf.TensorSpec((2, 3, 3, 4), layer.compute_dtype)
    graph = (
        tf.function(lambda x: layer(x, training=True))
        .get_concrete_function(spec)
        .graph
    )
    fused = [
        op for op in graph.get_operations() if op.type == "FusedBatchNormV3"
    ]
    assert len(fused) == 1
    assert fused[0].get_attr("T") == kernel_dtype
