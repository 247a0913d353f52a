"""convolution: strided convolutions whose bfloat16 kernel gradient is one
matrix product."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.models import convolution
from keras_dcgan.models import presets


def _random(shape, seed, dtype="float32"):
    values = np.random.default_rng(seed).normal(size=shape)
    return tf.constant(values.astype("float32"), dtype)


@pytest.mark.parametrize(
    ("input_shape", "kernel_size", "strides", "filters"),
    [
        ((2, 8, 8, 3), 4, 2, 5),  # the DCGAN layer
        ((3, 7, 7, 4), 4, 2, 6),  # odd size: uneven "same" padding
        ((2, 9, 5, 2), 4, 2, 3),  # not square
        ((2, 9, 9, 3), 6, 3, 4),  # another stride
        ((2, 6, 6, 3), 2, 2, 4),  # kernel equal to the stride
        ((1, 1, 1, 2), 4, 2, 3),  # a 1x1 map
    ],
)
def test_filter_grad_matches_tensorflow(
    input_shape, kernel_size, strides, filters
):
    x = _random(input_shape, 0)
    out_height = -(-input_shape[1] // strides)
    out_width = -(-input_shape[2] // strides)
    dy = _random((input_shape[0], out_height, out_width, filters), 1)
    expected = tf.raw_ops.Conv2DBackpropFilter(
        input=x,
        filter_sizes=[kernel_size, kernel_size, input_shape[-1], filters],
        out_backprop=dy,
        strides=[1, strides, strides, 1],
        padding="SAME",
    )
    got = convolution.strided_filter_grad(x, dy, kernel_size, strides)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_filter_grad_rejects_a_kernel_not_a_multiple_of_the_stride():
    x, dy = _random((1, 8, 8, 2), 0), _random((1, 4, 4, 3), 1)
    with pytest.raises(ValueError, match=r"kernel_size=5, strides=2"):
        convolution.strided_filter_grad(x, dy, 5, 2)


def test_filter_grad_rejects_a_gradient_of_the_wrong_size():
    x, dy = _random((1, 8, 8, 2), 0), _random((1, 5, 5, 3), 1)
    with pytest.raises(ValueError, match=r"must be 4x4 .* received 5x5"):
        convolution.strided_filter_grad(x, dy, 4, 2)


def _layer_pair(cls, dtype, filters=64, **kwargs):
    ours = getattr(convolution, cls)
    theirs = getattr(keras.layers, cls)
    return [
        layer_cls(filters, 4, strides=2, padding="same", dtype=dtype, **kwargs)
        for layer_cls in (theirs, ours)
    ]


def _graph_ops(function, *args):
    """The op types of a traced function, its nested functions included."""
    graph = function.get_concrete_function(*args).graph
    ops = set()
    for nested in [graph, *graph._functions.values()]:
        nested_graph = getattr(nested, "graph", nested)
        ops |= {op.type for op in nested_graph.get_operations()}
    return ops


def _gradients(layer, x, upstream):
    """Output, input and kernel gradients, and R1's second-order kernel
    gradient; also the op types of the first-order kernel gradient."""

    @tf.function
    def step(x):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
                loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
            dx, dkernel = tape.gradient(loss, [x, layer.kernel])
            penalty = tf.reduce_sum(tf.square(tf.cast(dx, tf.float32)))
        return y, dx, dkernel, outer.gradient(penalty, layer.kernel)

    @tf.function
    def kernel_gradient(x):
        with tf.GradientTape() as tape:
            y = layer(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
        return tape.gradient(loss, layer.kernel)

    results = [np.asarray(tf.cast(t, tf.float32)) for t in step(x)]
    return results, _graph_ops(kernel_gradient, x)


def _relative_error(got, expected):
    return np.max(np.abs(got - expected)) / np.max(np.abs(expected))


@pytest.mark.parametrize(
    ("cls", "input_shape"),
    [("Conv2D", (8, 8, 8, 128)), ("Conv2DTranspose", (8, 4, 4, 256))],
)
def test_bfloat16_layer_matches_keras_through_the_matmul(cls, input_shape):
    theirs, ours = _layer_pair(cls, "mixed_bfloat16", filters=128)
    for layer in (theirs, ours):
        layer.build(input_shape)
    ours.set_weights(theirs.get_weights())
    assert convolution.uses_matmul_filter_grad(ours, input_shape)
    x = _random(input_shape, 0, "bfloat16")
    output_shape = theirs.compute_output_shape(input_shape)
    upstream = _random(output_shape, 1)
    expected, their_ops = _gradients(theirs, x, upstream)
    got, our_ops = _gradients(ours, x, upstream)
    # The forward pass is Keras's op itself.
    np.testing.assert_array_equal(got[0], expected[0])
    # Input gradient: TensorFlow's op both ways.
    np.testing.assert_array_equal(got[1], expected[1])
    # Kernel gradient and R1's second-order one: bfloat16 rounding apart.
    assert _relative_error(got[2], expected[2]) < 2e-2
    assert _relative_error(got[3], expected[3]) < 2e-2
    assert "Conv2DBackpropFilter" in their_ops
    assert "Conv2DBackpropFilter" not in our_ops
    assert "MatMul" in our_ops or "BatchMatMulV2" in our_ops


@pytest.mark.parametrize(
    ("cls", "dtype", "input_shape", "filters", "expected"),
    [
        # The 64x64 networks' deep layers.
        ("Conv2D", "mixed_bfloat16", (None, 8, 8, 256), 512, True),
        ("Conv2D", "mixed_bfloat16", (None, 16, 16, 128), 256, True),
        ("Conv2D", "float32", (None, 8, 8, 256), 512, False),
        ("Conv2D", "mixed_float16", (None, 8, 8, 256), 512, False),
        # The mnist networks' layers: 4x4 x 64 = 1,024 values in a window
        # gain; one input channel and 512 values do not.
        ("Conv2D", "mixed_bfloat16", (None, 14, 14, 64), 128, True),
        ("Conv2D", "mixed_bfloat16", (None, 28, 28, 1), 64, False),
        ("Conv2D", "mixed_bfloat16", (None, 14, 14, 32), 64, False),
        # A large output map: the product is slower.
        ("Conv2D", "mixed_bfloat16", (None, 32, 32, 128), 256, False),
        ("Conv2D", "mixed_bfloat16", (None, None, None, 128), 256, False),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 4, 4, 512), 256, True),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 8, 8, 256), 128, True),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 7, 7, 128), 64, True),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 7, 7, 128), 32, False),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 14, 14, 64), 1, False),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 16, 16, 128), 64, False),
        ("Conv2DTranspose", "float32", (None, 4, 4, 512), 256, False),
    ],
)
def test_uses_matmul_filter_grad(cls, dtype, input_shape, filters, expected):
    layer = getattr(convolution, cls)(
        filters, 4, strides=2, padding="same", dtype=dtype
    )
    assert convolution.uses_matmul_filter_grad(layer, input_shape) is expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strides": 1},
        {"padding": "valid"},
        {"kernel_size": 5},
        {"dilation_rate": 2, "strides": 1},
    ],
)
def test_other_convolutions_take_keras_path(kwargs):
    options = {"kernel_size": 4, "strides": 2, "padding": "same"} | kwargs
    layer = convolution.Conv2D(256, dtype="mixed_bfloat16", **options)
    assert not convolution.uses_matmul_filter_grad(layer, (None, 8, 8, 128))


@pytest.mark.parametrize("cls", ["Conv2D", "Conv2DTranspose"])
def test_float32_layer_is_keras_layer(cls):
    theirs, ours = _layer_pair(cls, "float32", filters=8)
    input_shape = (2, 8, 8, 128)
    for layer in (theirs, ours):
        layer.build(input_shape)
    ours.set_weights(theirs.get_weights())
    x = _random(input_shape, 0)
    upstream = _random(theirs.compute_output_shape(input_shape), 1)
    expected, _ = _gradients(theirs, x, upstream)
    got, ops = _gradients(ours, x, upstream)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    assert "Conv2DBackpropFilter" in ops


def test_bias_and_activation_apply_on_the_matmul_path():
    theirs, ours = _layer_pair(
        "Conv2DTranspose",
        "mixed_bfloat16",
        filters=128,
        use_bias=True,
        activation="tanh",
        bias_initializer="random_normal",
    )
    input_shape = (4, 4, 4, 256)
    for layer in (theirs, ours):
        layer.build(input_shape)
    ours.set_weights(theirs.get_weights())
    assert convolution.uses_matmul_filter_grad(ours, input_shape)
    x = _random(input_shape, 0, "bfloat16")
    np.testing.assert_array_equal(
        np.asarray(tf.cast(ours(x), tf.float32)),
        np.asarray(tf.cast(theirs(x), tf.float32)),
    )


def test_networks_use_these_layers_and_reload(tmp_path):
    config = presets.get_preset("celeba64")
    generator = config.build_generator()
    discriminator = config.build_discriminator()
    classes = {type(layer) for layer in generator.layers}
    classes |= {type(layer) for layer in discriminator.layers}
    assert convolution.Conv2DTranspose in classes
    assert convolution.Conv2D in classes
    path = tmp_path / "generator.keras"
    generator.save(path)
    loaded = keras.saving.load_model(path)
    assert {type(layer) for layer in loaded.layers} == {
        type(layer) for layer in generator.layers
    }
    z = _random((2, generator.input_shape[-1]), 0)
    np.testing.assert_array_equal(loaded(z), generator(z))
