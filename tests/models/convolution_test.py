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
        ((2, 5, 6, 3), 4, 1, 2),  # stride 1: no blocks
        ((2, 5, 5, 3), 3, 1, 2),  # stride 1, odd kernel
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


# --- Few-channel transposed convolutions as one matrix product ---------------


@pytest.mark.parametrize(
    ("input_shape", "kernel_size", "strides", "out_channels"),
    [
        ((2, 14, 14, 64), 4, 2, 1),  # the mnist generator's image layer
        ((2, 8, 8, 16), 4, 2, 3),  # an RGB image layer
        ((3, 5, 7, 8), 4, 2, 2),  # odd, not square
        ((2, 6, 6, 5), 6, 3, 2),  # another stride
        ((2, 4, 4, 3), 2, 2, 1),  # kernel equal to the stride: no overlap
        ((1, 1, 1, 2), 4, 2, 4),  # a 1x1 map
        ((2, 5, 6, 4), 4, 1, 2),  # stride 1: no blocks
        ((2, 5, 5, 4), 3, 1, 1),  # stride 1, odd kernel
    ],
)
def test_conv_transpose_matches_tensorflow(
    input_shape, kernel_size, strides, out_channels
):
    x = _random(input_shape, 0)
    kernel = _random(
        (kernel_size, kernel_size, out_channels, input_shape[-1]), 1
    )
    batch, height, width, _ = input_shape
    output_shape = (batch, strides * height, strides * width, out_channels)
    upstream = _random(output_shape, 2)

    def gradients(transpose):
        with tf.GradientTape() as outer:
            outer.watch(kernel)
            with tf.GradientTape() as tape:
                tape.watch([x, kernel])
                y = transpose(x, kernel)
                loss = tf.reduce_sum(y * upstream)
            dx, dkernel = tape.gradient(loss, [x, kernel])
            penalty = tf.reduce_sum(tf.square(dx)) + tf.reduce_sum(
                tf.square(dkernel)
            )
        return y, dx, dkernel, outer.gradient(penalty, kernel)

    expected = gradients(
        lambda x, k: tf.nn.conv2d_transpose(x, k, output_shape, strides, "SAME")
    )
    got = gradients(
        lambda x, k: convolution.strided_conv_transpose(x, k, strides)
    )
    assert got[0].shape == output_shape
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-4)


def test_conv_transpose_accepts_an_unknown_batch_and_bfloat16():
    kernel = _random((4, 4, 1, 64), 1, "bfloat16")
    function = tf.function(
        lambda x: convolution.strided_conv_transpose(x, kernel, 2),
        input_signature=[tf.TensorSpec((None, 7, 7, 64), tf.bfloat16)],
    )
    x = _random((3, 7, 7, 64), 0, "bfloat16")
    got = function(x)
    assert got.dtype == tf.bfloat16
    assert got.shape == (3, 14, 14, 1)
    expected = tf.nn.conv2d_transpose(
        tf.cast(x, tf.float32), tf.cast(kernel, tf.float32), (3, 14, 14, 1), 2
    )
    # The patches are added in float32: one bfloat16 rounding of each.
    assert (
        _relative_error(np.asarray(tf.cast(got, tf.float32)), expected) < 1e-2
    )


@pytest.mark.parametrize("strides", [0, -2, 2.0, (2, 2), True, None])
def test_both_reject_a_stride_that_is_not_a_positive_int(strides):
    message = r"`strides` must be a positive int .* received strides="
    with pytest.raises(ValueError, match=message):
        convolution.strided_conv_transpose(
            _random((1, 4, 4, 8), 0), _random((4, 4, 1, 8), 1), strides
        )
    with pytest.raises(ValueError, match=message):
        convolution.strided_filter_grad(
            _random((1, 8, 8, 2), 0), _random((1, 4, 4, 3), 1), 4, strides
        )


def test_both_reject_an_unknown_height_or_width():
    transpose = tf.function(
        lambda x: convolution.strided_conv_transpose(
            x, tf.zeros([4, 4, 1, 8]), 2
        ),
        input_signature=[tf.TensorSpec((None, None, 4, 8))],
    )
    message = r"`inputs` must be .* known height and width; received shape"
    with pytest.raises(ValueError, match=message):
        transpose.get_concrete_function()
    filter_grad = tf.function(
        lambda x, dy: convolution.strided_filter_grad(x, dy, 4, 2),
        input_signature=[
            tf.TensorSpec((2, 8, None, 2)),
            tf.TensorSpec((2, 4, 4, 3)),
        ],
    )
    with pytest.raises(ValueError, match=message):
        filter_grad.get_concrete_function()


def test_conv_transpose_rejects_a_kernel_of_another_dtype():
    with pytest.raises(
        ValueError, match=r"dtype of `inputs`, float32; received bfloat16"
    ):
        convolution.strided_conv_transpose(
            _random((1, 4, 4, 8), 0), _random((4, 4, 1, 8), 1, "bfloat16"), 2
        )


@pytest.mark.parametrize(
    ("kernel_shape", "strides", "message"),
    [
        ((4, 4, 8), 2, r"`kernel` must be .*; received shape \(4, 4, 8\)"),
        ((5, 5, 1, 8), 2, r"5x5 kernel, strides=2"),
        ((4, 2, 1, 8), 2, r"4x2 kernel"),
        ((4, 4, 1, 6), 2, r"`inputs` has 8 channels, `kernel` expects 6"),
    ],
)
def test_conv_transpose_rejects_bad_shapes(kernel_shape, strides, message):
    with pytest.raises(ValueError, match=message):
        convolution.strided_conv_transpose(
            _random((1, 4, 4, 8), 0), _random(kernel_shape, 1), strides
        )


@pytest.mark.parametrize(
    ("cls", "dtype", "input_shape", "filters", "expected"),
    [
        # Image layers: a generator's last, a discriminator's first.
        ("Conv2DTranspose", "float32", (None, 14, 14, 64), 1, True),
        ("Conv2DTranspose", "mixed_bfloat16", (None, 32, 32, 64), 3, True),
        ("Conv2DTranspose", "float32", (None, 14, 14, 64), 4, True),
        ("Conv2D", "float32", (None, 28, 28, 1), 64, True),
        ("Conv2D", "mixed_bfloat16", (None, 64, 64, 3), 64, True),
        # 8 channels and more: oneDNN's kernel is faster.
        ("Conv2DTranspose", "float32", (None, 14, 14, 64), 8, False),
        ("Conv2D", "float32", (None, 28, 28, 8), 64, False),
        # The input gradient of an odd map is not a transposed convolution
        # of the whole output.
        ("Conv2D", "float32", (None, 27, 28, 1), 64, False),
        ("Conv2D", "float32", (None, None, None, 1), 64, False),
        ("Conv2DTranspose", "mixed_float16", (None, 14, 14, 64), 1, False),
    ],
)
def test_uses_matmul_conv_transpose(cls, dtype, input_shape, filters, expected):
    layer = getattr(convolution, cls)(
        filters, 4, strides=2, padding="same", dtype=dtype
    )
    assert convolution.uses_matmul_conv_transpose(layer, input_shape) is (
        expected
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"strides": 1}, {"padding": "valid"}, {"kernel_size": 5}],
)
def test_other_few_channel_layers_take_keras_path(kwargs):
    options = {"kernel_size": 4, "strides": 2, "padding": "same"} | kwargs
    layer = convolution.Conv2DTranspose(1, **options)
    assert not convolution.uses_matmul_conv_transpose(layer, (None, 7, 7, 64))


def _training_gradients(layer, x, upstream, training):
    """Output, input and kernel gradients and R1's second-order kernel
    gradient of `layer(x, training=training)`, and the traced op types."""

    def step(x):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=training)
                loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
            dx, dkernel = tape.gradient(loss, [x, layer.kernel])
            penalty = tf.reduce_sum(tf.square(tf.cast(dx, tf.float32)))
        return y, dx, dkernel, outer.gradient(penalty, layer.kernel)

    function = tf.function(step)
    results = [np.asarray(tf.cast(t, tf.float32)) for t in function(x)]
    return results, _graph_ops(function, x)


def _first_order_ops(layer, x):
    """Op types of a training call and its input gradient."""

    @tf.function
    def output_and_input_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
        return y, tape.gradient(y, x)

    return _graph_ops(output_and_input_gradient, x)


@pytest.mark.parametrize(
    ("cls", "input_shape", "filters"),
    [
        ("Conv2DTranspose", (4, 14, 14, 64), 1),
        ("Conv2DTranspose", (2, 8, 8, 32), 3),
        ("Conv2D", (4, 28, 28, 1), 64),
        ("Conv2D", (2, 16, 16, 3), 32),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_few_channel_layer_trains_as_keras_layer(
    cls, input_shape, filters, dtype
):
    theirs, ours = _layer_pair(
        cls,
        dtype,
        filters=filters,
        use_bias=True,
        activation="tanh",
        bias_initializer="random_normal",
    )
    for layer in (theirs, ours):
        layer.build(input_shape)
    ours.set_weights(theirs.get_weights())
    assert convolution.uses_matmul_conv_transpose(ours, input_shape)
    x = _random(input_shape, 0, ours.compute_dtype)
    upstream = _random(theirs.compute_output_shape(input_shape), 1)
    expected, _ = _training_gradients(theirs, x, upstream, True)
    got, our_ops = _training_gradients(ours, x, upstream, True)
    # Output, input gradient, kernel gradient, R1's second order: float32
    # to its rounding, bfloat16 to one rounding of each added patch.
    tolerance = 1e-5 if dtype == "float32" else 2e-2
    for g, e in zip(got, expected, strict=True):
        assert _relative_error(g, e) < tolerance
    # The transposed convolution to few channels (the forward pass of a
    # `Conv2DTranspose`, the input gradient of a `Conv2D`) is the product.
    assert "Conv2DBackpropInput" in _first_order_ops(theirs, x)
    assert "Conv2DBackpropInput" not in _first_order_ops(ours, x)
    assert "MatMul" in our_ops


def test_few_channel_transpose_infers_with_keras_op():
    theirs, ours = _layer_pair("Conv2DTranspose", "float32", filters=1)
    input_shape = (2, 14, 14, 64)
    for layer in (theirs, ours):
        layer.build(input_shape)
    ours.set_weights(theirs.get_weights())
    x = _random(input_shape, 0)
    upstream = _random(theirs.compute_output_shape(input_shape), 1)
    for training in (False, None):
        got, ops = _training_gradients(ours, x, upstream, training)
        expected, _ = _training_gradients(theirs, x, upstream, training)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(g, e)
        assert "Conv2DBackpropInput" in ops


def test_mnist_networks_take_the_few_channel_path():
    config = presets.get_preset("mnist")
    generator = config.build_generator()
    discriminator = config.build_discriminator()
    image = generator.layers[-1]
    while not isinstance(image, convolution.Conv2DTranspose):
        image = generator.layers[generator.layers.index(image) - 1]
    assert image.filters == 1
    assert convolution.uses_matmul_conv_transpose(
        image, (None, 14, 14, image.kernel.shape[-1])
    )
    first = next(
        layer
        for layer in discriminator.layers
        if isinstance(layer, convolution.Conv2D)
    )
    assert convolution.uses_matmul_conv_transpose(first, (None, 28, 28, 1))
