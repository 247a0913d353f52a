"""The DCGAN generator: a latent vector in, an image in [-1, 1] out."""

import keras

from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_number
from keras_dcgan.models import blocks
from keras_dcgan.models import conditioning
from keras_dcgan.models.base import Network


@keras.saving.register_keras_serializable(package="keras_dcgan")
class Generator(Network):
    """DCGAN generator: projects a latent vector and upsamples it to an image.

    A dense projection makes a `base_size x base_size` feature map, which each
    upsampling stage doubles while halving the channels, until the last stage
    outputs `channels` channels through `output_activation`. Following the
    paper, every stage except the output is batch-normalized.

    With `filters=64` a 64x64 generator has the paper's widths: 4x4x512,
    8x8x256, 16x16x128, 32x32x64, then the 64x64 image.

    Args:
        latent_dim: int. Size of the latent (noise) vector. Defaults to 100.
        image_size: int. Height and width of the square output image; must be
            `base_size * 2**k` for some k >= 1. Defaults to 64.
        channels: int. Image channels, 1 (grayscale) or 3 (RGB). Defaults
            to 3.
        filters: int. Channels of the last hidden stage; each stage closer to
            the base has twice as many. Defaults to 64.
        base_size: int or None. Height and width of the projected feature map.
            `None` halves `image_size` down to the smallest size of at least 4
            (7 for 28x28, 4 for 32, 64 and 128). Defaults to None.
        kernel_size: int. Kernel size of every convolution. Defaults to 4.
        upsampling: str. `"transposed"` (the paper's Conv2DTranspose),
            `"nearest"` or `"bilinear"` (resize then convolve, free of
            checkerboard artifacts). Defaults to `"transposed"`.
        activation: str. Hidden activation: `"relu"`, `"leaky_relu"`,
            `"sigmoid"`, `"tanh"` or `"linear"`. Defaults to `"relu"`.
        output_activation: str. Activation of the image: `"tanh"` gives the
            [-1, 1] range that the data pipeline produces. Defaults to
            `"tanh"`.
        normalization: str. Normalization of hidden stages: `"batch"`,
            `"layer"`, `"spectral"` or `"none"`. Defaults to `"batch"`.
        leaky_relu_slope: float. Negative slope when `activation` is
            `"leaky_relu"`. Defaults to 0.2.
        synchronized_batch_norm: bool. Batch statistics over all replicas
            under a distribution strategy. Defaults to False.
        num_classes: int or None. Number of classes of a class-conditional
            generator, which takes a second input `labels` (int32
            `(batch,)`) and joins the label's encoding to the latent vector.
            None builds the unconditional generator. Defaults to None.
        label_embedding_dim: int or None. Size of the learned label
            embedding of a conditional generator; None encodes the label
            one-hot. Only for a conditional generator. Defaults to None.
        **kwargs: Standard `keras.Model` arguments such as `name` and `dtype`.

    Raises:
        ValueError: An argument out of its range or choices, an
            `image_size` that `base_size` does not reach by doublings, or
            `label_embedding_dim` without `num_classes` (it would do
            nothing).

    Example:
    >>> generator = Generator(latent_dim=100, image_size=28, channels=1)
    >>> images = generator(keras.random.normal((2, 100)), training=False)
    >>> tuple(images.shape)
    (2, 28, 28, 1)

    A class-conditional generator takes latents and labels:

    >>> generator = Generator(100, 28, 1, num_classes=10)
    >>> latents, labels = keras.random.normal((2, 100)), keras.ops.array([3, 7])
    >>> tuple(generator([latents, labels], training=False).shape)
    (2, 28, 28, 1)

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", 2015.
        https://arxiv.org/abs/1511.06434
        Mirza and Osindero, "Conditional Generative Adversarial Nets", 2014
        (the label joined to the noise). https://arxiv.org/abs/1411.1784
    """

    CONDITIONAL_ONLY = ("label_embedding_dim",)

    def __init__(
        self,
        latent_dim=100,
        image_size=64,
        channels=3,
        filters=64,
        base_size=None,
        kernel_size=4,
        upsampling="transposed",
        activation="relu",
        output_activation="tanh",
        normalization="batch",
        leaky_relu_slope=0.2,
        synchronized_batch_norm=False,
        num_classes=None,
        label_embedding_dim=None,
        **kwargs,
    ):
        # Python ints from here on: Keras layers refuse np.int64 sizes.
        latent_dim = blocks.check_positive_int("latent_dim", latent_dim)
        channels = blocks.check_positive_int("channels", channels)
        filters = blocks.check_positive_int("filters", filters)
        kernel_size = blocks.check_positive_int("kernel_size", kernel_size)
        image_size = blocks.check_positive_int("image_size", image_size)
        if base_size is not None:
            base_size = blocks.check_positive_int("base_size", base_size)
        blocks.check_choice("upsampling", upsampling, blocks.UPSAMPLING_MODES)
        blocks.check_choice("activation", activation, blocks.ACTIVATIONS)
        blocks.check_choice(
            "output_activation", output_activation, blocks.ACTIVATIONS
        )
        blocks.check_choice(
            "normalization", normalization, blocks.NORMALIZATIONS
        )
        # Keras's LeakyReLU compares the slope with 0 (a str fails there,
        # NaN passes), and any truthy string would synchronize batch norm.
        leaky_relu_slope = check_number(
            "leaky_relu_slope", leaky_relu_slope, ">= 0"
        )
        check_bool("synchronized_batch_norm", synchronized_batch_norm)
        num_classes = conditioning.check_num_classes(num_classes)
        conditioning.check_conditional_only(
            "label_embedding_dim", label_embedding_dim, None, num_classes
        )
        if label_embedding_dim is not None:
            label_embedding_dim = blocks.check_positive_int(
                "label_embedding_dim", label_embedding_dim
            )
        steps = blocks.doubling_steps(image_size, base_size)
        start_size = image_size // 2**steps

        # === Functional model ===
        # Layers take the model's dtype policy (e.g. dtype="mixed_bfloat16"),
        # by default the global one; the model remembers it for saving.
        with self.dtype_scope(kwargs):
            latents = keras.Input((latent_dim,), name="latents")
            inputs, x = latents, latents
            if num_classes is not None:
                labels = keras.Input((), dtype="int32", name="labels")
                if label_embedding_dim is None:
                    encoded = conditioning.OneHot(
                        num_classes, name="label_onehot"
                    )
                else:
                    encoded = keras.layers.Embedding(
                        num_classes, label_embedding_dim, name="label_embedding"
                    )
                x = keras.layers.Concatenate(name="latents_and_label")(
                    [latents, encoded(labels)]
                )
                inputs = [latents, labels]
            start_filters = filters * 2 ** (steps - 1)
            dense = keras.layers.Dense(
                start_size * start_size * start_filters,
                use_bias=normalization in ("none", "spectral"),
                kernel_initializer=blocks.weight_initializer(),
                name="project",
            )
            x = blocks.maybe_spectral(dense, normalization)(x)
            x = keras.layers.Reshape(
                (start_size, start_size, start_filters), name="project_reshape"
            )(x)
            norm = blocks.normalization_layer(
                normalization, "project_norm", synchronized_batch_norm
            )
            if norm is not None:
                x = norm(x)
            x = blocks.activation_layer(
                activation, leaky_relu_slope, name="project_act"
            )(x)
            for stage in range(1, steps):
                x = blocks.upsample_block(
                    x,
                    start_filters // 2**stage,
                    mode=upsampling,
                    kernel_size=kernel_size,
                    normalization=normalization,
                    activation=activation,
                    leaky_relu_slope=leaky_relu_slope,
                    synchronized=synchronized_batch_norm,
                    name=f"up{stage}",
                )
            # The image stage: no normalization (the paper's rule) and a bias.
            x = blocks.upsample_conv(
                x, channels, upsampling, kernel_size, "none", name=f"up{steps}"
            )
            # Images stay float32 under mixed precision.
            images = blocks.activation_layer(
                output_activation,
                leaky_relu_slope,
                name="images",
                dtype="float32",
            )(x)
        super().__init__(
            inputs,
            images,
            config={
                "latent_dim": latent_dim,
                "image_size": image_size,
                "channels": channels,
                "filters": filters,
                "base_size": base_size,
                "kernel_size": kernel_size,
                "upsampling": upsampling,
                "activation": activation,
                "output_activation": output_activation,
                "normalization": normalization,
                "leaky_relu_slope": leaky_relu_slope,
                "synchronized_batch_norm": synchronized_batch_norm,
                "num_classes": num_classes,
                "label_embedding_dim": label_embedding_dim,
            },
            **kwargs,
        )
