"""Network architectures by name: a documented default plus small overrides."""

import dataclasses

from keras_dcgan import checks
from keras_dcgan import options


@dataclasses.dataclass(frozen=True)
class NetworkConfig:
    """The architecture of a DCGAN's generator and discriminator.

    The defaults are the paper's 64x64 networks; presets override a few
    fields. See `Generator` and `Discriminator` for each option's meaning.

    Attributes:
        image_size: int. Height and width of the square images. Defaults
            to 64.
        channels: int. 1 (grayscale) or 3 (RGB). Defaults to 3.
        latent_dim: int. Size of the latent vector. Defaults to 100.
        generator_filters: int. Channels of the generator's last hidden
            stage. Defaults to 64.
        discriminator_filters: int. Channels of the discriminator's first
            stage. Defaults to 64.
        kernel_size: int. Kernel size of every convolution. Defaults to 4.
        base_size: int or None. Smallest feature-map size; None derives it
            from `image_size`. Defaults to None.
        upsampling: str. `"transposed"`, `"nearest"` or `"bilinear"`.
            Defaults to `"transposed"`.
        downsampling: str. `"strided"`, `"max_pool"` or `"avg_pool"`.
            Defaults to `"strided"`.
        generator_activation: str. The generator's hidden activation, one
            of `keras_dcgan.options.ACTIVATIONS`. Defaults to `"relu"`.
        output_activation: str. The generator's output activation; `"tanh"`
            makes images in [-1, 1]. Defaults to `"tanh"`.
        discriminator_activation: str. The discriminator's hidden
            activation. Defaults to `"leaky_relu"`.
        leaky_relu_slope: float. Negative slope of `"leaky_relu"`.
            Defaults to 0.2.
        generator_normalization: str. Normalization after each generator
            convolution: `"batch"`, `"layer"`, `"spectral"` or `"none"`.
            Defaults to `"batch"`.
        discriminator_normalization: str. Normalization after each
            discriminator convolution but the first. Defaults to `"batch"`.
        dropout: float. Discriminator dropout rate. Defaults to 0.
        discriminator_extra_layers: int. Stride-1 3x3 convolutions after
            the discriminator's last downsampling stage (`Discriminator`'s
            `extra_layers`). Defaults to 0.
        discriminator_minibatch_stddev: int. Group size of the
            discriminator's minibatch standard deviation map
            (`Discriminator`'s `minibatch_stddev`); 0 leaves it out.
            Defaults to 0.
        synchronized_batch_norm: bool. Batch statistics across replicas.
            Defaults to False.
        num_classes: int or None. Classes of a class-conditional DCGAN
            (both networks take labels); None is unconditional. Defaults to
            None.
        label_embedding_dim: int or None. The conditional generator's
            learned label embedding size; None encodes labels one-hot.
            Defaults to None.
        conditioning: str. How the conditional discriminator uses labels:
            `"projection"` or `"channels"`. Defaults to `"projection"`.
    """

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 100
    generator_filters: int = 64
    discriminator_filters: int = 64
    kernel_size: int = 4
    base_size: int | None = None
    upsampling: str = "transposed"
    downsampling: str = "strided"
    generator_activation: str = "relu"
    output_activation: str = "tanh"
    discriminator_activation: str = "leaky_relu"
    leaky_relu_slope: float = 0.2
    generator_normalization: str = "batch"
    discriminator_normalization: str = "batch"
    dropout: float = 0.0
    synchronized_batch_norm: bool = False
    num_classes: int | None = None
    label_embedding_dim: int | None = None
    conditioning: str = "projection"
    discriminator_extra_layers: int = 0
    discriminator_minibatch_stddev: int = 0

    def __post_init__(self):
        # Checked here, without Keras, so a bad setting fails when the
        # configuration is made, in the words of these fields; the
        # networks' constructors check their own arguments again.
        for name in (
            "image_size",
            "channels",
            "latent_dim",
            "generator_filters",
            "discriminator_filters",
            "kernel_size",
        ):
            # Stored as Python ints: JSON has no np.int64.
            value = checks.check_positive_int(name, getattr(self, name))
            object.__setattr__(self, name, value)
        for name in ("base_size", "label_embedding_dim"):
            if getattr(self, name) is not None:
                value = checks.check_positive_int(name, getattr(self, name))
                object.__setattr__(self, name, value)
        for name, allowed in (
            ("upsampling", options.UPSAMPLING_MODES),
            ("downsampling", options.DOWNSAMPLING_MODES),
            ("generator_activation", options.ACTIVATIONS),
            ("output_activation", options.ACTIVATIONS),
            ("discriminator_activation", options.ACTIVATIONS),
            ("generator_normalization", options.NORMALIZATIONS),
            ("discriminator_normalization", options.NORMALIZATIONS),
            ("conditioning", options.CONDITIONINGS),
        ):
            checks.check_choice(name, getattr(self, name), allowed)
        for name, allowed in (
            ("dropout", "[0, 1)"),
            ("leaky_relu_slope", ">= 0"),
        ):
            value = checks.check_number(name, getattr(self, name), allowed)
            object.__setattr__(self, name, value)
        checks.check_bool(
            "synchronized_batch_norm", self.synchronized_batch_norm
        )
        object.__setattr__(
            self,
            "discriminator_extra_layers",
            checks.check_non_negative_int(
                "discriminator_extra_layers", self.discriminator_extra_layers
            ),
        )
        object.__setattr__(
            self,
            "discriminator_minibatch_stddev",
            checks.check_minibatch_stddev(
                "discriminator_minibatch_stddev",
                self.discriminator_minibatch_stddev,
            ),
        )
        object.__setattr__(
            self, "num_classes", checks.check_num_classes(self.num_classes)
        )
        checks.doubling_steps(self.image_size, self.base_size)

    def build_generator(self) -> "Generator":  # noqa: F821
        """Builds the generator this configuration describes.

        Returns:
            A `Generator`.

        Example:
        >>> generator = PRESETS["mnist"].build_generator()
        """
        from keras_dcgan.models.generator import Generator  # Keras: on use

        return Generator(
            latent_dim=self.latent_dim,
            image_size=self.image_size,
            channels=self.channels,
            filters=self.generator_filters,
            base_size=self.base_size,
            kernel_size=self.kernel_size,
            upsampling=self.upsampling,
            activation=self.generator_activation,
            output_activation=self.output_activation,
            normalization=self.generator_normalization,
            leaky_relu_slope=self.leaky_relu_slope,
            synchronized_batch_norm=self.synchronized_batch_norm,
            num_classes=self.num_classes,
            label_embedding_dim=self.label_embedding_dim,
            name="generator",
        )

    def build_discriminator(self) -> "Discriminator":  # noqa: F821
        """Builds the discriminator this configuration describes.

        Returns:
            A `Discriminator`.

        Example:
        >>> discriminator = PRESETS["mnist"].build_discriminator()
        """
        from keras_dcgan.models.discriminator import Discriminator

        return Discriminator(
            image_size=self.image_size,
            channels=self.channels,
            filters=self.discriminator_filters,
            base_size=self.base_size,
            kernel_size=self.kernel_size,
            downsampling=self.downsampling,
            activation=self.discriminator_activation,
            normalization=self.discriminator_normalization,
            leaky_relu_slope=self.leaky_relu_slope,
            dropout=self.dropout,
            synchronized_batch_norm=self.synchronized_batch_norm,
            num_classes=self.num_classes,
            conditioning=self.conditioning,
            extra_layers=self.discriminator_extra_layers,
            minibatch_stddev=self.discriminator_minibatch_stddev,
            name="discriminator",
        )


_PAPER = NetworkConfig()

PRESETS = {
    # 28x28 digits: two stages, 7x7x128 -> 14x14x64 -> 28x28x1.
    "mnist": dataclasses.replace(_PAPER, image_size=28, channels=1),
    "fashion_mnist": dataclasses.replace(_PAPER, image_size=28, channels=1),
    "cifar10": dataclasses.replace(_PAPER, image_size=32),
    "celeba64": _PAPER,
    "dcgan128": dataclasses.replace(_PAPER, image_size=128),
}


def get_preset(name: str, **overrides) -> NetworkConfig:
    """Returns a preset's `NetworkConfig` with `overrides` applied.

    Args:
        name: str. A key of `PRESETS`.
        **overrides: `NetworkConfig` fields to change.

    Returns:
        A `NetworkConfig`.

    Example:
    >>> get_preset("mnist", upsampling="nearest").upsampling
    'nearest'
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset {name!r}; expected one of {sorted(PRESETS)}."
        )
    fields = {field.name for field in dataclasses.fields(NetworkConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(
            f"Unknown network option(s) {unknown}; expected some of "
            f"{sorted(fields)}."
        )
    return dataclasses.replace(PRESETS[name], **overrides)
