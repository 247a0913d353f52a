"""The values each named option accepts, with no TensorFlow import.

The networks, losses, data pipeline and distribution helpers validate
against these tuples, and the command line builds its flags from them
before (and without) loading TensorFlow.
"""

import numbers

# The values each training option that is a number accepts, one table for
# `TrainConfig` and `DCGAN` (`keras_dcgan.checks.check_number`'s syntax).
NUMBER_RANGES = {
    "d_learning_rate": "> 0",
    "g_learning_rate": "> 0",
    "beta_1": "[0, 1)",
    "beta_2": "[0, 1)",
    "label_smoothing": "[0, 1)",
    "gradient_penalty_weight": ">= 0",
    "ema_decay": "(0, 1)",
    "augment_probability": "[0, 1]",
    "ada_target": "(0, 1)",
    "r1_weight": ">= 0",
    "mode_seeking_weight": ">= 0",
}

# Hidden-layer and output activations (`keras_dcgan.models.blocks`).
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "linear")
# Normalization after each convolution (`keras_dcgan.models.blocks`).
NORMALIZATIONS = ("batch", "layer", "spectral", "none")
# How the generator doubles its feature maps (`keras_dcgan.models.blocks`).
UPSAMPLING_MODES = ("transposed", "nearest", "bilinear")
# How the discriminator halves them (`keras_dcgan.models.blocks`).
DOWNSAMPLING_MODES = ("strided", "max_pool", "avg_pool")
# Convolution padding (`keras_dcgan.models.blocks`).
PADDINGS = ("same", "valid")
# GAN losses (`keras_dcgan.losses`).
LOSSES = ("non_saturating", "minimax", "least_squares", "hinge", "wasserstein")
# The losses whose real labels can be smoothed.
CROSS_ENTROPY_LOSSES = ("non_saturating", "minimax")
# How a class-conditional discriminator uses labels.
CONDITIONINGS = ("projection", "channels")

# Where a conditional DCGAN's fakes get their labels in training.
FAKE_LABELS = ("uniform", "data")
# Distribution strategies by name (`keras_dcgan.distribute`).
STRATEGIES = ("default", "one_device", "mirrored", "multi_worker", "tpu")
# Cross-device communication of the multi-worker strategy.
COMMUNICATIONS = ("auto", "ring", "nccl")
# `tf.image.resize` methods; "area" averages the source pixels under each
# output pixel, the right choice when shrinking (no aliasing).
RESIZE_METHODS = (
    "area",
    "bilinear",
    "bicubic",
    "nearest",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)
# `keras_dcgan.data.load(resize=...)` also accepts "pad": reach the size by
# padding.
RESIZE_CHOICES = (*RESIZE_METHODS, "pad")


def check_loss(loss: str, label_smoothing: float = 0.0) -> None:
    """Validates a loss name and its label smoothing.

    Args:
        loss: str. One of `LOSSES`.
        label_smoothing: float. One-sided label smoothing in [0, 1).

    Raises:
        ValueError: An unknown loss, a smoothing outside [0, 1), or a
            smoothing with a loss that has no labels to smooth.

    Example:
    >>> check_loss("hinge")
    """
    if loss not in LOSSES:
        raise ValueError(
            f"Unknown loss {loss!r}; expected one of {list(LOSSES)}."
        )
    # `keras_dcgan.checks.check_number`'s test, written out: this module
    # imports nothing from the package (setup.cfg's layers).
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, numbers.Real)
        or not 0.0 <= label_smoothing < 1.0
    ):
        raise ValueError(
            "`label_smoothing` must be a number in [0, 1); received "
            f"{label_smoothing!r}."
        )
    if label_smoothing and loss not in CROSS_ENTROPY_LOSSES:
        raise ValueError(
            f"label_smoothing={label_smoothing} applies to cross-entropy "
            f"losses {list(CROSS_ENTROPY_LOSSES)}; loss {loss!r} has no "
            "labels to smooth. Set label_smoothing=0."
        )


def check_conditional_only(argument: str, value, default, num_classes) -> None:
    """Refuses a conditional-only setting changed on an unconditional model.

    A setting that only class labels give a meaning to (the generator's
    label embedding, the discriminator's conditioning, where the fakes' labels
    come from, the labels' feature) would otherwise be accepted and do
    nothing.

    Args:
        argument: str. The setting's name, for the message.
        value: The value given.
        default: The setting's default, accepted without classes.
        num_classes: int or None. The model's classes; None is unconditional.

    Raises:
        ValueError: `num_classes` is None and `value` is not `default`.

    Example:
    >>> check_conditional_only("fake_labels", "data", "uniform", 10)
    """
    if num_classes is None and value != default:
        raise ValueError(
            f"`{argument}`={value!r} applies to a class-conditional DCGAN "
            "only, and this one is unconditional (`num_classes` is None). "
            "Give it classes (`num_classes`; `--conditional` on the command "
            f"line), or leave `{argument}` at its default ({default!r})."
        )


def check_mode_seeking(weight: float, fake_labels: str) -> None:
    """Refuses the mode-seeking regularizer with the real batch's labels.

    MSGAN's penalty pairs fakes drawn for the same class from two latents;
    `fake_labels="data"` gives the fakes the real batch's labels, whose
    halves hold different classes.

    Args:
        weight: float. `mode_seeking_weight`.
        fake_labels: str. `fake_labels`.

    Raises:
        ValueError: `weight` above 0 with `fake_labels` `"data"`.

    Example:
    >>> check_mode_seeking(1.0, "uniform")
    """
    if weight and fake_labels == "data":
        raise ValueError(
            f"`mode_seeking_weight`={weight!r} pairs fakes drawn for the same "
            "classes, which `fake_labels`='data' (the real batch's labels) "
            "cannot give; set `fake_labels` to 'uniform' or "
            "`mode_seeking_weight` to 0."
        )


# WGAN-GP's weight (Gulrajani et al. 2017), the default of every API.
DEFAULT_GRADIENT_PENALTY_WEIGHT = 10.0


def check_gradient_penalty(loss: str, gradient_penalty_weight: float) -> None:
    """Refuses a gradient-penalty weight that the loss would not use.

    Only `"wasserstein"` (WGAN-GP) has the penalty; another weight than the
    default with another loss would be accepted and do nothing.

    Args:
        loss: str. One of `LOSSES`.
        gradient_penalty_weight: float. The WGAN-GP weight given.

    Raises:
        ValueError: A weight other than the default (10) with a loss other
            than `"wasserstein"`.

    Example:
    >>> check_gradient_penalty("wasserstein", 5.0)
    """
    if (
        loss != "wasserstein"
        and gradient_penalty_weight != DEFAULT_GRADIENT_PENALTY_WEIGHT
    ):
        raise ValueError(
            f"gradient_penalty_weight={gradient_penalty_weight} weights "
            "WGAN-GP's gradient penalty, which only loss 'wasserstein' has; "
            f"loss {loss!r} would ignore it. Use loss='wasserstein', or "
            "leave gradient_penalty_weight at its default "
            f"({DEFAULT_GRADIENT_PENALTY_WEIGHT})."
        )


# Compute precisions of `TrainConfig.precision`: Keras dtype policies, or
# "auto" (mixed_bfloat16 where the device has bfloat16 units, else float32;
# `keras_dcgan.training.trainer.resolve_precision`).
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16", "auto")

# DiffAugment transforms (`keras_dcgan.augment`) and the uniform numbers each
# consumes per image: one decides whether it is applied (probability p), the
# others parametrise it.
AUGMENTATIONS = {"color": 4, "translation": 3, "cutout": 3}


def parse_augment_policy(policy: str | None) -> tuple[str, ...]:
    """The transforms of a policy string such as `"translation,cutout"`.

    Args:
        policy: str or None. Comma-separated names from `AUGMENTATIONS`
            (`"color"`, `"translation"`, `"cutout"`), applied in that order;
            None or `""` is no augmentation.

    Returns:
        A tuple of transform names, empty for no augmentation.

    Raises:
        ValueError: An unknown or repeated name.

    Example:
    >>> parse_augment_policy("translation,cutout,color")
    ('translation', 'cutout', 'color')
    """
    if not policy:
        return ()
    if not isinstance(policy, str):
        raise ValueError(
            "`augment` must be a string such as 'translation,cutout,color' "
            f"or None; received {policy!r}."
        )
    names = tuple(name.strip() for name in policy.split(","))
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(
            f"Unknown or repeated augmentation {unknown or list(names)} in "
            f"augment={policy!r}; expected comma-separated names from "
            f"{sorted(AUGMENTATIONS)}, each at most once."
        )
    return names
