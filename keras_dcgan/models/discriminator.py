"""The DCGAN discriminator: an image in, one real-vs-fake logit out."""

import keras

from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_minibatch_stddev
from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.checks import check_number
from keras_dcgan.models import blocks
from keras_dcgan.models import conditioning as conditioning_lib
from keras_dcgan.models.base import Network


@keras.saving.register_keras_serializable(package="keras_dcgan")
class Discriminator(Network):
    """DCGAN discriminator: downsamples an image to one logit.

    Each downsampling stage halves the resolution and doubles the channels,
    starting from `filters`, until the map is `base_size x base_size`; a dense
    layer then gives one logit per image (no sigmoid: the losses take logits,
    which is numerically safer). Following the paper, the first stage is not
    normalized.

    Args:
        image_size: int. Height and width of the square input image; must be
            `base_size * 2**k` for some k >= 1. Defaults to 64.
        channels: int. Image channels. Defaults to 3.
        filters: int. Channels of the first stage; each further stage has
            twice as many. Defaults to 64.
        base_size: int or None. Height and width of the last feature map.
            `None` picks it as `Generator` does. Defaults to None.
        kernel_size: int. Kernel size of every convolution. Defaults to 4.
        downsampling: str. `"strided"` (the paper's stride-2 convolution),
            `"max_pool"` or `"avg_pool"` (stride-1 convolution then 2x2
            pooling). Defaults to `"strided"`.
        activation: str. Hidden activation: `"relu"`, `"leaky_relu"`,
            `"sigmoid"`, `"tanh"` or `"linear"`. Defaults to `"leaky_relu"`.
        normalization: str. Normalization of the stages after the first:
            `"batch"`, `"layer"`, `"spectral"` or `"none"`. Defaults to
            `"batch"`.
        leaky_relu_slope: float. Negative slope of `"leaky_relu"`. Defaults
            to 0.2.
        dropout: float. Dropout rate after each stage's activation. Defaults
            to 0.
        extra_layers: int. Stride-1 3x3 convolutions after the last
            downsampling stage, at its width and resolution, each normalized,
            activated (and dropped out) like a stage: a deeper discriminator
            without more downsampling, like the stride-1 3x3 layers of
            Miyato et al.'s standard CNN discriminator. 0 is the paper's
            network; the `mnist` training preset uses 2 (docs/quality.md).
            Defaults to 0.
        minibatch_stddev: int. Group size of a minibatch standard
            deviation feature map (`blocks.MinibatchStddev`, Karras et al.
            2018) appended after the last downsampling stage, before any
            extra layers: the discriminator sees how alike the images of a
            group are, which pushes the generator toward varied samples.
            0 leaves it out (the paper's network); otherwise an int >= 2.
            Defaults to 0.
        synchronized_batch_norm: bool. Batch statistics over all replicas
            under a distribution strategy. Defaults to False.
        num_classes: int or None. Number of classes of a class-conditional
            discriminator, which takes a second input `labels` (int32
            `(batch,)`) and judges whether the image is a real example of
            that class. None builds the unconditional discriminator.
            Defaults to None.
        conditioning: str. How a conditional discriminator uses the label:
            `"projection"` adds the inner product of a learned class
            embedding with the image features to the logit (Miyato and
            Koyama); `"channels"` stacks one-hot label maps onto the image
            as extra input channels. Only for a conditional discriminator:
            another choice without `num_classes` raises. Defaults to
            `"projection"`.
        **kwargs: Standard `keras.Model` arguments such as `name` and `dtype`.

    Raises:
        ValueError: An argument out of its range or choices, an
            `image_size` that `base_size` does not reach by doublings, or a
            `conditioning` other than `"projection"` without `num_classes`
            (it would do nothing).

    Example:
    >>> discriminator = Discriminator(image_size=28, channels=1)
    >>> logits = discriminator(keras.ops.zeros((2, 28, 28, 1)))
    >>> tuple(logits.shape)
    (2, 1)

    A class-conditional discriminator takes images and labels:

    >>> discriminator = Discriminator(28, 1, num_classes=10)
    >>> images = keras.ops.zeros((2, 28, 28, 1))
    >>> labels = keras.ops.array([3, 7])
    >>> tuple(discriminator([images, labels]).shape)
    (2, 1)

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", 2015.
        https://arxiv.org/abs/1511.06434
        Miyato and Koyama, "cGANs with Projection Discriminator", 2018.
        https://arxiv.org/abs/1802.05637
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", 2018, Table 3 (the standard CNN discriminator).
        https://arxiv.org/abs/1802.05957
        Karras et al., "Progressive Growing of GANs for Improved Quality,
        Stability, and Variation", ICLR 2018, Section 3 (minibatch
        standard deviation). https://arxiv.org/abs/1710.10196
    """

    CONDITIONAL_ONLY = ("conditioning",)

    def __init__(
        self,
        image_size=64,
        channels=3,
        filters=64,
        base_size=None,
        kernel_size=4,
        downsampling="strided",
        activation="leaky_relu",
        normalization="batch",
        leaky_relu_slope=0.2,
        dropout=0.0,
        synchronized_batch_norm=False,
        num_classes=None,
        conditioning="projection",
        extra_layers=0,
        minibatch_stddev=0,
        **kwargs,
    ):
        # Python ints from here on: Keras layers refuse np.int64 sizes.
        channels = blocks.check_positive_int("channels", channels)
        filters = blocks.check_positive_int("filters", filters)
        kernel_size = blocks.check_positive_int("kernel_size", kernel_size)
        image_size = blocks.check_positive_int("image_size", image_size)
        if base_size is not None:
            base_size = blocks.check_positive_int("base_size", base_size)
        blocks.check_choice(
            "downsampling", downsampling, blocks.DOWNSAMPLING_MODES
        )
        blocks.check_choice("activation", activation, blocks.ACTIVATIONS)
        blocks.check_choice(
            "normalization", normalization, blocks.NORMALIZATIONS
        )
        dropout = check_number("dropout", dropout, "[0, 1)")
        extra_layers = check_non_negative_int("extra_layers", extra_layers)
        minibatch_stddev = check_minibatch_stddev(
            "minibatch_stddev", minibatch_stddev
        )
        # Keras's LeakyReLU compares the slope with 0 (a str fails there,
        # NaN passes), and any truthy string would synchronize batch norm.
        leaky_relu_slope = check_number(
            "leaky_relu_slope", leaky_relu_slope, ">= 0"
        )
        check_bool("synchronized_batch_norm", synchronized_batch_norm)
        num_classes = conditioning_lib.check_num_classes(num_classes)
        blocks.check_choice(
            "conditioning", conditioning, conditioning_lib.CONDITIONINGS
        )
        conditioning_lib.check_conditional_only(
            "conditioning", conditioning, "projection", num_classes
        )
        steps = blocks.doubling_steps(image_size, base_size)

        # === Functional model ===
        # Layers take the model's dtype policy (e.g. dtype="mixed_bfloat16"),
        # by default the global one; the model remembers it for saving.
        with self.dtype_scope(kwargs):
            images = keras.Input(
                (image_size, image_size, channels), name="images"
            )
            inputs, x = images, images
            if num_classes is not None:
                labels = keras.Input((), dtype="int32", name="labels")
                inputs = [images, labels]
                if conditioning == "channels":
                    onehot = conditioning_lib.OneHot(
                        num_classes, name="label_onehot"
                    )(labels)
                    maps = conditioning_lib.LabelMaps(
                        image_size, name="label_maps"
                    )(onehot)
                    x = keras.layers.Concatenate(name="images_and_label")(
                        [images, maps]
                    )
            for stage in range(steps):
                x = blocks.downsample_block(
                    x,
                    filters * 2**stage,
                    mode=downsampling,
                    kernel_size=kernel_size,
                    # The paper leaves the input stage unnormalized; spectral
                    # normalization constrains a layer's weights, not its
                    # activations, so it applies to every stage.
                    normalization=(
                        normalization
                        if stage > 0 or normalization == "spectral"
                        else "none"
                    ),
                    activation=activation,
                    leaky_relu_slope=leaky_relu_slope,
                    dropout=dropout,
                    synchronized=synchronized_batch_norm,
                    name=f"down{stage + 1}",
                )
            if minibatch_stddev:
                x = blocks.MinibatchStddev(
                    minibatch_stddev, name="minibatch_stddev"
                )(x)
            for layer in range(extra_layers):
                x = blocks.conv_block(
                    x,
                    filters * 2 ** (steps - 1),
                    kernel_size=3,
                    normalization=normalization,
                    activation=activation,
                    leaky_relu_slope=leaky_relu_slope,
                    dropout=dropout,
                    synchronized=synchronized_batch_norm,
                    name=f"extra{layer + 1}",
                )
            x = keras.layers.Flatten(name="flatten")(x)
            dense = keras.layers.Dense(
                1,
                kernel_initializer=blocks.weight_initializer(),
                dtype="float32",
                name="logits",
            )
            logits = blocks.maybe_spectral(dense, normalization)(x)
            if num_classes is not None and conditioning == "projection":
                # logit = dense(features) + <embed(label), features>: the
                # class-conditional log density ratio, Miyato & Koyama's eq. 3.
                embedded = keras.layers.Embedding(
                    num_classes,
                    x.shape[-1],
                    embeddings_initializer=blocks.weight_initializer(),
                    name="label_projection",
                )(labels)
                projection = keras.layers.Dot(
                    axes=1, dtype="float32", name="projection"
                )([embedded, x])
                logits = keras.layers.Add(dtype="float32", name="logits_cond")(
                    [logits, projection]
                )
        super().__init__(
            inputs,
            logits,
            config={
                "image_size": image_size,
                "channels": channels,
                "filters": filters,
                "base_size": base_size,
                "kernel_size": kernel_size,
                "downsampling": downsampling,
                "activation": activation,
                "normalization": normalization,
                "leaky_relu_slope": leaky_relu_slope,
                "dropout": dropout,
                "synchronized_batch_norm": synchronized_batch_norm,
                "num_classes": num_classes,
                "conditioning": conditioning,
                "extra_layers": extra_layers,
                "minibatch_stddev": minibatch_stddev,
            },
            **kwargs,
        )
