"""The DCGAN building blocks that the generator and discriminator share.

Each block is a function that adds named Keras layers to a functional graph,
so a network's `summary()` reads as the paper's architecture table:

- `activation_layer`: relu, leaky_relu, sigmoid, tanh or linear, by name.
- `normalization_layer`: batch, layer or no normalization, by name.
- `upsample_block`: doubles the resolution with a transposed convolution or
  with nearest/bilinear upsampling followed by a convolution.
- `downsample_block`: halves the resolution with a strided convolution or
  with a stride-1 convolution followed by max or average pooling.
- `BatchNormalization`: Keras's batch norm, trained with TensorFlow's fused
  kernel.
- `LeakyReLU`: Keras's leaky ReLU, back-propagated from its output, so that
  TensorFlow fuses it into the convolution before it.
- The convolutions are `convolution.Conv2D` and `convolution.Conv2DTranspose`:
  Keras's layers, with a faster bfloat16 kernel gradient on CPUs.
- `MinibatchStddev`: the minibatch standard deviation feature map.
- `doubling_steps`: how many doublings lead from a small base to an image
  size.

Reference:
    Radford, Metz and Chintala, "Unsupervised Representation Learning with
    Deep Convolutional Generative Adversarial Networks", ICLR 2016.
    https://arxiv.org/abs/1511.06434
    Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts",
    Distill 2016. https://distill.pub/2016/deconv-checkerboard/
"""

import contextlib

import keras
import tensorflow as tf

from keras_dcgan.checks import check_choice
from keras_dcgan.checks import check_positive_int  # noqa: F401
from keras_dcgan.checks import doubling_steps  # noqa: F401
from keras_dcgan.checks import is_integer
from keras_dcgan.models import convolution
from keras_dcgan.options import ACTIVATIONS
from keras_dcgan.options import DOWNSAMPLING_MODES
from keras_dcgan.options import NORMALIZATIONS
from keras_dcgan.options import PADDINGS
from keras_dcgan.options import UPSAMPLING_MODES

# The paper initialises every weight from N(0, 0.02) and batch-norm scales
# from N(1, 0.02); PyTorch's reference DCGAN does the same.
WEIGHT_STDDEV = 0.02


def conv_output_size(
    size: int, kernel_size: int, strides: int, padding: str
) -> int:
    """Spatial output size of a convolution, as Keras computes it.

    `"same"` padding gives `ceil(size / strides)`; `"valid"` padding gives
    `floor((size - kernel_size) / strides) + 1`.

    Args:
        size: int. Input height or width.
        kernel_size: int. Kernel height or width.
        strides: int. The stride.
        padding: str. `"same"` or `"valid"`.

    Returns:
        The output height or width.

    Example:
    >>> conv_output_size(64, kernel_size=4, strides=2, padding="same")
    32
    >>> conv_output_size(64, kernel_size=4, strides=2, padding="valid")
    31
    """
    check_choice("padding", padding, PADDINGS)
    if padding == "same":
        return -(-size // strides)
    return (size - kernel_size) // strides + 1


def weight_initializer() -> keras.initializers.Initializer:
    """The paper's N(0, 0.02) initializer for convolution and dense kernels.

    Returns:
        A `keras.initializers.RandomNormal`.
    """
    return keras.initializers.RandomNormal(mean=0.0, stddev=WEIGHT_STDDEV)


@contextlib.contextmanager
def dtype_policy_scope(dtype):
    """Makes `dtype` the default policy of the layers created inside.

    A network passes its `dtype` constructor argument here, so that
    `Generator(dtype="mixed_bfloat16")` computes in bfloat16 whatever the
    global policy is, and a saved mixed-precision model loads as one.

    Args:
        dtype: str, dict, `keras.DTypePolicy` or None. None keeps the global
            policy.

    Example:
    >>> with dtype_policy_scope("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(2)
    >>> layer.compute_dtype
    'bfloat16'
    """
    if dtype is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(keras.dtype_policies.get(dtype))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def activation_layer(
    activation: str,
    leaky_relu_slope: float = 0.2,
    name: str | None = None,
    dtype: str | None = None,
) -> keras.layers.Layer:
    """Builds an activation layer by name.

    Args:
        activation: str. One of `"relu"`, `"leaky_relu"`, `"sigmoid"`,
            `"tanh"` or `"linear"`.
        leaky_relu_slope: float. Slope for negative inputs of
            `"leaky_relu"`. Defaults to 0.2, the paper's value.
        name: str or None. The layer's name. Defaults to None.
        dtype: str or None. The layer's dtype policy; `"float32"` keeps an
            output in full precision under mixed precision. Defaults to None
            (the global policy).

    Returns:
        A Keras layer.

    Example:
    >>> layer = activation_layer("leaky_relu", leaky_relu_slope=0.1)
    """
    check_choice("activation", activation, ACTIVATIONS)
    if activation == "leaky_relu":
        return LeakyReLU(
            negative_slope=leaky_relu_slope, name=name, dtype=dtype
        )
    return keras.layers.Activation(activation, name=name, dtype=dtype)


def normalization_layer(
    normalization: str, name: str | None = None, synchronized: bool = False
) -> keras.layers.Layer | None:
    """Builds the normalization layer that follows a convolution.

    Args:
        normalization: str. `"batch"` (the paper's), `"layer"` (suits WGAN-GP
            critics, whose gradient penalty assumes independent samples),
            `"spectral"` or `"none"`. Spectral normalization wraps the
            convolution instead (see `maybe_spectral`), so it adds no layer
            here.
        name: str or None. The layer's name. Defaults to None.
        synchronized: bool. Batch statistics over all replicas of a
            distribution strategy. Defaults to False.

    Returns:
        A Keras layer, or None when no layer follows the convolution.

    Example:
    >>> layer = normalization_layer("batch")
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    if normalization == "batch":
        return BatchNormalization(
            gamma_initializer=keras.initializers.RandomNormal(
                mean=1.0, stddev=WEIGHT_STDDEV
            ),
            synchronized=synchronized,
            name=name,
        )
    if normalization == "layer":
        return keras.layers.LayerNormalization(name=name)
    return None


def maybe_spectral(
    layer: keras.layers.Layer, normalization: str
) -> keras.layers.Layer:
    """Wraps `layer` in spectral normalization when that is the choice.

    Args:
        layer: keras.layers.Layer. A convolution or dense layer.
        normalization: str. The network's normalization choice.

    Returns:
        `layer` itself, or a `keras.layers.SpectralNormalization` around it.
    """
    if normalization == "spectral":
        return keras.layers.SpectralNormalization(
            layer, name=layer.name + "_sn"
        )
    return layer


def _normalize_and_activate(
    x,
    *,
    normalization: str,
    activation: str,
    leaky_relu_slope: float,
    synchronized: bool,
    name: str,
):
    norm = normalization_layer(
        normalization, name=f"{name}_norm", synchronized=synchronized
    )
    if norm is not None:
        x = norm(x)
    return activation_layer(activation, leaky_relu_slope, name=f"{name}_act")(x)


def upsample_block(
    x,
    filters: int,
    *,
    mode: str = "transposed",
    kernel_size: int = 4,
    normalization: str = "batch",
    activation: str = "relu",
    leaky_relu_slope: float = 0.2,
    synchronized: bool = False,
    name: str = "up",
):
    """Doubles the height and width of `x`, then normalizes and activates.

    `"transposed"` is the paper's stride-2 `Conv2DTranspose`. `"nearest"` and
    `"bilinear"` resize first and then apply a stride-1 convolution: every
    output pixel then sees the same number of kernel taps, which avoids the
    checkerboard artifacts of transposed convolutions whose kernel size is not
    divisible by the stride.

    Args:
        x: tensor. A NHWC feature map.
        filters: int. Output channels.
        mode: str. `"transposed"`, `"nearest"` or `"bilinear"`. Defaults to
            `"transposed"`.
        kernel_size: int. Convolution kernel size. Defaults to 4.
        normalization: str. See `normalization_layer`. Defaults to `"batch"`.
        activation: str. See `activation_layer`. Defaults to `"relu"`.
        leaky_relu_slope: float. Defaults to 0.2.
        synchronized: bool. Synchronized batch normalization. Defaults to
            False.
        name: str. Prefix of the block's layer names. Defaults to `"up"`.

    Returns:
        The output tensor, twice as high and wide as `x`.

    Example:
    >>> inputs = keras.Input((7, 7, 32))
    >>> outputs = upsample_block(inputs, 16, mode="nearest")
    >>> tuple(outputs.shape)
    (None, 14, 14, 16)
    """
    x = upsample_conv(x, filters, mode, kernel_size, normalization, name)
    return _normalize_and_activate(
        x,
        normalization=normalization,
        activation=activation,
        leaky_relu_slope=leaky_relu_slope,
        synchronized=synchronized,
        name=name,
    )


def upsample_conv(
    x, filters: int, mode: str, kernel_size: int, normalization: str, name: str
):
    """The resolution-doubling convolution of `upsample_block` alone.

    The generator's last stage uses it directly: the image needs a bias and
    an output activation but no normalization.

    Args:
        x: tensor. A NHWC feature map.
        filters: int. Output channels.
        mode: str. `"transposed"`, `"nearest"` or `"bilinear"`.
        kernel_size: int. Convolution kernel size.
        normalization: str. The network's normalization; a bias is added only
            when no normalization with its own offset follows.
        name: str. Prefix of the layer names.

    Returns:
        The output tensor, twice as high and wide as `x`.
    """
    check_choice("upsampling", mode, UPSAMPLING_MODES)
    use_bias = normalization in ("none", "spectral")
    if mode == "transposed":
        conv = convolution.Conv2DTranspose(
            filters,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=weight_initializer(),
            name=f"{name}_conv",
        )
    else:
        x = keras.layers.UpSampling2D(
            2, interpolation=mode, name=f"{name}_resize"
        )(x)
        conv = convolution.Conv2D(
            filters,
            kernel_size,
            strides=1,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=weight_initializer(),
            name=f"{name}_conv",
        )
    return maybe_spectral(conv, normalization)(x)


def downsample_block(
    x,
    filters: int,
    *,
    mode: str = "strided",
    kernel_size: int = 4,
    normalization: str = "batch",
    activation: str = "leaky_relu",
    leaky_relu_slope: float = 0.2,
    dropout: float = 0.0,
    synchronized: bool = False,
    name: str = "down",
):
    """Halves the height and width of `x`, then normalizes and activates.

    `"strided"` is the paper's stride-2 convolution, which learns its own
    downsampling. `"max_pool"` and `"avg_pool"` apply a stride-1 convolution
    and then a fixed 2x2 pooling.

    Args:
        x: tensor. A NHWC feature map with even height and width.
        filters: int. Output channels.
        mode: str. `"strided"`, `"max_pool"` or `"avg_pool"`. Defaults to
            `"strided"`.
        kernel_size: int. Convolution kernel size. Defaults to 4.
        normalization: str. See `normalization_layer`. Defaults to `"batch"`.
        activation: str. See `activation_layer`. Defaults to `"leaky_relu"`.
        leaky_relu_slope: float. Defaults to 0.2.
        dropout: float. Dropout rate after the activation. Defaults to 0.
        synchronized: bool. Synchronized batch normalization. Defaults to
            False.
        name: str. Prefix of the block's layer names. Defaults to `"down"`.

    Returns:
        The output tensor, half as high and wide as `x`.

    Example:
    >>> inputs = keras.Input((28, 28, 1))
    >>> outputs = downsample_block(inputs, 8, mode="avg_pool")
    >>> tuple(outputs.shape)
    (None, 14, 14, 8)
    """
    check_choice("downsampling", mode, DOWNSAMPLING_MODES)
    return _conv_stage(
        x,
        filters,
        kernel_size=kernel_size,
        strides=2 if mode == "strided" else 1,
        pool=mode if mode != "strided" else None,
        normalization=normalization,
        activation=activation,
        leaky_relu_slope=leaky_relu_slope,
        dropout=dropout,
        synchronized=synchronized,
        name=name,
    )


def conv_block(
    x,
    filters: int,
    *,
    kernel_size: int = 3,
    normalization: str = "batch",
    activation: str = "leaky_relu",
    leaky_relu_slope: float = 0.2,
    dropout: float = 0.0,
    synchronized: bool = False,
    name: str = "conv",
):
    """A stride-1 convolution that keeps the size of `x`, then normalizes
    and activates: a stage without resampling.

    Args:
        x: tensor. A NHWC feature map.
        filters: int. Output channels.
        kernel_size: int. Convolution kernel size; odd sizes keep the map
            centred ("same" padding). Defaults to 3.
        normalization: str. See `normalization_layer`. Defaults to `"batch"`.
        activation: str. See `activation_layer`. Defaults to `"leaky_relu"`.
        leaky_relu_slope: float. Defaults to 0.2.
        dropout: float. Dropout rate after the activation. Defaults to 0.
        synchronized: bool. Synchronized batch normalization. Defaults to
            False.
        name: str. Prefix of the block's layer names. Defaults to `"conv"`.

    Returns:
        The output tensor, as high and wide as `x`, with `filters` channels.

    Example:
    >>> inputs = keras.Input((7, 7, 64))
    >>> tuple(conv_block(inputs, 64).shape)
    (None, 7, 7, 64)
    """
    return _conv_stage(
        x,
        filters,
        kernel_size=kernel_size,
        strides=1,
        pool=None,
        normalization=normalization,
        activation=activation,
        leaky_relu_slope=leaky_relu_slope,
        dropout=dropout,
        synchronized=synchronized,
        name=name,
    )


def _conv_stage(
    x,
    filters,
    *,
    kernel_size,
    strides,
    pool,
    normalization,
    activation,
    leaky_relu_slope,
    dropout,
    synchronized,
    name,
):
    """A "same"-padded convolution, optional 2x2 pooling (`"max_pool"` or
    `"avg_pool"`), normalization, activation and dropout: the layers of
    `downsample_block` and `conv_block`."""
    conv = convolution.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=normalization in ("none", "spectral"),
        kernel_initializer=weight_initializer(),
        name=f"{name}_conv",
    )
    x = maybe_spectral(conv, normalization)(x)
    if pool == "max_pool":
        x = keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)
    elif pool == "avg_pool":
        x = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(x)
    x = _normalize_and_activate(
        x,
        normalization=normalization,
        activation=activation,
        leaky_relu_slope=leaky_relu_slope,
        synchronized=synchronized,
        name=name,
    )
    if dropout:
        x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return x


@keras.saving.register_keras_serializable(package="keras_dcgan")
class BatchNormalization(keras.layers.BatchNormalization):
    """Keras's batch normalization, trained with TensorFlow's fused kernel.

    The same layer, arguments, weights and results as
    `keras.layers.BatchNormalization` (Ioffe and Szegedy 2015). In training,
    on 4-D channels-last float32, bfloat16 or float16 inputs, it computes
    the batch statistics and the normalization in one `FusedBatchNormV3` op
    and back-propagates through one `FusedBatchNormGradV3` (oneDNN's kernels
    where TensorFlow's oneDNN is on), where Keras runs about a dozen
    element-wise ops each way: 6-10% more images a second for the `mnist`
    networks and 4-8% for the 64x64 ones on a 2-core AVX-512 CPU
    (docs/performance.md). The statistics and the normalization are
    computed in float32, as Keras does (bfloat16 inputs enter the kernel as
    they are and are computed in float32 inside it, two casts fewer). The
    moving mean and variance are updated as Keras updates them, with the
    biased batch variance, the one the normalization uses.

    Inference, a mask, `synchronized=True`, `renorm=True`, another rank,
    axis or dtype, and other Keras backends take Keras's own path, so
    exported models hold no fused op. It takes the arguments of
    `keras.layers.BatchNormalization`.

    Input shape: any; `(batch, height, width, channels)` for the fused path.
    Output shape: the input's.

    Example:
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(3, 2, (8, 4, 4, 2)).astype("f")
    >>> y = BatchNormalization()(x, training=True)
    >>> [round(float(v), 3) for v in np.std(y, axis=(0, 1, 2))]
    [1.0, 1.0]

    Reference:
        Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network
        Training by Reducing Internal Covariate Shift", ICML 2015.
        https://arxiv.org/abs/1502.03167
    """

    def call(self, inputs, training=None, mask=None):
        if not (
            training
            and self.trainable
            and mask is None
            and not self.synchronized
            and not self.renorm
            and keras.backend.backend() == "tensorflow"
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and inputs.dtype in (tf.float32, tf.bfloat16, tf.float16)
        ):
            return super().call(inputs, training=training, mask=mask)
        # bfloat16 goes in as it is (the kernel computes in float32 inside
        # and gives the same results as a cast, with two fewer ops).
        x = (
            inputs
            if inputs.dtype == tf.bfloat16
            else tf.cast(inputs, tf.float32)
        )
        channels = x.shape[-1]
        scale = self.gamma if self.scale else tf.ones([channels])
        offset = self.beta if self.center else tf.zeros([channels])
        empty = tf.zeros([0], tf.float32)
        outputs, mean, variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=x,
            scale=tf.cast(scale, tf.float32),
            offset=tf.cast(offset, tf.float32),
            mean=empty,
            variance=empty,
            epsilon=self.epsilon,
            data_format="NHWC",
            is_training=True,
        )
        # The kernel returns the unbiased batch variance, n / (n - 1) times
        # the biased one it normalizes with (and 0 for n = 1); Keras's
        # moving variance averages the biased one.
        count = tf.cast(tf.size(x) // channels, tf.float32)
        variance *= tf.maximum(count - 1.0, 1.0) / count
        momentum = self.momentum
        self.moving_mean.assign(
            tf.cast(self.moving_mean, tf.float32) * momentum
            + mean * (1.0 - momentum)
        )
        self.moving_variance.assign(
            tf.cast(self.moving_variance, tf.float32) * momentum
            + variance * (1.0 - momentum)
        )
        return tf.cast(outputs, self.compute_dtype)


@keras.saving.register_keras_serializable(package="keras_dcgan")
class LeakyReLU(keras.layers.LeakyReLU):
    """Keras's leaky ReLU, back-propagated from its output in training.

    `y = x` for `x > 0`, else `negative_slope * x` (Maas et al. 2013), with
    the same arguments, outputs and gradients as `keras.layers.LeakyReLU`.
    In training on the TensorFlow backend its gradient is computed from
    the output `y` instead of the input `x`: for a slope of 0 or more, `y`
    is positive exactly where `x` is, so `LeakyReluGrad(dy, y)` gives the
    same values, bit for bit. The pre-activation is then used by nothing
    but the activation, and TensorFlow's graph optimizer fuses
    convolution, bias and activation into one oneDNN kernel
    (`_FusedConv2D` with a LeakyRelu post-op) instead of a separate
    element-wise pass over the map, in the forward pass of training as it
    already does in inference. In the `mnist` discriminator that removes
    the separate pass over the first layer's 14x14x64 map, which in
    bfloat16 costs 2-3x what it does in float32 (docs/performance.md).

    Inference and other Keras backends take Keras's own path, so exported
    models are unchanged.

    Input shape: any. Output shape: the input's. Dtype: the layer's compute
    dtype (float32, bfloat16 or float16).

    Example:
    >>> import numpy as np
    >>> layer = LeakyReLU(negative_slope=0.2)
    >>> y = layer(np.array([-1.0, 2.0], "float32"), training=True)
    >>> [round(float(v), 3) for v in y]
    [-0.2, 2.0]

    Reference:
        Maas, Hannun and Ng, "Rectifier Nonlinearities Improve Neural
        Network Acoustic Models", ICML 2013 workshop.
    """

    def call(self, inputs, training=None):
        if not (training and keras.backend.backend() == "tensorflow"):
            return super().call(inputs)
        # Keras allows slopes of 0 or more only, for which y > 0 iff x > 0.
        slope = float(self.negative_slope)

        @tf.custom_gradient
        def leaky_relu(x):
            # stop_gradient: an outer tape (R1's) would otherwise also
            # record the op itself and back-propagate zeros through it
            # with the input, keeping the pre-activation alive.
            y = tf.nn.leaky_relu(tf.stop_gradient(x), alpha=slope)

            def grad(dy):
                return tf.raw_ops.LeakyReluGrad(
                    gradients=dy, features=y, alpha=slope
                )

            return y, grad

        return leaky_relu(tf.convert_to_tensor(inputs))


@keras.saving.register_keras_serializable(package="keras_dcgan")
class MinibatchStddev(keras.layers.Layer):
    """Appends the minibatch standard deviation as one more feature map.

    The batch is split into groups of `group_size` images (image `i` joins
    group `i mod (batch / group_size)`, as in StyleGAN's implementation).
    Within each group the standard deviation of every feature is taken
    over the group's images, averaged over height, width and channels,
    and the resulting scalar is appended to each of the group's images as
    a constant map. A discriminator that sees how alike the images of a
    batch are can penalize a generator that makes them too alike, which
    raises the variety (recall) of the samples.

    A batch that `group_size` does not divide, and a batch smaller than
    it, is one group. Under a distribution strategy each replica groups
    its own images, as batch normalization without synchronization does.
    The statistic is computed in float32 and cast back to the layer's
    compute dtype.

    Args:
        group_size: int >= 2. Images per group. Defaults to 4.
        **kwargs: Standard layer arguments such as `name` and `dtype`.

    Input shape: `(batch, height, width, channels)`.
    Output shape: `(batch, height, width, channels + 1)`; the new channel
    is >= 0, one value per group.

    Raises:
        ValueError: A `group_size` that is not an int >= 2.

    Example:
    >>> import numpy as np
    >>> x = np.stack([np.zeros((2, 2, 1)), np.ones((2, 2, 1))]).astype("f")
    >>> y = MinibatchStddev(group_size=2)(x)
    >>> tuple(y.shape), round(float(y[0, 0, 0, 1]), 3)
    ((2, 2, 2, 2), 0.5)

    Reference:
        Karras et al., "Progressive Growing of GANs for Improved Quality,
        Stability, and Variation", ICLR 2018, Section 3.
        https://arxiv.org/abs/1710.10196
    """

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        if not is_integer(group_size) or group_size < 2:
            raise ValueError(
                "`group_size` must be an int >= 2 (a group of one image has "
                f"no spread); received {group_size!r}."
            )
        self.group_size = int(group_size)

    def call(self, x):
        ops = keras.ops
        batch = ops.shape(x)[0]
        height, width, channels = x.shape[1:]
        group = ops.minimum(self.group_size, batch)
        group = ops.where(ops.equal(batch % group, 0), group, batch)
        y = ops.reshape(
            ops.cast(x, "float32"), (group, -1, height, width, channels)
        )
        y = y - ops.mean(y, axis=0, keepdims=True)
        y = ops.sqrt(ops.mean(ops.square(y), axis=0) + 1e-8)
        y = ops.mean(y, axis=(1, 2, 3), keepdims=True)
        y = ops.tile(ops.cast(y, x.dtype), (group, height, width, 1))
        return ops.concatenate([x, y], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}
