"""Strided convolutions computed with matrix products where that is faster.

On a CPU, TensorFlow computes convolutions with oneDNN. Two of its kernels
are slow for parts of a DCGAN:

- In bfloat16, the weight gradient of the deep layers, whose maps are small
  and whose channels are many: for the 64x64 networks' 8x8x256 -> 4x4x512
  layer (batch 64) it took 29 ms on an AMX CPU, slower than in float32
  (25 ms). The same gradient written as matrix products, one per tap of the
  window after a space-to-depth, took 6.3 ms; for the `mnist` networks'
  14x14x64 -> 7x7x128 layers, 2.3 against 2.7 ms.
- In float32 and bfloat16, a transposed convolution to a few channels: a
  generator's image layer, and the input gradient of a discriminator's
  first convolution. For the `mnist` networks' 14x14x64 -> 28x28x1 it took
  1.6 ms in bfloat16 (2.1 in float32) on an AVX-512 CPU, against 0.7 (0.8)
  ms as one matrix product and an overlap-add.

- `strided_filter_grad`: the weight gradient of a "same"-padded strided
  convolution.
- `strided_conv_transpose`: a "same"-padded strided transposed convolution
  (and so the input gradient of a convolution).
- `Conv2D`, `Conv2DTranspose`: Keras's layers, with the same arguments,
  weights, outputs and gradients (to rounding); on a CPU, for layers whose
  shapes gain (`uses_matmul_filter_grad`, `uses_matmul_conv_transpose`),
  they train through those. Everything else is Keras's own path, and so
  is inference: exported models are unchanged.

Measurements: docs/performance.md.
"""

import keras
import tensorflow as tf

# The weight gradient goes through the matrix products where the output map
# is at most 8x8 and the kernel window holds at least 1,024 values (4x4 x
# 64 channels). Measured on a 2-core AMX CPU, batch 64, 4x4 stride-2, six
# to ten gradients per call: 8x8x256 -> 4x4x512 29 -> 6.3 ms, 16x16x128 ->
# 8x8x256 10.6 -> 6.1 ms, 8x8x96 -> 4x4x192 3.9 -> 2.1 ms, 16x16x64 ->
# 8x8x128 3.4 -> 3.4 ms, 14x14x64 -> 7x7x128 (the mnist networks) 2.7 ->
# 2.3 ms, and in their training step the output reorder of oneDNN's kernel
# is saved too; 14x14x32 -> 7x7x64 (512 values) 1.0 -> 1.8 ms and larger
# output maps (32x32x64 -> 16x16x128 6.8 -> 10.0 ms, 28x28x64 -> 14x14x128
# 5.3 -> 7.8 ms) are losses, left to oneDNN.
MAX_OUTPUT_PIXELS = 64
MIN_WINDOW = 1024
# A transposed convolution to at most this many channels (a generator's
# image layer; the input gradient of a discriminator's first convolution)
# runs as one matrix product and an overlap-add (`strided_conv_transpose`).
MAX_FEW_CHANNELS = 4


def _same_padding(size, kernel_size, stride):
    """(output size, padding before) of a "same"-padded strided window."""
    output = -(-size // stride)
    total = max((output - 1) * stride + kernel_size - size, 0)
    return output, total // 2


def _check_strides(strides):
    """`strides` must be a positive Python int (one stride, both axes)."""
    if isinstance(strides, bool) or not isinstance(strides, int) or strides < 1:
        raise ValueError(
            f"`strides` must be a positive int (the same stride in both "
            f"directions); received strides={strides!r}."
        )


def _check_static_map(name, tensor):
    """`tensor` must be 4-D with a known height and width."""
    shape = tuple(tensor.shape)
    if len(shape) != 4 or None in shape[1:3]:
        raise ValueError(
            f"`{name}` must be (batch, height, width, channels) with a known "
            f"height and width; received shape {shape}."
        )


def strided_filter_grad(inputs, out_backprop, kernel_size, strides):
    """The kernel gradient of a "same"-padded strided 2-D convolution.

    The gradient of `sum(out_backprop * tf.nn.conv2d(inputs, kernel,
    strides, "SAME"))` with respect to `kernel`, which TensorFlow computes
    with `Conv2DBackpropFilter`: here as matrix products. The padded input
    is split into `strides x strides` blocks (space-to-depth), so the
    `kernel_size` window at stride `strides` becomes a
    `kernel_size // strides` window at stride 1; each of its taps is one
    shifted slice of the blocks, and one product of that slice with
    `out_backprop` gives that tap's part of the kernel.

    Args:
        inputs: tensor, `(batch, height, width, in_channels)`, the
            convolution's input. Any float dtype; the product accumulates
            in at least float32 and is returned in this dtype.
        out_backprop: tensor, `(batch, out_height, out_width, out_channels)`,
            the gradient of the loss with respect to the convolution's
            output, `out_height = ceil(height / strides)`.
        kernel_size: int. The square kernel's size, a multiple of
            `strides`.
        strides: int. The stride in both directions.

    Returns:
        Tensor `(kernel_size, kernel_size, in_channels, out_channels)` in
        the dtype of `inputs`.

    Raises:
        ValueError: `strides` is not a positive int, `kernel_size` is not a
            multiple of `strides`, `inputs` or `out_backprop` is not 4-D
            with a known height and width, or their shapes do not match.
    """
    _check_strides(strides)
    if kernel_size % strides:
        raise ValueError(
            f"`kernel_size` must be a multiple of `strides`; received "
            f"kernel_size={kernel_size}, strides={strides}."
        )
    _check_static_map("inputs", inputs)
    _check_static_map("out_backprop", out_backprop)
    _, height, width, in_channels = inputs.shape
    _, out_height, out_width, out_channels = out_backprop.shape
    (expected_height, top), (expected_width, left) = (
        _same_padding(height, kernel_size, strides),
        _same_padding(width, kernel_size, strides),
    )
    if (out_height, out_width) != (expected_height, expected_width):
        raise ValueError(
            f"`out_backprop` must be {expected_height}x{expected_width} for "
            f"a {height}x{width} input at stride {strides}; received "
            f"{out_height}x{out_width}."
        )
    taps = kernel_size // strides
    # Pad to exactly the rows and columns the windows touch: "same" padding
    # before, the rest after, a whole number of blocks.
    padded_height = strides * (out_height - 1 + taps)
    padded_width = strides * (out_width - 1 + taps)
    x = tf.pad(
        inputs,
        [
            [0, 0],
            [top, padded_height - height - top],
            [left, padded_width - width - left],
            [0, 0],
        ],
    )
    # Channels (row in block, column in block, in_channel).
    blocks = tf.nn.space_to_depth(x, strides) if strides > 1 else x
    # One product per tap (a, b) of the `taps x taps` window, each over the
    # shifted slice of blocks it sees: no concatenated patch matrix to
    # write and read back (measured faster than one product over it).
    block_values = strides * strides * in_channels
    out_backprop = tf.reshape(out_backprop, [-1, out_channels])
    grad = tf.stack(
        [
            tf.matmul(
                tf.reshape(
                    blocks[:, a : a + out_height, b : b + out_width, :],
                    [-1, block_values],
                ),
                out_backprop,
                transpose_a=True,
            )
            for a in range(taps)
            for b in range(taps)
        ]
    )
    # Rows are (a, b, row in block, column in block, in_channel); the
    # kernel's row is a * strides + row in block, its column likewise.
    grad = tf.reshape(
        grad, [taps, taps, strides, strides, in_channels, out_channels]
    )
    grad = tf.transpose(grad, [0, 2, 1, 3, 4, 5])
    return tf.reshape(
        grad, [kernel_size, kernel_size, in_channels, out_channels]
    )


def strided_conv_transpose(inputs, kernel, strides):
    """A "same"-padded strided 2-D transposed convolution as a matrix product.

    Computes `tf.nn.conv2d_transpose(inputs, kernel, output_shape, strides,
    "SAME")` with `output_shape = (batch, strides * height, strides * width,
    out_channels)`, which is also the input gradient of a "same"-padded
    strided convolution with that kernel. One product of every input pixel
    with the whole kernel gives each pixel's `kernel_size x kernel_size`
    output patch; the patches, at stride `strides`, are then added where
    they overlap (`kernel_size // strides` shifted copies in each direction,
    in blocks of `strides x strides` pixels, then a depth-to-space). For a
    few output channels this is faster than oneDNN's kernel, which
    vectorizes over them (docs/performance.md). The gradients are
    TensorFlow's own for a transposed convolution (a convolution and its
    kernel gradient), so they stay differentiable (R1).

    Reference: the transposed convolution as a scatter of kernel-weighted
    patches, Dumoulin & Visin, "A guide to convolution arithmetic for deep
    learning", 2016, section 4 (https://arxiv.org/abs/1603.07285).

    Args:
        inputs: tensor, `(batch, height, width, in_channels)`, a float
            dtype (the layers use it in float32 and bfloat16); height and
            width known.
        kernel: tensor, `(kernel_size, kernel_size, out_channels,
            in_channels)` (`Conv2DTranspose`'s layout; a `Conv2D` kernel
            `(kernel_size, kernel_size, channels, filters)` gives that
            convolution's input gradient), the dtype of `inputs`.
        strides: int. The stride in both directions; `kernel_size` must be a
            multiple of it.

    Returns:
        Tensor `(batch, strides * height, strides * width, out_channels)` in
        the dtype of `inputs`. The overlapping patches are added in float32.

    Raises:
        ValueError: `strides` is not a positive int, `inputs` is not 4-D
            with a known height and width, `kernel` is not 4-D, square,
            of a size that is a multiple of `strides` and of the dtype of
            `inputs`, or the channels of `inputs` and `kernel` differ.
    """
    _check_strides(strides)
    _check_static_map("inputs", inputs)
    if len(kernel.shape) != 4:
        raise ValueError(
            f"`kernel` must be (size, size, out_channels, in_channels); "
            f"received shape {tuple(kernel.shape)}."
        )
    if kernel.dtype != inputs.dtype:
        raise ValueError(
            f"`kernel` must have the dtype of `inputs`, {inputs.dtype.name}; "
            f"received {kernel.dtype.name}."
        )
    kernel_size, kernel_width, _, in_channels = kernel.shape
    if kernel_size != kernel_width or kernel_size % strides:
        raise ValueError(
            f"`kernel` must be square with a size that is a multiple of "
            f"`strides`; received a {kernel_size}x{kernel_width} kernel, "
            f"strides={strides}."
        )
    channels = inputs.shape[-1]
    if channels != in_channels:
        raise ValueError(
            f"`inputs` has {channels} channels, `kernel` expects {in_channels}."
        )
    return _conv_transpose(inputs, kernel, strides, overlap_add=True)


def _kernel_grad(inputs, out_backprop, kernel, strides, matmul):
    """The kernel gradient of a "same"-padded convolution of `inputs`.

    `strided_filter_grad` where `matmul`, else TensorFlow's
    `Conv2DBackpropFilter`.
    """
    if matmul:
        return strided_filter_grad(
            inputs, out_backprop, kernel.shape[0], strides
        )
    return tf.raw_ops.Conv2DBackpropFilter(
        input=inputs,
        filter_sizes=tf.shape(kernel),
        out_backprop=out_backprop,
        strides=[1, strides, strides, 1],
        padding="SAME",
    )


def _conv_transpose(inputs, kernel, strides, overlap_add, matmul_grad=False):
    """A "same"-padded strided transposed convolution, with its gradients.

    The forward pass is `_overlap_add` where `overlap_add`, else
    TensorFlow's op. The gradients are those of a transposed convolution:
    a convolution of the output gradient (to the input) and the kernel
    gradient of that convolution (`_kernel_grad`, via matrix products where
    `matmul_grad`). Both are differentiable again (R1).
    """

    @tf.custom_gradient
    def transposed(x, w):
        if overlap_add:
            y = _overlap_add(x, w, strides)
        else:
            _, height, width, _ = x.shape
            output_shape = [
                tf.shape(x)[0],
                height * strides,
                width * strides,
                w.shape[2],
            ]
            y = tf.nn.conv2d_transpose(x, w, output_shape, strides, "SAME")

        def grad(dy):
            dx = tf.nn.conv2d(dy, w, [1, strides, strides, 1], "SAME")
            return dx, _kernel_grad(dy, x, w, strides, matmul_grad)

        return y, grad

    return transposed(inputs, kernel)


def _overlap_add(inputs, kernel, strides):
    """`strided_conv_transpose`'s forward pass: a product, an overlap-add."""
    kernel_size, _, out_channels, in_channels = kernel.shape
    batch, height, width, _ = inputs.shape
    batch = -1 if batch is None else batch
    taps = kernel_size // strides
    block = strides * strides * out_channels
    # Kernel rows and columns are (tap, row in block): the product's columns
    # are (tap row, tap column, row in block, column in block, channel).
    weights = tf.reshape(
        kernel, [taps, strides, taps, strides, out_channels, in_channels]
    )
    weights = tf.reshape(
        tf.transpose(weights, [5, 0, 2, 1, 3, 4]),
        [in_channels, taps * taps * block],
    )
    patches = tf.matmul(tf.reshape(inputs, [-1, in_channels]), weights)
    patches = tf.reshape(
        tf.cast(patches, tf.float32), [batch, height, width, taps * taps, block]
    )
    # Tap (a, b) of input block (i, j) lands in output block (i + a, j + b)
    # of the padded output.
    per_tap = tf.unstack(patches, axis=3)
    blocks = tf.add_n(
        [
            tf.pad(
                per_tap[a * taps + b],
                [[0, 0], [a, taps - 1 - a], [b, taps - 1 - b], [0, 0]],
            )
            for a in range(taps)
            for b in range(taps)
        ]
    )
    outputs = tf.cast(blocks, inputs.dtype)
    if strides > 1:
        outputs = tf.nn.depth_to_space(outputs, strides)
    top = (kernel_size - strides) // 2
    return outputs[
        :, top : top + strides * height, top : top + strides * width, :
    ]


def _matmul_shapes(layer, input_shape, dtypes) -> bool:
    """The conditions every matrix-product path of this module shares.

    A layer of this module computing in one of `dtypes` on the TensorFlow
    backend with no GPU or TPU visible, a square kernel a multiple of its
    stride (above 1), "same" padding, channels last, no dilation, groups or
    output padding, and a static input shape.
    """
    kernel, stride = layer.kernel_size, layer.strides
    if not (
        keras.backend.backend() == "tensorflow"
        and layer.compute_dtype in dtypes
        and layer.padding == "same"
        and layer.data_format == "channels_last"
        and tuple(layer.dilation_rate) == (1, 1)
        and getattr(layer, "groups", 1) == 1
        and getattr(layer, "output_padding", None) is None
        and kernel[0] == kernel[1]
        and stride[0] == stride[1] > 1
        and kernel[0] % stride[0] == 0
        and len(input_shape) == 4
        and None not in tuple(input_shape)[1:]
    ):
        return False
    return not (
        tf.config.list_logical_devices("GPU")
        or tf.config.list_logical_devices("TPU")
    )


def uses_matmul_filter_grad(layer, input_shape) -> bool:
    """Whether `layer` back-propagates to its kernel via matrix products.

    True for a `Conv2D` or `Conv2DTranspose` of this module computing in
    bfloat16 on the TensorFlow backend with no GPU or TPU visible, with a
    square kernel a multiple of its stride (above 1), "same" padding,
    channels last, no dilation or groups, and static shapes for which the
    product is measured faster: at most `MAX_OUTPUT_PIXELS` pixels on the
    small side of the convolution and at least `MIN_WINDOW` values in a
    kernel window on the large side.

    Args:
        layer: a `Conv2D` or `Conv2DTranspose` of this module.
        input_shape: tuple. The layer's input shape, `(batch, height, width,
            channels)`.

    Returns:
        bool.
    """
    if not _matmul_shapes(layer, input_shape, ("bfloat16",)):
        return False
    kernel, stride = layer.kernel_size, layer.strides
    _, height, width, channels = input_shape
    if isinstance(layer, Conv2DTranspose):
        # The equivalent convolution runs from the output (large) to the
        # input (small).
        small, window_channels = height * width, layer.filters
    else:
        out_height, _ = _same_padding(height, kernel[0], stride[0])
        out_width, _ = _same_padding(width, kernel[0], stride[0])
        small, window_channels = out_height * out_width, channels
    return (
        small <= MAX_OUTPUT_PIXELS
        and kernel[0] * kernel[1] * window_channels >= MIN_WINDOW
    )


def uses_matmul_conv_transpose(layer, input_shape) -> bool:
    """Whether `layer` trains through `strided_conv_transpose`.

    It computes the forward pass, in training, of a `Conv2DTranspose` with
    at most `MAX_FEW_CHANNELS` filters, and the input gradient of a
    `Conv2D` with at most `MAX_FEW_CHANNELS` input channels and a height
    and width that are multiples of the stride. True for such a layer of
    this module computing in float32 or bfloat16 on the
    TensorFlow backend with no GPU or TPU visible, with a square kernel a
    multiple of its stride (above 1), "same" padding, channels last, no
    dilation or groups, and a static input shape.

    Args:
        layer: a `Conv2D` or `Conv2DTranspose` of this module.
        input_shape: tuple. The layer's input shape, `(batch, height, width,
            channels)`.

    Returns:
        bool.
    """
    if not _matmul_shapes(layer, input_shape, ("float32", "bfloat16")):
        return False
    if isinstance(layer, Conv2DTranspose):
        return layer.filters <= MAX_FEW_CHANNELS
    _, height, width, channels = input_shape
    stride = layer.strides[0]
    return (
        channels <= MAX_FEW_CHANNELS
        and height % stride == 0
        and width % stride == 0
    )


@keras.saving.register_keras_serializable(package="keras_dcgan")
class Conv2D(keras.layers.Conv2D):
    """Keras's `Conv2D`, with faster gradients on CPUs.

    The same arguments, weights and outputs as `keras.layers.Conv2D`.
    Where `uses_matmul_filter_grad` holds (bfloat16, strided, small output
    map, many channels, no GPU), the gradient with respect to the kernel is
    computed by `strided_filter_grad` (matrix products) instead of
    oneDNN's `Conv2DBackpropFilter`. Where `uses_matmul_conv_transpose`
    holds (at most 4 input channels, an image), the gradient with respect
    to the input is computed by `strided_conv_transpose` instead of
    `Conv2DBackpropInput`. Higher-order gradients (R1) pass through both.

    Input shape: `(batch, height, width, channels)`.
    Output shape: `(batch, new_height, new_width, filters)`.
    """

    def convolution_op(self, inputs, kernel):
        input_shape = tuple(inputs.shape)
        filter_grad = uses_matmul_filter_grad(self, input_shape)
        input_grad = uses_matmul_conv_transpose(self, input_shape)
        if not (filter_grad or input_grad):
            return super().convolution_op(inputs, kernel)
        stride = self.strides[0]

        @tf.custom_gradient
        def convolution(x, w):
            def grad(dy):
                if input_grad:
                    dx = strided_conv_transpose(dy, w, stride)
                else:
                    dx = tf.raw_ops.Conv2DBackpropInput(
                        input_sizes=tf.shape(x),
                        filter=w,
                        out_backprop=dy,
                        strides=[1, stride, stride, 1],
                        padding="SAME",
                    )
                return dx, _kernel_grad(x, dy, w, stride, filter_grad)

            return super(Conv2D, self).convolution_op(x, w), grad

        return convolution(inputs, tf.cast(kernel, inputs.dtype))


@keras.saving.register_keras_serializable(package="keras_dcgan")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """Keras's `Conv2DTranspose`, faster to train on CPUs.

    The same arguments, weights and outputs as
    `keras.layers.Conv2DTranspose`. Where `uses_matmul_filter_grad` holds,
    the gradient with respect to the kernel is computed by
    `strided_filter_grad` on the equivalent convolution (from this layer's
    output to its input) instead of oneDNN's `Conv2DBackpropFilter`; the
    gradient with respect to the input is TensorFlow's own. Where
    `uses_matmul_conv_transpose` holds (at most 4 filters: an image layer),
    the forward pass in training is `strided_conv_transpose`; in inference
    (`training` false or unset, as in every export) it is Keras's op.

    Input shape: `(batch, height, width, channels)`.
    Output shape: `(batch, height * strides, width * strides, filters)`.
    """

    def call(self, inputs, training=None):
        input_shape = tuple(inputs.shape)
        overlap_add = bool(training) and uses_matmul_conv_transpose(
            self, input_shape
        )
        matmul_grad = uses_matmul_filter_grad(self, input_shape)
        if not (overlap_add or matmul_grad):
            return super().call(inputs)
        outputs = _conv_transpose(
            inputs,
            tf.cast(self.kernel, inputs.dtype),
            self.strides[0],
            overlap_add=overlap_add,
            matmul_grad=matmul_grad,
        )
        if self.use_bias:
            outputs = outputs + tf.cast(self.bias, outputs.dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs
