"""Experiment settings: a documented default plus small per-dataset presets."""

import dataclasses
import json
import textwrap

from keras_dcgan import options
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_choice
from keras_dcgan.checks import check_number
from keras_dcgan.checks import check_positive_int
from keras_dcgan.checks import check_value_range
from keras_dcgan.checks import is_integer
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionError
from keras_dcgan.models import presets


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run, written to `config.json`.

    The defaults are the paper's recipe (Adam 2e-4, beta_1 0.5, batch 128)
    on 64x64 RGB images; `TRAIN_PRESETS` override a few fields per dataset.

    Attributes:
        preset: str or None. The name of the preset this configuration
            started from, recorded for people reading `config.json`.
            Defaults to None.
        network: NetworkConfig. The architecture of both networks. Defaults
            to the paper's 64x64 networks.
        dataset: str. The data source, anything `keras_dcgan.data.load`
            accepts (`"mnist-sample"`, `"tfds:cifar10"`, a folder, ...).
            Defaults to `"celeba"`.
        data_dir: str or None. Where TensorFlow Datasets keeps prepared
            data. Defaults to None (its default).
        batch_size: int. Images per training step. Defaults to 128.
        epochs: int. Passes over the data to train for in total; running
            again with a larger value continues to the new total. Defaults
            to 25.
        steps_per_epoch: int or None. Steps per epoch; None is one full pass
            over the data (`num_images // batch_size`), a smaller number uses
            the first batches of each epoch's shuffle. Defaults to None.
        shuffle_buffer: int. Images in the shuffle buffer; the order of each
            epoch is a function of `seed` and the epoch. Defaults to 10000.
        d_learning_rate: float. The discriminator's Adam learning rate.
            Defaults to 2e-4.
        g_learning_rate: float. The generator's Adam learning rate.
            Defaults to 2e-4.
        beta_1: float. Adam's beta_1 for both optimizers. Defaults to 0.5.
        beta_2: float. Adam's beta_2 for both optimizers. Defaults to 0.999.
        loss: str. The GAN loss, one of `keras_dcgan.losses.LOSSES`.
            Defaults to `"non_saturating"`.
        label_smoothing: float. One-sided label smoothing for the
            cross-entropy losses. Defaults to 0.
        gradient_penalty_weight: float. WGAN-GP weight, used by the
            `"wasserstein"` loss only. Defaults to 10.
        discriminator_steps: int. Discriminator updates per generator
            update. Defaults to 1.
        ema_decay: float or None. Decay of the generator's exponential
            moving average used for samples and export; None turns it off.
            Defaults to None.
        seed: int. Seed of the initial weights, the data order and the
            training noise. Defaults to 0.
        deterministic: bool. Turn on TensorFlow op determinism, so runs
            with the same seed end with identical weights (slower).
            Defaults to False.
        checkpoint_every_steps: int. Save a checkpoint every this many
            steps, and at every epoch end. Defaults to 500.
        keep_checkpoints: int. Newest checkpoints kept in the workdir.
            Defaults to 3.
        sample_every_steps: int or None. Save a sample grid every this many
            steps; None saves one per epoch. Defaults to None.
        num_samples: int. Images in each sample grid. Defaults to 64.
        tensorboard: bool. Write TensorBoard logs to `WORKDIR/tensorboard`.
            Defaults to True.
        split: str or None. The dataset split to train on (TFDS, e.g.
            `"train[:10%]"`). Defaults to None: the split named in
            `dataset`, else `"train"`.
        resize: str or None. How images reach `image_size`: a
            `tf.image.resize` method (`"area"`, `"bilinear"`, `"bicubic"`,
            `"nearest"`, ...) or `"pad"`. Defaults to None: `"area"`, which
            only shrinks; enlarging needs a method named here.
        crop: bool. Center-crop non-square images to a square first; False
            stretches them. Defaults to True.
        flip: bool. Mirror each image left-right with probability 1/2 every
            epoch. Defaults to False.
        value_range: tuple of two floats or None. Pixel values of black and
            white in array files. Defaults to None: (0, 255) for integer
            data, (0, 1) for floating data.
        image_key: str or None. The image feature (TFDS) or array (.npz).
            Defaults to None: found automatically.
        label_key: str or None. The label feature or array, for
            class-conditional training. Defaults to None: found
            automatically.
        skip_corrupt: bool. Leave out image files that do not decode
            (counted in a warning) instead of failing. Defaults to False.
        augment: str or None. Differentiable augmentation of the
            discriminator's inputs (DiffAugment), comma-separated from
            color, translation and cutout, e.g. `translation,cutout,color`.
            Defaults to None (none).
        augment_probability: float or None. Chance that each augmentation
            is applied to each image; None is 1, or 0 at the start of
            adaptive augmentation. Defaults to None.
        ada_target: float or None. Adaptive augmentation: adjust the
            probability to hold E[sign(D(real))] at this target (e.g. 0.6).
            Defaults to None (fixed probability).
        r1_weight: float. Weight gamma of the R1 gradient penalty on real
            images, gamma/2 * ||grad D(x)||^2; 0 is off. Defaults to 0.
        r1_interval: int. Lazy R1 (StyleGAN2): the penalty on every
            `r1_interval`-th step only, at `r1_weight * r1_interval`, for
            `1 / r1_interval` of its cost. See `DCGAN.compile`. Defaults
            to 1 (every step).
        precision: str. Compute precision of both networks: float32,
            mixed_bfloat16 or mixed_float16 (generated images stay float32;
            exported generators compute in float32), or `"auto"`:
            mixed_bfloat16 where the step runs on bfloat16 units (a CPU with
            AVX512-BF16 or AMX, a GPU of compute capability 8.0 or newer),
            float32 elsewhere (`trainer.resolve_precision`). Defaults to
            `"float32"`.
        reuse_fakes: bool. The generator update reuses the discriminator
            update's fakes (pytorch/examples' loop, about 9% less
            arithmetic per step) instead of generating new ones (the
            paper's). See `DCGAN.compile`. Defaults to False.
        fake_labels: str. Classes of a conditional DCGAN's fakes in
            training: `"uniform"`, or `"data"` (the real batch's labels, so
            real and fake batches hold the same classes). No effect on an
            unconditional DCGAN. See `DCGAN.compile`. Defaults to
            `"uniform"`.
        mode_seeking_weight: float. Weight of the mode-seeking regularizer
            (MSGAN, Mao et al. 2019): the generator is penalized when two
            fakes of the same class differ less than their latents. 0 is
            off; needs `fake_labels="uniform"`. See `DCGAN.compile`.
            Defaults to 0.
        jit_compile: bool or None. Compile the training step with XLA,
            which fuses its element-wise work (batch norm, activations,
            losses, Adam) into a few kernels. None (the default) chooses
            the faster step for the machine: with a GPU, XLA (Keras's own
            choice); on a CPU, TensorFlow's graph where its oneDNN kernels
            are on (the `keras-dcgan` command turns them on; 1.1x XLA's
            steps for `make demo`'s digits, 1.4-1.6x XLA at 64x64), XLA
            where they are off (1.4-1.5x faster than TensorFlow's default
            kernels) and for mixed precision on a CPU without bfloat16
            units (docs/performance.md).
            True or False forces the choice.
            A step distributed over several replicas runs without XLA (its
            cross-replica reductions do not compile), as Keras's own default
            does; the run says so when it starts. XLA draws other random
            numbers than TensorFlow's kernels, so a seeded run reproduces
            itself only with the same choice. Defaults to None.

    Example:
    >>> config = get_train_config("mnist", epochs=2, network={"latent_dim": 8})
    >>> config.network.latent_dim, config.epochs
    (8, 2)
    """

    preset: str | None = None
    network: presets.NetworkConfig = dataclasses.field(
        default_factory=presets.NetworkConfig
    )
    dataset: str = "celeba"
    data_dir: str | None = None
    batch_size: int = 128
    epochs: int = 25
    steps_per_epoch: int | None = None
    shuffle_buffer: int = 10_000
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    loss: str = "non_saturating"
    label_smoothing: float = 0.0
    gradient_penalty_weight: float = 10.0
    discriminator_steps: int = 1
    ema_decay: float | None = None
    seed: int = 0
    deterministic: bool = False
    checkpoint_every_steps: int = 500
    keep_checkpoints: int = 3
    sample_every_steps: int | None = None
    num_samples: int = 64
    tensorboard: bool = True
    split: str | None = None
    resize: str | None = None
    crop: bool = True
    flip: bool = False
    value_range: tuple[float, float] | None = None
    image_key: str | None = None
    label_key: str | None = None
    skip_corrupt: bool = False
    augment: str | None = None
    augment_probability: float | None = None
    ada_target: float | None = None
    r1_weight: float = 0.0
    r1_interval: int = 1
    precision: str = "float32"
    reuse_fakes: bool = False
    fake_labels: str = "uniform"
    mode_seeking_weight: float = 0.0
    jit_compile: bool | None = None

    def __post_init__(self):
        # The named choices first: their messages list the allowed values.
        options.check_loss(self.loss, self.label_smoothing)
        options.parse_augment_policy(self.augment)
        check_choice("precision", self.precision, options.PRECISIONS)
        check_choice("fake_labels", self.fake_labels, options.FAKE_LABELS)
        if self.resize is not None:
            check_choice("resize", self.resize, options.RESIZE_CHOICES)
        # Every field by its type, so a hand-written dict or config.json
        # with "false" or "0.5" fails here, naming the field, instead of
        # being read as a truthy string or failing in a comparison.
        for field in dataclasses.fields(self):
            name, value = field.name, getattr(self, field.name)
            if field.type is bool:
                check_bool(name, value)
            elif field.type == bool | None:
                check_bool(name, value, or_none=True)
            elif field.type in (str, str | None):
                if not (
                    isinstance(value, str)
                    or (value is None and field.type is not str)
                ):
                    kind = "a str" if field.type is str else "a str or None"
                    raise ValueError(
                        f"`{name}` must be {kind}; received {value!r}."
                    )
            elif field.type in (float, float | None):
                optional = field.type is not float
                # Stored as a Python float: JSON has no np.float32.
                number = check_number(
                    name, value, options.NUMBER_RANGES[name], or_none=optional
                )
                object.__setattr__(self, name, number)
        # An empty name would read the current folder or TFDS's default.
        for name, instead in (
            ("dataset", "a dataset name such as 'mnist'"),
            ("split", "a split such as 'train' or 'train[:10%]', or None"),
            ("image_key", "a feature name such as 'image', or None"),
            ("label_key", "a feature name such as 'label', or None"),
        ):
            if getattr(self, name) == "":
                raise ValueError(f"`{name}` is empty (''); pass {instead}.")
        for name in (
            "batch_size",
            "epochs",
            "shuffle_buffer",
            "discriminator_steps",
            "r1_interval",
            "checkpoint_every_steps",
            "keep_checkpoints",
            "num_samples",
        ):
            # Stored as a Python int: JSON has no np.int64.
            value = check_positive_int(name, getattr(self, name))
            object.__setattr__(self, name, value)
        for name in ("steps_per_epoch", "sample_every_steps"):
            if getattr(self, name) is not None:
                value = check_positive_int(name, getattr(self, name))
                object.__setattr__(self, name, value)
        if self.value_range is not None:
            low, high = check_value_range(self.value_range)
            # JSON stores a list: keep the declared tuple type.
            object.__setattr__(self, "value_range", (low, high))
        _check_augment(self)
        options.check_gradient_penalty(self.loss, self.gradient_penalty_weight)
        options.check_mode_seeking(self.mode_seeking_weight, self.fake_labels)
        if not is_integer(self.seed) or not 0 <= self.seed < 2**32:
            # NumPy's and TensorFlow's global seeds are 32-bit.
            raise ValueError(
                "`seed` must be an int in [0, 2**32 - 1]; received "
                f"{self.seed!r}."
            )
        object.__setattr__(self, "seed", int(self.seed))
        if not isinstance(self.network, presets.NetworkConfig):
            raise ValueError(
                "`network` must be a NetworkConfig; received "
                f"{type(self.network).__name__}."
            )

    def check_used(self) -> None:
        """Refuses settings only a class-conditional run would use.

        Checked once the classes are known (the command line reads them from
        the data): `fake_labels` and `label_key` on a run without
        `network.num_classes` would be accepted and do nothing. The
        networks' own such settings are checked by their constructors.

        Raises:
            ValueError: `fake_labels` other than `"uniform"`, or a
                `label_key`, without `network.num_classes`.

        Example:
        >>> TrainConfig().check_used()
        >>> TrainConfig(label_key="label").check_used()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: `label_key`='label' applies to a class-conditional ...
        """
        for name, default in (("fake_labels", "uniform"), ("label_key", None)):
            options.check_conditional_only(
                name, getattr(self, name), default, self.network.num_classes
            )

    def replace(
        self, network: dict | presets.NetworkConfig | None = None, **changes
    ) -> "TrainConfig":
        """A copy with some fields changed.

        Args:
            network: dict, NetworkConfig or None. `NetworkConfig` fields to
                change, or a whole new `NetworkConfig`. Defaults to None.
            **changes: `TrainConfig` fields to change.

        Returns:
            A new `TrainConfig`.

        Example:
        >>> TrainConfig().replace(epochs=3, network={"image_size": 32}).epochs
        3
        """
        _check_fields(TrainConfig, changes, "training option")
        if isinstance(network, presets.NetworkConfig):
            changes["network"] = network
        elif network is not None:
            _check_fields(
                presets.NetworkConfig, network, "network option", "network"
            )
            changes["network"] = dataclasses.replace(self.network, **network)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """The configuration as plain JSON-serialisable values."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The configuration as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Rebuilds a configuration from `to_dict()` output.

        Args:
            values: dict. As written by `to_dict`.

        Returns:
            A `TrainConfig`.

        Example:
        >>> config = TrainConfig(epochs=3)
        >>> TrainConfig.from_dict(config.to_dict()) == config
        True
        """
        _check_fields(cls, values, "training option", "values")
        values = dict(values)
        network = values.pop("network", {})
        _check_fields(
            presets.NetworkConfig, network, "network option", "network"
        )
        return cls(network=presets.NetworkConfig(**network), **values)

    def summary(self) -> str:
        """The settings that differ from `TrainConfig()`, as `name=value`.

        Returns:
            Comma-separated `name=value` pairs (network fields unprefixed),
            wrapped at 76 characters; `"the defaults"` when none differ.

        Example:
        >>> TrainConfig().replace(epochs=3, network={"latent_dim": 8}).summary()
        'latent_dim=8, epochs=3'
        """
        mine, default = (
            _flatten(self.to_dict()),
            _flatten(TrainConfig().to_dict()),
        )
        pairs = [
            f"{name.removeprefix('network.')}={value!r}"
            for name, value in mine.items()
            if value != default[name]
        ]
        return textwrap.fill(", ".join(pairs) or "the defaults", width=76)

    def incompatible_changes(self, other: "TrainConfig") -> list[str]:
        """The differences that stop `other` from resuming this run.

        A run may continue with a different value of the fields in
        `RESUMABLE_FIELDS` (more epochs, other checkpoint or sample
        intervals); every other field defines the run.

        Args:
            other: TrainConfig. The configuration asked for now.

        Returns:
            One line per differing field, `"name: old -> new"`; empty when
            `other` can resume this run.
        """
        changes = []
        mine, theirs = _flatten(self.to_dict()), _flatten(other.to_dict())
        for name in mine:
            if name not in RESUMABLE_FIELDS and mine[name] != theirs[name]:
                changes.append(f"{name}: {mine[name]!r} -> {theirs[name]!r}")
        return changes


# Fields that do not change the trained weights, so a run may resume with a
# new value.
RESUMABLE_FIELDS = frozenset(
    {
        "epochs",
        "data_dir",
        "deterministic",
        "checkpoint_every_steps",
        "keep_checkpoints",
        "sample_every_steps",
        "num_samples",
        "tensorboard",
        "jit_compile",
    }
)


def _check_augment(config: TrainConfig) -> None:
    probability, target = config.augment_probability, config.ada_target
    if (probability is not None or target is not None) and not config.augment:
        given = [
            f"`{name}`"
            for name in ("augment_probability", "ada_target")
            if getattr(config, name) is not None
        ]
        verb = "needs" if len(given) == 1 else "need"
        raise ValueError(
            f"{' and '.join(given)} {verb} an `augment` policy such as "
            "'translation,cutout,color', but `augment` is "
            + ("not set." if config.augment is None else "empty ('').")
        )


def _flatten(values: dict, prefix: str = "") -> dict:
    flat = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _check_fields(cls, values: dict, kind: str, argument: str = "") -> None:
    if not isinstance(values, dict):
        # A str or list would be read as its characters or items, each
        # reported as an unknown option.
        raise ValueError(
            f"`{argument}` must be a dict of {cls.__name__} fields and "
            f"values; received {values!r}."
        )
    fields = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ValueError(
            f"Unknown {kind}(s) {unknown}; expected some of {sorted(fields)}."
        )


def _preset(
    name: str, dataset: str, network: dict | None = None, **changes
) -> TrainConfig:
    return TrainConfig(
        preset=name,
        network=presets.get_preset(name, **(network or {})),
        dataset=dataset,
        **changes,
    )


TRAIN_PRESETS = {
    # 10k to 60k small grayscale digits, tuned on the bundled 10k sample for
    # `make demo` with benchmarks/sample_quality.py (docs/quality.md): batch
    # 64 gives 156 updates an epoch. The generator learns at 5x the
    # paper's rate and the discriminator at 1.25x (Adam 1e-3 and 2.5e-4),
    # the discriminator has half the paper's width (32 filters: 40% less
    # step time, no loss of quality), and the generator update reuses the
    # discriminator update's fakes (23% less step time, the same quality).
    # The generator average (EMA, with warm-up) is what gets sampled
    # and exported: 0.99 scored FID 5.4 against 6.1 for 0.999, on three
    # sets of latents. An R1 penalty of weight 0.1 on the real digits took
    # FID from 5.4 to 4.2 and 4.3 (two seeds) for 15% more step time; 0.03
    # and 0.3 scored 5.0 and 4.9. With R1 longer runs keep improving: 20,
    # 30 and 40 epochs scored FID 4.2, 4.2 and 3.8, precision 0.69, 0.73
    # and 0.74, recall 0.78, 0.79 and 0.80, so the demo trains 40 epochs
    # (4 to 7 minutes on two CPU cores). Lazy R1 (every 4th step at 4x the
    # weight) recovers R1's step time (10%) at the same quality: FID 4.9
    # and 5.1 against 5.3 and 5.1 at 2,800 steps on two seeds, so `make
    # demo` trains 20% more steps in its 330 s. With the digits' labels
    # (`--conditional`, as `make demo` trains) the recipe scores FID about
    # 4 instead of 26. Two stride-1 3x3 convolutions after the
    # discriminator's last stage (`discriminator_extra_layers=2`), with its
    # filters cut from 32 to 24 to pay for them, raised precision from 0.68
    # to 0.83 and cut FID from 4.6 to 3.2 in the same 450 s (2,520 steps
    # against 3,062). A generator average of decay 0.97 instead of 0.99
    # trades a little precision for recall at the same FID (0.82/0.81
    # against 0.84/0.80, and 0.80/0.81 against 0.84/0.78 on a second
    # seed, in 450 s). The mode-seeking regularizer of MSGAN at weight 0.3
    # lowered FID and traded a little precision for recall: over three sets
    # of latents `make demo` scored FID 2.43, precision 0.816 and recall
    # 0.807, against 2.93, 0.827 and 0.794 without it (0.5: FID 2.26,
    # precision 0.802, recall 0.817); a second run scored 2.69, 0.794 and
    # 0.823. Where the CPU has bfloat16 units (AVX512-BF16 or AMX; or a
    # GPU from Ampere on), precision "auto" trains in mixed_bfloat16: 1.25x
    # the steps in the same time, and over two seeds of 450 s (three sets
    # of latents each) FID 2.45 and 2.26 against 2.41 and 2.60, precision
    # 0.809 and 0.820 against 0.821 and 0.807, recall 0.819 and 0.804
    # against 0.795 and 0.805. Three `make demo` runs gained less: precision
    # 0.810 and recall 0.814 on average, against 0.805 and 0.817 for three
    # float32 runs. It finishes 40 epochs before the demo's 330 s are up,
    # so the preset asks for 50 and the clock ends the run. An R1 weight of
    # 0.2 instead of 0.1 balanced precision and recall: three `make demo`
    # runs on a 2-core AMX CPU scored FID 2.35, precision 0.817 and recall
    # 0.822 on average, the lower of the two at least 0.808 in every set,
    # against 2.42, 0.827 and 0.810 (lowest 0.803) for three runs with 0.1
    # alternating with them; on the AVX512-BF16 CPU, two 450 s probes gave
    # FID 2.24 and 2.24, precision 0.813 and 0.815, recall 0.815 and 0.816.
    # All 60k images fit the shuffle buffer.
    "mnist": _preset(
        "mnist",
        "mnist",
        network={"discriminator_filters": 24, "discriminator_extra_layers": 2},
        batch_size=64,
        epochs=50,
        d_learning_rate=2.5e-4,
        g_learning_rate=1e-3,
        ema_decay=0.97,
        reuse_fakes=True,
        mode_seeking_weight=0.3,
        precision="auto",
        r1_weight=0.2,
        r1_interval=4,
        shuffle_buffer=60_000,
    ),
    "fashion_mnist": _preset(
        "fashion_mnist",
        "fashion_mnist",
        batch_size=64,
        epochs=10,
        ema_decay=0.995,
        shuffle_buffer=60_000,
    ),
    # The paper's recipe as published.
    "cifar10": _preset("cifar10", "cifar10", epochs=30),
    # 64x64 trains without XLA wherever TensorFlow's oneDNN kernels are on
    # (`jit_compile` None): its graph ran 128 img/s against XLA's 80 on a
    # 2-core AVX-512 CPU (PyTorch's loop: 100), and 43 against 31 on an
    # AVX2 CPU with oneDNN turned on (PyTorch: 34; docs/performance.md).
    "celeba64": _preset("celeba64", "celeba", epochs=10),
}


def get_train_config(
    preset: str | None = None, network: dict | None = None, **overrides
) -> TrainConfig:
    """A preset (or the default) with some fields changed.

    Without a preset but with a `dataset`, the networks are sized from the
    data: `image_size` is the images' native size (at most the paper's 64),
    rounded down to a size the networks reach in at least two doublings (a
    multiple of 4, at least 16), and `channels` their native channels (1 for
    grayscale, else 3), unless `network` sets them. The choice is printed.

    Args:
        preset: str or None. A key of `TRAIN_PRESETS`, or None for the
            default `TrainConfig()`. Defaults to None.
        network: dict or None. `NetworkConfig` fields to change, such as
            `{"image_size": 32}`. Defaults to None.
        **overrides: `TrainConfig` fields to change, such as `epochs=5`.

    Returns:
        A `TrainConfig`.

    Raises:
        ValueError: An unknown preset or field, a bad value, or (sizing from
            the data) images smaller than 16 pixels.

    Example:
    >>> get_train_config("cifar10", loss="hinge").loss
    'hinge'
    >>> config = get_train_config(dataset="mnist-sample")  # doctest: +ELLIPSIS
    Sized the networks from 'mnist-sample': image_size=28, channels=1 ...
    >>> config.network.image_size, config.network.channels
    (28, 1)
    """
    if preset is None:
        base = TrainConfig()
    elif preset in TRAIN_PRESETS:
        base = TRAIN_PRESETS[preset]
    else:
        raise ValueError(
            f"Unknown preset {preset!r}; expected one of "
            f"{sorted(TRAIN_PRESETS)}."
        )
    config = base.replace(network=network, **overrides)
    network = network or {}
    if (
        preset is None
        and "dataset" in overrides
        and not ("image_size" in network and "channels" in network)
    ):
        sized = size_from_data(config)
        sized = {k: v for k, v in sized.items() if k not in network}
        config = config.replace(network=sized)
        print(
            f"Sized the networks from {config.dataset!r}: "
            + ", ".join(f"{name}={value}" for name, value in sized.items())
            + f" (native {_shape_text(_native_shape(config))}).",
            flush=True,
        )
    return config


# The largest image_size chosen from the data, the paper's.
MAX_DATA_IMAGE_SIZE = 64


def _native_shape(config: TrainConfig) -> tuple:
    from keras_dcgan import data  # TensorFlow: only when sizing from data

    info = data.describe(
        config.dataset,
        split=config.split,
        data_dir=config.data_dir,
        image_key=config.image_key,
        label_key=config.label_key,
        value_range=config.value_range,
        skip_corrupt=config.skip_corrupt,
    )
    height, width, channels = info.image_shape
    side = info.min_side
    if side is None and height and width:
        side = min(height, width)
    return height, width, channels, side


def _shape_text(shape: tuple) -> str:
    height, width, channels, side = shape
    if height and width:
        return f"{height}x{width}x{channels or '?'}"
    return f"shortest side {side}, {channels or '?'} channels"


def size_from_data(config: TrainConfig) -> dict:
    """The `image_size` and `channels` that fit `config.dataset` natively.

    Args:
        config: TrainConfig. Names the dataset and how to read it.

    Returns:
        A dict with `image_size` (the native size, at most 64, rounded down
        to a multiple of 4) and `channels` (1 for grayscale data, else 3).

    Raises:
        ValueError: The images are smaller than 16 pixels, or their size
            cannot be told.
    """
    *_, channels, side = _native_shape(config)
    if side is None:
        raise OptionError(
            f"Cannot tell the image size of {config.dataset!r}; pass "
            "{image_size}.",
            image_size=Option("image_size"),
        )
    image_size = min(side, MAX_DATA_IMAGE_SIZE) // 4 * 4
    if image_size < 16:
        raise OptionError(
            f"The images of {config.dataset!r} are {side} pixels, smaller "
            "than the 16 the smallest DCGAN makes; pass {image_size} "
            "(e.g. 16) with {resize} to enlarge them.",
            image_size=Option("image_size"),
            resize="bilinear",
        )
    return {
        "image_size": image_size,
        "channels": 1 if channels in (1, 2) else 3,
    }
