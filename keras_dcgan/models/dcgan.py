"""The DCGAN training model: composes a generator and a discriminator."""

import functools
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_dcgan import augment as augment_lib
from keras_dcgan import distribute
from keras_dcgan import losses
from keras_dcgan import optimizers
from keras_dcgan import options
from keras_dcgan import tfdata
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_choice
from keras_dcgan.checks import check_number
from keras_dcgan.checks import check_positive_int
from keras_dcgan.models import conditioning

# Registers the networks a saved DCGAN holds (presets imports them lazily).
from keras_dcgan.models import discriminator as _discriminator  # noqa: F401
from keras_dcgan.models import generator as _generator  # noqa: F401
from keras_dcgan.models import presets
from keras_dcgan.sampling import check_seed
from keras_dcgan.sampling import sample_labels
from keras_dcgan.sampling import sample_latents


def _check_option(name, value, or_none=False):
    """`check_number` against the option's range in `options.NUMBER_RANGES`."""
    check_number(name, value, options.NUMBER_RANGES[name], or_none=or_none)


# The `keras.Model.compile` arguments that apply to a GAN.
KERAS_COMPILE_OPTIONS = ("jit_compile", "steps_per_execution", "run_eagerly")


def paper_adam() -> keras.optimizers.Adam:
    """The paper's optimizer: Adam with learning rate 2e-4 and beta_1 0.5.

    Returns:
        A new `keras_dcgan.optimizers.Adam`: Keras's Adam with one fused
        update op per variable.
    """
    return optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _check_lazy_r1(r1_weight, r1_interval, steps_per_execution):
    """Lazy R1 picks its step function per step: one step per execution."""
    if r1_weight and r1_interval > 1 and steps_per_execution > 1:
        raise ValueError(
            f"`r1_interval={r1_interval}` (lazy R1) needs "
            "`steps_per_execution=1`; received "
            f"`steps_per_execution={steps_per_execution}`. Use one of the "
            "two, or `r1_interval=1` (R1 on every step)."
        )


def _after_data(train_step):
    """Makes every state change of `train_step` wait for its batch.

    Keras runs a step on a dataset of unknown length until the iterator
    reports its end, inside the step's graph. Noise draws, batch-norm updates
    and step counters that do not consume the batch would otherwise run on
    that last, non-existent batch; under this control dependency nothing of
    the step runs unless a real batch arrived. (`train_on_batch` passes
    `(x, None, None)`: the Nones are no dependency.)
    """

    @functools.wraps(train_step)
    def wrapped(self, data, **kwargs):
        tensors = [t for t in tf.nest.flatten(data) if t is not None]
        with tf.control_dependencies(tensors):
            return train_step(self, data, **kwargs)

    return wrapped


# The message of the per-element check, recognized when `fit` re-raises it.
NON_FINITE_IMAGES = "keras_dcgan: the training images contain NaN or inf"
BAD_LABELS = "keras_dcgan: a label is outside [0, num_classes)"


def check_finite_images(
    dataset: tf.data.Dataset, num_classes: int | None = None
) -> tf.data.Dataset:
    """`dataset` with every element's images checked for NaN and inf.

    `check_pixel_range` reads only the first batch; this checks each one as
    training reads it (a reduction over the images, negligible next to a
    training step), so a bad image later in the data stops `DCGAN.fit` with
    a `ValueError` instead of training on NaN.

    Args:
        dataset: tf.data.Dataset. Elements of images, or tuples whose first
            item holds the images; dict elements pass unchecked.
        num_classes: int or None. For a conditional model: the second item
            of each element, the labels, must be integer class ids in
            `[0, num_classes)`. None checks no labels. Defaults to None.

    Returns:
        A `tf.data.Dataset` with the same elements.

    Raises:
        ValueError: Labels (with `num_classes`) that are not integers.

    Example:
    >>> data = tf.data.Dataset.from_tensor_slices(np.zeros((2, 4, 4, 1)))
    >>> len(list(check_finite_images(data)))
    2
    """
    if isinstance(dataset.element_spec, dict):
        return dataset

    spec = dataset.element_spec
    labelled = num_classes is not None and isinstance(spec, tuple)
    if labelled and len(spec) > 1:
        dtype = getattr(spec[1], "dtype", None)
        if dtype is None or not dtype.is_integer:
            raise ValueError(
                f"The dataset's labels have dtype {dtype}; expected integer "
                "class ids (a float label such as 1.5 would be truncated)."
            )

    def check(*element):
        images = tf.debugging.assert_all_finite(element[0], NON_FINITE_IMAGES)
        if labelled and len(element) > 1:
            labels = element[1]
            checks = [
                tf.debugging.assert_non_negative(labels, message=BAD_LABELS),
                tf.debugging.assert_less(
                    labels, tf.cast(num_classes, labels.dtype), BAD_LABELS
                ),
            ]
            with tf.control_dependencies(checks):
                labels = tf.identity(labels)
            return (images, labels, *element[2:])
        return (images, *element[1:]) if len(element) > 1 else images

    return dataset.map(check)


# Where to look instead of a test loss, which a GAN does not have.
NO_TEST_LOSS = (
    "A GAN has no test loss: its two losses measure the networks against "
    "each other, not against held-out data. Score samples instead with "
    "`keras_dcgan.metrics.evaluate_gan` (FID, KID, precision/recall) or "
    "`keras-dcgan evaluate`, or during `fit` with the callback "
    "`keras_dcgan.metrics.EvaluationCallback`."
)


# `keras.Model.fit` arguments that only Keras's own handling of in-memory
# arrays understands; with any of them `DCGAN.fit` leaves arrays to Keras.
_ARRAY_ONLY_FIT_ARGS = (
    "sample_weight",
    "class_weight",
    "steps_per_epoch",
)


def _array_batches(x, y, kwargs):
    """The batches Keras's `fit` makes of in-memory arrays, as a dataset.

    In order (`shuffle=False`) or in a new random order every epoch, the
    last batch partial, as `keras.Model.fit` batches arrays, but without
    tf.data autotuning (`keras_dcgan.tfdata`). Unlike Keras 3.15, whose
    array batches repeat the first epoch's order in every epoch once
    `keras.utils.set_random_seed` was called, each epoch is reshuffled
    (reproducibly under that seed).

    Returns:
        A `tf.data.Dataset` of `images` or `(images, labels)` batches, or
        None (leaving the arrays to Keras) for inputs that are not one
        image array and an optional label array, and for arguments only
        Keras's array handling takes (`_ARRAY_ONLY_FIT_ARGS`,
        `shuffle="batch"`).
    """
    if not isinstance(x, (np.ndarray, tf.Tensor)) or not (
        y is None or isinstance(y, (np.ndarray, tf.Tensor))
    ):
        return None
    if any(kwargs.get(name) is not None for name in _ARRAY_ONLY_FIT_ARGS):
        return None
    shuffle = kwargs.get("shuffle", True)
    if shuffle not in (True, False) or not len(x):
        return None  # shuffle="batch"; no images is Keras's error to give
    arrays = tuple(
        tf.convert_to_tensor(array) for array in (x, y) if array is not None
    )
    if len(arrays) == 2 and arrays[1].shape[0] != arrays[0].shape[0]:
        return None  # Keras names the mismatch
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), reshuffle_each_iteration=True)

    def gather(batch):
        batch = tuple(tf.gather(array, batch) for array in arrays)
        return batch if len(batch) == 2 else batch[0]

    return indices.batch(kwargs.get("batch_size") or 32).map(gather)


def check_pixel_range(x, name: str = "x") -> None:
    """Checks that training images are floats in [-1, 1] (see `DCGAN.fit`).

    Args:
        x: array, tensor, `tf.data.Dataset` (its first element is checked)
            or anything else (not checked). A tuple's first item holds the
            images.
        name: str. What the caller calls `x`, for messages. Defaults to
            `"x"`.

    Raises:
        ValueError: Integer pixels or values outside [-1, 1].
    """
    if isinstance(x, tf.data.Dataset):
        element = next(iter(x.take(1)), None)
        if element is None:
            return
        images, where = element, f"the first batch of {name}"
    elif isinstance(x, (np.ndarray, tf.Tensor)) or (
        isinstance(x, (tuple, list)) and x and hasattr(x[0], "dtype")
    ):
        images, where = x, name
    else:
        return
    if isinstance(images, dict):
        return
    if isinstance(images, (tuple, list)):
        images = images[0]
    dtype = np.dtype(getattr(images.dtype, "as_numpy_dtype", images.dtype))
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(
            f"The images of {where} have dtype {dtype}; DCGAN trains on float "
            "images in [-1, 1]. Rescale them (uint8: `images / 127.5 - 1`) "
            "or load them with `keras_dcgan.data.load`."
        )
    values = np.asarray(images)
    if values.size == 0:
        return
    low, high = float(np.min(values)), float(np.max(values))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"The images of {where} contain NaN or inf values.")
    # float32 rounding of a rescale may overshoot by an ulp or so.
    if low < -1.001 or high > 1.001:
        hint = (
            "0..255 values: use `images / 127.5 - 1`"
            if high > 2
            else "rescale them"
        )
        raise ValueError(
            f"The pixel values of {where} span [{low:g}, {high:g}]; DCGAN "
            f"trains on images in [-1, 1] ({hint}, or load them with "
            "`keras_dcgan.data.load`)."
        )
    if low >= 0:
        warnings.warn(
            f"The pixel values of {where} span [{low:g}, {high:g}], none "
            "below 0: images scaled to [0, 1] instead of [-1, 1]? If so, "
            "use `images * 2 - 1`.",
            stacklevel=3,
        )


def _loss_scaled(optimizer):
    """Wraps `optimizer` in a dynamic `LossScaleOptimizer` unless it is one."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


@keras.saving.register_keras_serializable(package="keras_dcgan")
class DCGAN(keras.Model):
    """A generative adversarial network trained with `model.fit`.

    `DCGAN` composes a generator (latents to images) and a discriminator
    (images to one logit each) and trains them adversarially in a custom
    `train_step`: `discriminator_steps` discriminator updates, each on the
    real batch and a freshly generated batch passed through the discriminator
    separately (so batch normalization never mixes real and fake statistics),
    then one generator update. Losses are averaged over the global batch, so
    training is correct under any `tf.distribute` strategy.

    With class-conditional networks (built with `num_classes`, taking
    `[latents, labels]` and `[images, labels]`), the model trains on
    `(images, labels)` batches, such as `keras_dcgan.data.load(...,
    with_labels=True)` yields: the real images are judged with their labels,
    the fakes are generated for and judged with labels drawn uniformly from
    the classes, and `generate` takes the classes to draw.

    Args:
        generator: keras.Model. Maps `(batch, latent_dim)` latents (and, if
            conditional, `(batch,)` int32 labels) to images.
        discriminator: keras.Model. Maps images (and, if conditional,
            labels) to `(batch, 1)` logits.
        seed: int or None. Seed of the training noise: the same seed, data
            and initial weights give the same run. Defaults to None.
        ema_decay: float or None. When set, keeps an exponential moving
            average of the generator's weights (`ema_generator`), updated after
            every generator step and used by `generate` and for export.
            Typical values are 0.999 to 0.9999. Defaults to None.
        **kwargs: Standard `keras.Model` arguments such as `name`.

    Example:
    >>> gan = DCGAN.from_preset("mnist", seed=0)
    >>> gan.compile()
    >>> images = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    >>> history = gan.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> gan.generate(4, seed=1).shape
    (4, 28, 28, 1)

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", 2015.
        https://arxiv.org/abs/1511.06434
    """

    def __init__(
        self, generator, discriminator, seed=None, ema_decay=None, **kwargs
    ):
        super().__init__(**kwargs)
        for name, network in (
            ("generator", generator),
            ("discriminator", discriminator),
        ):
            if not (
                isinstance(network, keras.Model)
                and getattr(network, "inputs", None)
                and getattr(network, "outputs", None)
            ):
                raise ValueError(
                    f"`{name}` must be a Keras model with known inputs and "
                    "outputs, such as `keras_dcgan.Generator(...)` and "
                    "`keras_dcgan.Discriminator(...)` or another functional "
                    f"model; received {network!r}."
                )
        image_shape = tuple(generator.outputs[0].shape[1:])
        if image_shape != tuple(discriminator.inputs[0].shape[1:]):
            raise ValueError(
                f"The generator makes images of shape {image_shape} but the "
                "discriminator takes "
                f"{tuple(discriminator.inputs[0].shape[1:])}; build both for "
                "the same image size and channels."
            )
        _check_option("ema_decay", ema_decay, or_none=True)
        if isinstance(seed, np.integer):
            seed = int(seed)  # saved in get_config, which needs JSON
        check_seed(seed)
        if conditioning.is_conditional(
            generator
        ) != conditioning.is_conditional(discriminator):
            raise ValueError(
                "One network is class-conditional and the other is not "
                f"(generator inputs: {[i.name for i in generator.inputs]}, "
                "discriminator inputs: "
                f"{[i.name for i in discriminator.inputs]}); build both with "
                "the same `num_classes`."
            )
        num_classes = getattr(generator, "num_classes", None)
        if num_classes != getattr(discriminator, "num_classes", None):
            raise ValueError(
                f"The generator has num_classes={num_classes} but the "
                "discriminator "
                f"{getattr(discriminator, 'num_classes', None)}; build both "
                "for the same classes."
            )
        if conditioning.is_conditional(generator) and num_classes is None:
            raise ValueError(
                "A conditional generator must say its `num_classes` (an "
                "attribute, as `keras_dcgan.Generator` has)."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.seed = seed
        self.ema_decay = ema_decay
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = image_shape
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="noise_seed"
        )
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = type(generator).from_config(
                generator.get_config()
            )
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_prob_tracker = keras.metrics.Mean(name="real_prob")
        self.fake_prob_tracker = keras.metrics.Mean(name="fake_prob")
        # Both networks are built functional models, so there is nothing
        # left to build; under a strategy Keras would otherwise call `call()`
        # on a batch of images, which are not latents.
        self.built = True

    @classmethod
    def from_preset(cls, name, seed=None, ema_decay=None, **overrides):
        """Builds the paper's networks for a named preset.

        Args:
            name: str. One of `keras_dcgan.PRESETS`: `"mnist"` and
                `"fashion_mnist"` (28x28x1), `"cifar10"` (32x32x3),
                `"celeba64"` (64x64x3) or `"dcgan128"` (128x128x3).
            seed: int or None. Seed of the training noise. Defaults to None.
            ema_decay: float or None. See the class arguments. Defaults to
                None.
            **overrides: Fields of `keras_dcgan.models.presets.NetworkConfig` to
                change, such as `image_size=32` or `upsampling="nearest"`.

        Returns:
            A `DCGAN`, not yet compiled.

        Example:
        >>> gan = DCGAN.from_preset("cifar10", upsampling="bilinear")
        >>> gan.image_shape
        (32, 32, 3)
        """
        config = presets.get_preset(name, **overrides)
        return cls(
            generator=config.build_generator(),
            discriminator=config.build_discriminator(),
            seed=seed,
            ema_decay=ema_decay,
        )

    @property
    def sampling_generator(self):
        """The generator to sample and export: the EMA copy if there is one."""
        return self.ema_generator or self.generator

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.real_prob_tracker,
            self.fake_prob_tracker,
        ]

    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="non_saturating",
        gradient_penalty_weight=10.0,
        label_smoothing=0.0,
        discriminator_steps=1,
        augment=None,
        augment_probability=None,
        ada_target=None,
        r1_weight=0.0,
        r1_interval=1,
        reuse_fakes=False,
        fake_labels="uniform",
        mode_seeking_weight=0.0,
        **kwargs,
    ):
        """Configures the adversarial training.

        Args:
            d_optimizer: keras.optimizers.Optimizer, str or None. The
                discriminator's optimizer. None uses the paper's
                Adam(2e-4, beta_1=0.5), as `keras_dcgan.optimizers.Adam`
                (Keras's Adam with one fused op per variable). Defaults to
                None.
            g_optimizer: keras.optimizers.Optimizer, str or None. The
                generator's optimizer, a different object from
                `d_optimizer`. Defaults to None (the paper's Adam). When
                either network computes in float16 (the `"mixed_float16"`
                dtype policy), both optimizers are wrapped in a
                `keras.optimizers.LossScaleOptimizer`.
            loss: str. `"non_saturating"`, `"minimax"`, `"least_squares"`,
                `"hinge"` or `"wasserstein"` (with gradient penalty). Defaults
                to `"non_saturating"`.
            gradient_penalty_weight: float. Weight of the WGAN-GP penalty
                `(||grad D(x_hat)|| - 1)^2` at random interpolates `x_hat` of
                real and fake images; only used by `"wasserstein"`, so
                another loss takes only the default. Defaults to 10.
            label_smoothing: float. One-sided label smoothing of the real
                labels, for the cross-entropy losses. Defaults to 0.
            discriminator_steps: int. Discriminator updates per generator
                update. Each reuses the step's real batch with new fakes.
                Defaults to 1.
            augment: str or None. Differentiable augmentation (DiffAugment)
                of every discriminator input, real and fake, in both the
                discriminator and the generator updates and in training
                only: comma-separated transforms from
                `keras_dcgan.augment.TRANSFORMS`, such as
                `"translation,cutout,color"`. None augments nothing.
                Defaults to None.
            augment_probability: float or None. Chance in [0, 1] that each
                transform is applied to each image. None means 1, or 0 at
                the start of adaptive augmentation. Defaults to None.
            ada_target: float or None. Adaptive augmentation (ADA): after
                every step the probability moves toward keeping
                `r_t = E[sign(D(real))]` at this target (0.6 in the paper),
                by up to `batch / keras_dcgan.augment.ADA_ADJUSTMENT_IMAGES`
                a step. The probability is saved with the model, so a
                resumed run continues with it. Needs `augment`. None keeps
                the probability fixed. Defaults to None.
            r1_weight: float. Weight gamma of the R1 penalty on real
                images, `gamma / 2 * ||grad_x D(x)||^2` per example, added
                to the discriminator loss of any `loss`; typical values are
                0.1 to 10. 0 turns it off. Defaults to 0.
            r1_interval: int. Lazy regularization (Karras et al. 2020,
                StyleGAN2): `fit` adds R1 on every `r1_interval`-th step
                only (those where the generator's step count is a multiple
                of it), at weight `r1_weight * r1_interval`, so the
                penalty's average weight is unchanged and its double
                back-propagation costs `1 / r1_interval` of what it costs
                every step. The two kinds of step are separately compiled
                functions (inside an XLA step, a `tf.cond` ran its
                convolutions about 50x slower on CPU; docs/quality.md).
                1 regularizes every step. No
                effect when `r1_weight` is 0. Above 1 with R1 on, needs
                `steps_per_execution=1`. Calling `train_step` directly
                applies R1 on every step at `r1_weight`. Defaults to 1.
            reuse_fakes: bool. When True, the generator update reuses the
                fakes of the (last) discriminator update, judged by the
                updated discriminator, as pytorch/examples' DCGAN loop does,
                instead of drawing new latents and running the generator
                again: one generator forward pass less per step (3G + 8D
                instead of 4G + 8D network passes, about 9% less arithmetic
                for the presets), and the generator's batch-norm moving
                statistics are updated once per step instead of twice. False
                is the paper's algorithm. Defaults to False.
            fake_labels: str. Where a conditional DCGAN's fakes get their
                classes in training: `"uniform"` draws them uniformly;
                `"data"` gives the fakes the labels of the step's real
                batch, so the discriminator sees the same classes, in the
                same numbers, real and fake, and cannot tell them apart by
                the classes' frequencies (StyleGAN2-ADA likewise draws the
                generator's conditions from the training labels). An
                unconditional DCGAN draws no labels, so it takes only
                `"uniform"`. Sampling (`generate`) is not affected.
                Defaults to `"uniform"`.
            mode_seeking_weight: float. Weight lambda of the mode-seeking
                regularizer (Mao et al. 2019, MSGAN), which pushes the
                generator against mode collapse: the generator update
                splits its batch of fakes into two halves drawn for the
                same classes (with `fake_labels="uniform"`) from different
                latents, and adds `lambda / (d_img / d_z + 1e-5)` to its
                loss, where `d_img` is the mean absolute difference of the
                paired images (pixels in [-1, 1]) and `d_z` that of their
                latents: fakes that differ less than their latents are
                penalized. Computed in float32. Under `tf.distribute` each
                replica pairs the fakes of its own batch. 0 turns it off;
                MSGAN used 1. Needs `fake_labels="uniform"`. Defaults to 0.
            **kwargs: `keras.Model.compile` arguments that apply to a GAN:
                `jit_compile`, `steps_per_execution`, `run_eagerly`.
                Keras's `jit_compile="auto"` leaves XLA off on CPU-only
                machines and under `tf.distribute`; on one CPU device
                `jit_compile=True` trains about 1.5x faster
                (docs/performance.md), and `keras_dcgan.training` turns it
                on there.

        Raises:
            ValueError: An unknown `loss` or augmentation, an option out of
                its range (the message names it and the allowed range), an
                option the model would not use (`gradient_penalty_weight`
                with another loss than `"wasserstein"`, `fake_labels` on an
                unconditional model, `mode_seeking_weight` with
                `fake_labels="data"`), the
                same optimizer object for both networks, an argument of
                `keras.Model.compile` a GAN does not take, or `r1_interval`
                above 1 with `r1_weight` and `steps_per_execution` above 1.

        Example:
        >>> gan = DCGAN.from_preset("mnist")
        >>> gan.compile(loss="wasserstein", discriminator_steps=2)
        >>> gan.compile(augment="translation,cutout", ada_target=0.6,
        ...             r1_weight=1.0)
        >>> gan.compile(r1_weight=0.4, r1_interval=4)

        Reference:
            Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
            Training", 2020. https://arxiv.org/abs/2006.10738 ;
            Karras et al., "Training Generative Adversarial Networks with
            Limited Data", 2020. https://arxiv.org/abs/2006.06676 ;
            Mescheder et al., "Which Training Methods for GANs do actually
            Converge?", 2018 (R1). https://arxiv.org/abs/1801.04406 ;
            Karras et al., "Analyzing and Improving the Image Quality of
            StyleGAN", 2020 (lazy regularization, section 3.1).
            https://arxiv.org/abs/1912.04958 ;
            Mao et al., "Mode Seeking Generative Adversarial Networks for
            Diverse Image Synthesis", 2019 (MSGAN, equation 3).
            https://arxiv.org/abs/1903.05628
        """
        losses.check_loss(loss, label_smoothing)
        policy = augment_lib.parse_policy(augment)
        self._check_augment_options(
            policy, augment_probability, ada_target, r1_weight
        )
        _check_option("gradient_penalty_weight", gradient_penalty_weight)
        options.check_gradient_penalty(loss, gradient_penalty_weight)
        check_positive_int("discriminator_steps", discriminator_steps)
        check_bool("reuse_fakes", reuse_fakes)
        check_choice("fake_labels", fake_labels, options.FAKE_LABELS)
        conditioning.check_conditional_only(
            "fake_labels", fake_labels, "uniform", self.num_classes
        )
        check_positive_int("r1_interval", r1_interval)
        _check_option("mode_seeking_weight", mode_seeking_weight)
        options.check_mode_seeking(mode_seeking_weight, fake_labels)
        self._check_keras_options(kwargs)
        _check_lazy_r1(
            r1_weight, r1_interval, kwargs.get("steps_per_execution", 1)
        )
        # No `optimizer`: Keras would otherwise create a default RMSprop
        # that nothing uses, and save it with every checkpoint.
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = keras.optimizers.get(d_optimizer or paper_adam())
        self.g_optimizer = keras.optimizers.get(g_optimizer or paper_adam())
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer are the same object; each "
                "network needs its own optimizer state."
            )
        if self._computes_in_float16():
            # float16 gradients underflow without loss scaling. Both
            # optimizers need it: the generator's gradients pass through the
            # discriminator. bfloat16 has float32's range and needs none.
            self.d_optimizer = _loss_scaled(self.d_optimizer)
            self.g_optimizer = _loss_scaled(self.g_optimizer)
        self.loss_name = loss
        self.gradient_penalty_weight = gradient_penalty_weight
        self.label_smoothing = label_smoothing
        self.discriminator_steps = discriminator_steps
        self.augment = augment
        self.augment_policy = policy
        self.ada_target = ada_target
        self.r1_weight = float(r1_weight)
        self.r1_interval = r1_interval
        self.augment_probability = augment_probability
        self.augment_p = None
        if policy:
            if augment_probability is None:
                augment_probability = 0.0 if ada_target is not None else 1.0
            # Changed by adaptive augmentation; every replica computes the
            # same update, so the first replica's value is the value.
            self.augment_p = keras.Variable(
                float(augment_probability),
                trainable=False,
                dtype="float32",
                aggregation="only_first_replica",
                name="augment_probability",
            )
        self.reuse_fakes = reuse_fakes
        self.fake_labels = fake_labels
        self.mode_seeking_weight = float(mode_seeking_weight)
        # Slot variables must exist before a distributed step runs: creating
        # them lazily inside a replica context fails under MirroredStrategy.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @staticmethod
    def _check_keras_options(kwargs):
        unsupported = set(kwargs) - set(KERAS_COMPILE_OPTIONS)
        if unsupported:
            raise ValueError(
                f"DCGAN.compile() does not take {sorted(unsupported)}; of "
                "`keras.Model.compile`'s arguments it takes only "
                f"{list(KERAS_COMPILE_OPTIONS)}. Set learning rates on the "
                "optimizers (`d_optimizer=keras.optimizers.Adam(1e-4)`); the "
                "losses are chosen by `loss` and tracked automatically."
            )
        # Keras reads any truthy value as on: "false" would turn XLA on.
        if kwargs.get("jit_compile", "auto") not in (True, False, "auto"):
            raise ValueError(
                "`jit_compile` must be True, False or 'auto'; received "
                f"{kwargs['jit_compile']!r}."
            )
        check_bool("run_eagerly", kwargs.get("run_eagerly", False))
        check_positive_int(
            "steps_per_execution", kwargs.get("steps_per_execution", 1)
        )

    @staticmethod
    def _check_augment_options(policy, probability, ada_target, r1_weight):
        _check_option("augment_probability", probability, or_none=True)
        if probability is not None and not policy:
            raise ValueError(
                f"`augment_probability={probability!r}` needs an `augment` "
                "policy such as 'translation,cutout,color'."
            )
        if ada_target is not None:
            if not policy:
                raise ValueError(
                    f"`ada_target={ada_target!r}` (adaptive augmentation) "
                    "needs an `augment` policy such as "
                    "'translation,cutout,color'."
                )
            _check_option("ada_target", ada_target, or_none=True)
        _check_option("r1_weight", r1_weight)

    def _computes_in_float16(self):
        return "float16" in (
            self.generator.dtype_policy.compute_dtype,
            self.discriminator.dtype_policy.compute_dtype,
        )

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(
                self.d_optimizer
            ),
            "g_optimizer": keras.saving.serialize_keras_object(
                self.g_optimizer
            ),
            "loss": self.loss_name,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "label_smoothing": self.label_smoothing,
            "discriminator_steps": self.discriminator_steps,
            "augment": self.augment,
            "augment_probability": self.augment_probability,
            "ada_target": self.ada_target,
            "r1_weight": self.r1_weight,
            "r1_interval": self.r1_interval,
            "reuse_fakes": self.reuse_fakes,
            "fake_labels": self.fake_labels,
            "mode_seeking_weight": self.mode_seeking_weight,
            "jit_compile": self.jit_compile,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        config = dict(config)
        # Checkpoints saved before unused settings were refused may hold
        # one; it never had an effect, so it loads as the default.
        if config.get("loss") != "wasserstein":
            config["gradient_penalty_weight"] = (
                options.DEFAULT_GRADIENT_PENALTY_WEIGHT
            )
        if not self.conditional:
            config["fake_labels"] = "uniform"
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(
                self.discriminator
            ),
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def save_own_variables(self, store):
        # The networks and optimizers save themselves; the model's own state
        # is the training-noise seed, saved so a resumed run draws the noise
        # the uninterrupted run would have drawn.
        store["noise_seed"] = keras.ops.convert_to_numpy(
            self.seed_generator.state
        )
        # The adaptive augmentation probability, so a resumed run continues
        # with the probability the killed run had reached.
        if getattr(self, "augment_p", None) is not None:
            store["augment_probability"] = keras.ops.convert_to_numpy(
                self.augment_p
            )

    def load_own_variables(self, store):
        self.seed_generator.state.assign(store["noise_seed"])
        if getattr(self, "augment_p", None) is not None:
            self.augment_p.assign(store["augment_probability"])

    @property
    def conditional(self):
        """Whether the networks take class labels."""
        return self.num_classes is not None

    def call(self, inputs, training=False):
        """Generates images with the sampling generator.

        `inputs` are latents, or `[latents, labels]` when conditional.
        """
        return self.sampling_generator(inputs, training=training)

    def generate(self, num_samples, labels=None, seed=None, batch_size=64):
        """Generates images in inference mode.

        Args:
            num_samples: int. How many images.
            labels: int, array-like or None. For a conditional model, the
                class of every image (an int) or of each image (int array
                `(num_samples,)`); None draws classes uniformly from `seed`
                (`sample_labels`). An unconditional model takes None only.
                Defaults to None.
            seed: int or None. Seed of the latents: the same seed gives the
                same images (and the same as the exported SavedModel's
                `generate_uint8` signature). Defaults to None.
            batch_size: int. Images per forward pass. Defaults to 64.

        Returns:
            A float32 numpy array `(num_samples, height, width, channels)`,
            in [-1, 1] for a tanh generator.

        Example:
        >>> gan = DCGAN.from_preset("mnist")
        >>> gan.generate(3, seed=0).shape
        (3, 28, 28, 1)
        >>> gan = DCGAN.from_preset("mnist", num_classes=10)
        >>> gan.generate(2, labels=[3, 7], seed=0).shape
        (2, 28, 28, 1)
        """
        # NumPy integers (np.int64(2), an array's len) count like ints.
        if isinstance(num_samples, np.integer):
            num_samples = int(num_samples)
        if isinstance(batch_size, np.integer):
            batch_size = int(batch_size)
        check_positive_int("num_samples", num_samples)
        check_positive_int("batch_size", batch_size)
        if not self.conditional and labels is not None:
            raise ValueError(
                "This DCGAN is unconditional (its networks were built "
                "without `num_classes`); it takes no `labels`."
            )
        if seed is None:
            # One seed for the latents and the labels below.
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        latents = sample_latents(num_samples, self.latent_dim, seed)
        if not self.conditional:
            return tfdata.predict(self.sampling_generator, latents, batch_size)
        if labels is None:
            labels = sample_labels(num_samples, self.num_classes, seed)
        labels = conditioning.check_labels(
            np.asarray(labels), self.num_classes, num_samples
        )
        return tfdata.predict(
            self.sampling_generator, [latents, labels], batch_size
        )

    # --- Training -----------------------------------------------------------

    def fit(self, x=None, y=None, *args, check_range=True, **kwargs):
        """`keras.Model.fit`, after checking the pixel range of the data.

        The networks make and judge images in [-1, 1] (the generator ends in
        tanh). The first batch (or the whole array) is checked: integer
        pixels or values outside [-1, 1] raise `ValueError`; all values in
        [0, 1] give a `UserWarning` (data scaled to [0, 1] rather than
        [-1, 1] trains a generator that never makes dark pixels). Python
        generators and `keras.utils.PyDataset`s are not checked.
        `keras_dcgan.data.load` returns data in the right range.

        A `tf.data.Dataset` trains with tf.data autotuning off unless its
        options set it (`without_autotuning`: TensorFlow 2.21 otherwise
        waits up to a minute at the end of `fit`), and in its own order
        (`shuffle` defaults to False for it). In-memory image (and label)
        arrays train on the batches Keras makes of them, also without
        autotuning: in order, or with `shuffle` in a new order every epoch
        (Keras 3.15 repeats the first order once a global seed is set).

        Args:
            x: Training images (or `(images, labels)`): a NumPy array or
                tensor of float images, or a `tf.data.Dataset` of batches.
            y: Labels for a conditional model given arrays: int class ids
                `(num_images,)` in `[0, num_classes)`. An unconditional
                model refuses them (and warns about a dataset's labels,
                which it ignores). Defaults to None.
            *args: Other `keras.Model.fit` arguments.
            check_range: bool. Check the pixel range first; False for data
                already checked (reading a dataset's first batch costs a
                shuffle buffer's worth of decoding). Defaults to True.
            **kwargs: Other `keras.Model.fit` arguments.

        Returns:
            A `keras.callbacks.History`.

        Raises:
            ValueError: No images, images of another shape than the
                networks' (or an unbatched dataset), labels that are not
                class ids of a conditional model, labels `y` for an
                unconditional model, images that are not
                floats in [-1, 1], or (checked on every batch of a
                `tf.data.Dataset`) images holding NaN or inf or labels
                outside `[0, num_classes)`, or
                `validation_data` or `validation_split` is given (a GAN has
                no test loss; see `keras_dcgan.metrics`).
        """
        if kwargs.get("validation_data") is not None:
            raise ValueError(f"`fit` got `validation_data`. {NO_TEST_LOSS}")
        y = self._check_fit_data(x, y)
        if kwargs.get("validation_split"):
            raise ValueError(f"`fit` got `validation_split`. {NO_TEST_LOSS}")
        if check_range:
            check_pixel_range(x)
            if isinstance(x, tf.data.Dataset):
                x = check_finite_images(x, self.num_classes)
        if not args:
            batches = _array_batches(x, y, kwargs)
            if batches is not None:
                x, y = batches, None
                kwargs = {
                    k: v
                    for k, v in kwargs.items()
                    if k not in ("batch_size", "shuffle")
                }
        if isinstance(x, tf.data.Dataset):
            x = tfdata.without_autotuning(x)
            if not args:
                # Keras's default shuffle=True warns that a dataset cannot
                # be shuffled; a dataset brings its own order.
                kwargs.setdefault("shuffle", False)
        try:
            return super().fit(x, y, *args, **kwargs)
        except tf.errors.InvalidArgumentError as error:
            step = int(self.g_optimizer.iterations.numpy())
            if BAD_LABELS in str(error.message):
                raise ValueError(
                    f"A batch of the training data holds labels outside "
                    f"[0, {self.num_classes}), the classes of this DCGAN "
                    f"(training stopped after {step} generator steps, "
                    "before using it). Labels must be class ids 0 .. "
                    "num_classes - 1."
                ) from None
            if NON_FINITE_IMAGES not in str(error.message):
                raise
            raise ValueError(
                "A batch of the training data holds NaN or inf pixel values "
                f"(training stopped after {step} generator steps, before "
                "using it). Remove or repair those images (`np.isfinite`), "
                "or load the data with `keras_dcgan.data.load`, which checks "
                "every image."
            ) from None

    def _check_fit_data(self, x, y):
        """Checks what `fit` trains on against the networks; returns `y`.

        The images' shape (for arrays and `tf.data.Dataset`s, whose
        elements must be batches), and a conditional model's in-memory
        labels as class ids of this model (returned as an int32 array). An
        unconditional model refuses labels given as `y` or with `x`, and
        warns that it ignores those of a dataset of `(images, labels)`.
        """
        if not self.conditional:
            self._check_no_labels(x, y)
        if x is None:
            raise ValueError(
                "`fit` needs training images `x`: a float array "
                f"(num_images, {', '.join(map(str, self.image_shape))}) in "
                "[-1, 1], or a `tf.data.Dataset` of such batches."
            )
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if isinstance(spec, (tuple, list)):
                spec = spec[0]
            shape = getattr(spec, "shape", None)
            where = "The dataset's images"
        else:
            shape = getattr(x, "shape", None)
            where = "The images `x`"
        if shape is not None:
            shape = tf.TensorShape(shape)
            shape = None if shape.rank is None else tuple(shape.as_list())
        if shape is not None and (
            len(shape) != 4
            or any(
                got is not None and got != want
                for got, want in zip(shape[1:], self.image_shape, strict=True)
            )
        ):
            batched = (None, *self.image_shape)
            hint = (
                " (a dataset must be batched: `dataset.batch(64)`)"
                if len(shape) == 3 and isinstance(x, tf.data.Dataset)
                else ""
            )
            raise ValueError(
                f"{where} have shape {shape}; this DCGAN's networks take "
                f"images of shape {batched}{hint}."
            )
        if (
            self.conditional
            and y is not None
            and isinstance(x, (np.ndarray, tf.Tensor))
        ):
            return conditioning.check_labels(
                # (num_images, 1), as keras.datasets gives them, is one
                # label per image.
                np.asarray(y).reshape(-1) if np.shape(y)[1:] == (1,) else y,
                self.num_classes,
                len(x),
                argument="y",
            )
        return y

    def _check_no_labels(self, x, y):
        """An unconditional model's `fit` data: labels are refused or warned."""
        explicit = y is not None or (
            isinstance(x, (tuple, list)) and len(x) > 1
        )
        if explicit:
            raise ValueError(
                "`fit` got labels (`y`, or `x` as `(images, labels)`), but "
                "this DCGAN is unconditional (`num_classes` is None) and "
                "would ignore them. Build it with `num_classes` to train on "
                "the labels, or pass the images alone."
            )
        if isinstance(x, tf.data.Dataset) and isinstance(
            x.element_spec, (tuple, list)
        ):
            warnings.warn(
                "The dataset's elements are (images, labels, ...) but this "
                "DCGAN is unconditional (`num_classes` is None): it trains "
                "on the images and ignores the rest. Build it with "
                "`num_classes` to train on the labels, or map the dataset "
                "to its images to silence this warning.",
                UserWarning,
                stacklevel=3,
            )

    def _batch_position(self, batch_size):
        """Where this replica's examples sit in the global batch.

        Returns `(offset, batch_size, global_batch_size)`. On one device the
        offset is 0 and both sizes are equal. Under a strategy the replicas'
        sizes are gathered (the last batch of an epoch may split unevenly),
        so every loss is averaged over the true global batch.
        """
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return tf.constant(0, tf.int32), batch_size, batch_size
        sizes = replica.all_gather(tf.reshape(batch_size, [1]), axis=0)
        offset = tf.reduce_sum(sizes[: replica.replica_id_in_sync_group])
        return offset, batch_size, tf.reduce_sum(sizes)

    def _noise(self, position, shape, distribution="normal"):
        """Draws this replica's rows of one noise tensor for the global batch.

        Every replica draws the whole global batch from the same seed and
        keeps its own slice: the replicas get different noise, and a run on
        N devices sees exactly the noise of a run on one device with the
        same global batch (what makes distributed training testable against
        single-device training). Drawing B x latent_dim numbers costs nothing
        next to the convolutions.

        Args:
            position: tuple. `(offset, batch_size, global_batch_size)` from
                `_batch_position`.
            shape: list of int. Shape of one example's noise.
            distribution: str. `"normal"` or `"uniform"` (in [0, 1)).

        Returns:
            A float32 tensor `(batch_size, *shape)`.
        """
        offset, batch_size, global_batch_size = position
        seed = self.seed_generator.next()
        full_shape = tf.concat([tf.reshape(global_batch_size, [1]), shape], 0)
        if distribution == "uniform":
            noise = tf.random.stateless_uniform(full_shape, seed=seed)
        else:
            noise = tf.random.stateless_normal(full_shape, seed=seed)
        return noise[offset : offset + batch_size]

    def _fake_labels(self, position, real_labels=None):
        """Labels for this replica's fakes (see `fake_labels`).

        None for an unconditional model. `"uniform"` draws them like the
        latents (the global batch from one seed, sliced per replica);
        `"data"` returns `real_labels`, the labels of this replica's real
        batch.
        """
        if not self.conditional:
            return None
        if getattr(self, "fake_labels", "uniform") == "data":
            return real_labels
        uniform = self._noise(position, [1], "uniform")[:, 0]
        labels = tf.cast(tf.floor(uniform * self.num_classes), tf.int32)
        # float32 rounding can make u * K equal K for u just below 1.
        return tf.minimum(labels, self.num_classes - 1)

    @staticmethod
    def _inputs(tensor, labels):
        """A network's inputs: `tensor`, or `[tensor, labels]` if labelled."""
        return tensor if labels is None else [tensor, labels]

    def _gradient_penalty(
        self, position, real_images, fake_images, real_labels=None
    ):
        """Per-example WGAN-GP penalty at random real/fake interpolates.

        A conditional discriminator is judged at the interpolates with the
        real labels: the penalty keeps its gradient near 1 around the real
        data of each class.
        """
        alpha = self._noise(position, [1, 1, 1], "uniform")
        real_images = tf.cast(real_images, fake_images.dtype)
        mixed = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            logits = self.discriminator(
                self._inputs(mixed, real_labels), training=True
            )
        grads = tf.cast(tape.gradient(logits, mixed), tf.float32)
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
        return tf.square(norms - 1.0)

    def _augment(self, position, images):
        """The discriminator's view of `images`: augmented if `augment`."""
        if not getattr(self, "augment_policy", ()):
            return images
        uniforms = self._noise(
            position, [augment_lib.num_random(self.augment_policy)], "uniform"
        )
        return augment_lib.augment(
            images, self.augment_policy, uniforms, self.augment_p
        )

    def _real_logits(self, real_images, real_labels, r1_weight=None):
        """`(logits, r1)` on the reals; r1 is the per-example R1 or None.

        R1 is `r1_weight / 2 * ||grad_x D(x)||^2` at the real images the
        discriminator sees (augmented when `augment` is set, as in Karras
        et al. 2020); None when the weight is 0. `r1_weight=None` is the
        compiled `r1_weight`. Called inside the loss tape, so its gradient
        with respect to the weights is recorded.
        """
        if r1_weight is None:
            r1_weight = getattr(self, "r1_weight", 0.0)
        if not r1_weight:
            logits = self.discriminator(
                self._inputs(real_images, real_labels), training=True
            )
            return logits, None
        real_images = tf.cast(real_images, tf.float32)
        with tf.GradientTape() as r1_tape:
            r1_tape.watch(real_images)
            logits = self.discriminator(
                self._inputs(real_images, real_labels), training=True
            )
            total = tf.reduce_sum(tf.cast(logits, tf.float32))
        grads = tf.cast(r1_tape.gradient(total, real_images), tf.float32)
        penalty = tf.reduce_sum(tf.square(grads), axis=[1, 2, 3])
        return logits, 0.5 * r1_weight * penalty

    def _discriminator_step(
        self,
        position,
        real_images,
        real_labels=None,
        fakes=None,
        r1_weight=None,
    ):
        if fakes is None:
            latents = self._noise(position, [self.latent_dim])
            fake_labels = self._fake_labels(position, real_labels)
            fake_images = self.generator(
                self._inputs(latents, fake_labels), training=True
            )
        else:
            fake_images, fake_labels = fakes[:2]
        real_images = self._augment(position, real_images)
        fake_images = self._augment(position, fake_images)
        with tf.GradientTape() as tape:
            real_logits, r1 = self._real_logits(
                real_images, real_labels, r1_weight
            )
            fake_logits = self.discriminator(
                self._inputs(fake_images, fake_labels), training=True
            )
            per_example = losses.discriminator_loss(
                self.loss_name, real_logits, fake_logits, self.label_smoothing
            )
            if self.loss_name == "wasserstein" and self.gradient_penalty_weight:
                per_example += self.gradient_penalty_weight * (
                    self._gradient_penalty(
                        position, real_images, fake_images, real_labels
                    )
                )
            if r1 is not None:
                per_example += r1
            # The mean over the global batch: the optimizer sums the
            # replicas' gradients, which then add up to the global mean.
            loss = tf.nn.compute_average_loss(
                per_example, global_batch_size=position[2]
            )
            # Inside the tape: the loss-scaling multiplication must be
            # recorded, or every gradient comes back None.
            scaled_loss = self.d_optimizer.scale_loss(loss)
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(scaled_loss, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables, strict=True))
        return per_example, real_logits, fake_logits

    def _generator_step(self, position, real_labels=None):
        """The generator update on fresh fakes (the paper's algorithm)."""
        tape = tf.GradientTape()
        fakes = self._recorded_fakes(position, tape, real_labels)
        return self._generator_step_on_fakes(position, fakes, tape)

    def _adapt_augment_probability(self, position, real_logits):
        """ADA: moves `augment_p` by the sign of `r_t - ada_target`."""
        signs = tf.reduce_sum(tf.sign(tf.cast(real_logits, tf.float32)))
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            signs = replica.all_reduce(tf.distribute.ReduceOp.SUM, signs)
        r_t = signs / tf.cast(position[2], tf.float32)
        self.augment_p.assign(
            augment_lib.adapt_probability(
                self.augment_p, r_t, self.ada_target, position[2]
            )
        )

    def _recorded_fakes(self, position, tape, real_labels=None):
        """Generates `(fake_images, fake_labels, latents)`, recorded on `tape`.

        For `reuse_fakes`: the generator pass is recorded on the generator's
        tape only, feeds the discriminator update (whose own tape starts at
        the images), and is back-propagated by `_generator_step_on_fakes`.
        With `mode_seeking_weight`, the second half of the labels repeats
        the first (`_mode_seeking_penalty` pairs the halves).
        """
        latents = self._noise(position, [self.latent_dim])
        fake_labels = self._fake_labels(position, real_labels)
        if fake_labels is not None and self._mode_seeking():
            size = tf.shape(fake_labels)[0]
            first = fake_labels[: (size + 1) // 2]
            fake_labels = tf.concat([first, first[: size // 2]], axis=0)
        with tape:
            fake_images = self.generator(
                self._inputs(latents, fake_labels), training=True
            )
        return fake_images, fake_labels, latents

    def _mode_seeking(self):
        return getattr(self, "mode_seeking_weight", 0.0) > 0

    @staticmethod
    def _mode_seeking_penalty(fake_images, latents):
        """MSGAN's `1 / (d_img / d_z + eps)` over the batch's paired halves.

        Fake `i` of the first half pairs with fake `i` of the second (an odd
        batch leaves the middle one out). Mao et al. 2019, equation 3, as
        their reference code computes it: mean absolute differences. A
        batch of one has no pair and no penalty (0).
        """
        half = tf.shape(latents)[0] // 2
        offset = tf.shape(latents)[0] - half
        images = tf.cast(fake_images, tf.float32)
        latents = tf.cast(latents, tf.float32)

        def mean_distance(x):
            distance = tf.abs(x[:half] - x[offset:])
            # 0, not reduce_mean's NaN, for an empty batch half.
            return tf.math.divide_no_nan(
                tf.reduce_sum(distance), tf.cast(tf.size(distance), tf.float32)
            )

        ratio = tf.math.divide_no_nan(
            mean_distance(images), mean_distance(latents)
        )
        return tf.where(half > 0, 1.0 / (ratio + 1e-5), 0.0)

    def _generator_step_on_fakes(self, position, fakes, tape):
        """The generator update on `fakes`, judged by the discriminator.

        `tape` recorded the generator pass that made `fakes`
        (`_recorded_fakes`): fresh ones, or with `reuse_fakes` those of the
        discriminator update. It resumes recording for the discriminator's
        judgement of the same images.
        """
        fake_images, fake_labels, latents = fakes
        with tape:
            judged = self._augment(position, fake_images)
            fake_logits = self.discriminator(
                self._inputs(judged, fake_labels), training=True
            )
            per_example = losses.generator_loss(self.loss_name, fake_logits)
            if self._mode_seeking():
                # On the fakes before augmentation. Each replica's batch adds
                # the penalty once per example: averaged over the global
                # batch, it adds up to the mean of the replicas' penalties.
                penalty = self.mode_seeking_weight * (
                    self._mode_seeking_penalty(fake_images, latents)
                )
                per_example += tf.cast(penalty, per_example.dtype)
            loss = tf.nn.compute_average_loss(
                per_example, global_batch_size=position[2]
            )
            # Inside the tape: the loss-scaling multiplication must be
            # recorded, or every gradient comes back None.
            scaled_loss = self.g_optimizer.scale_loss(loss)
        variables = self.generator.trainable_variables
        grads = tape.gradient(scaled_loss, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables, strict=True))
        return per_example

    def _average_moving_statistics(self):
        """Averages the networks' moving statistics over the replicas.

        Keras 3 keeps each replica's batch-norm moving mean and variance in
        its own copy of the variable (aggregation "none"), so without this
        the replicas, and the workers of a multi-worker job, drift apart and
        a checkpoint holds the first replica's statistics of its slice of
        the data only. One small all-reduce per step keeps them equal.
        """
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return
        variables = [
            variable
            for network in (self.generator, self.discriminator)
            for variable in network.non_trainable_variables
            if "float" in variable.dtype
        ]
        if not variables:
            return
        means = replica.all_reduce(
            tf.distribute.ReduceOp.MEAN,
            [tf.identity(variable.value) for variable in variables],
        )
        for variable, mean in zip(variables, means, strict=True):
            variable.assign(mean)

    def _update_ema(self):
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates=...):
        # early on the average forgets quickly, so a short run's EMA is not
        # dominated by the random initial weights (0.999 ** 1000 = 0.37).
        step = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for weight, ema_weight in zip(
            self.generator.weights, self.ema_generator.weights, strict=True
        ):
            ema_weight.assign(decay * ema_weight + (1.0 - decay) * weight)

    def _unpack(self, data):
        """`(real_images, real_labels)` of a batch; labels None if unused."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        if not self.conditional:
            return images, None
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                f"This DCGAN is conditional ({self.num_classes} classes) and "
                "trains on (images, labels) batches; received images only. "
                "Load the data with `keras_dcgan.data.load(..., "
                "with_labels=True)` or pass `fit(images, labels)`."
            )
        labels = tf.reshape(tf.cast(data[1], tf.int32), [-1])
        return images, labels

    def test_step(self, data):
        """Raises `NotImplementedError`: a GAN has no test loss.

        `evaluate` (and validation in `fit`) would otherwise feed images to
        `call`, which takes latents. See `keras_dcgan.metrics`.
        """
        raise NotImplementedError(f"`DCGAN.evaluate`: {NO_TEST_LOSS}")

    def make_train_function(self, force=False):
        """Keras's training function; with lazy R1, one of two per step.

        With `r1_weight` and `r1_interval > 1`, two functions are compiled
        (each traced, and with XLA compiled, on its first call: the first
        plain step compiles again): one step with R1 at
        `r1_weight * r1_interval` and one without. Each call runs the first
        when the generator's step count is a multiple of `r1_interval` (so a
        resumed run keeps the schedule), else the second.

        Returns:
            The training function, also set as `self.train_function`.

        Raises:
            ValueError: Lazy R1 with `steps_per_execution` above 1 (set
                after `compile`).
        """
        if self.train_function is not None and not force:
            return self.train_function
        interval = getattr(self, "r1_interval", 1)
        weight = getattr(self, "r1_weight", 0.0)
        if not weight or interval == 1:
            super().make_train_function(force=force)
            return self.train_function
        _check_lazy_r1(weight, interval, self.steps_per_execution)
        regularized = self._make_function(
            functools.partial(self.train_step, r1_weight=weight * interval)
        )
        plain = self._make_function(
            functools.partial(self.train_step, r1_weight=0.0)
        )
        iterations = self.g_optimizer.iterations

        def train_function(iterator):
            if int(iterations.numpy()) % interval == 0:
                return regularized(iterator)
            return plain(iterator)

        self.train_function = train_function
        return train_function

    @_after_data
    def train_step(self, data, r1_weight=None):
        """One training step on a batch: the discriminator, then the generator.

        Args:
            data: A batch: images `(batch, height, width, channels)` in
                [-1, 1], or `(images, labels)` for a conditional model.
            r1_weight: float or None. R1's weight in this step; None is
                `r1_weight` of `compile` (every step). `fit` passes the
                lazy schedule's weights (see `r1_interval`).

        Returns:
            A dict of the tracked metrics' current values.
        """
        real_images, real_labels = self._unpack(data)
        position = self._batch_position(tf.shape(real_images)[0])
        g_tape = tf.GradientTape() if self.reuse_fakes else None
        fakes = None
        for step in range(self.discriminator_steps):
            if self.reuse_fakes and step == self.discriminator_steps - 1:
                fakes = self._recorded_fakes(position, g_tape, real_labels)
            d_per_example, real_logits, fake_logits = self._discriminator_step(
                position, real_images, real_labels, fakes, r1_weight
            )
        if self.reuse_fakes:
            g_per_example = self._generator_step_on_fakes(
                position, fakes, g_tape
            )
        else:
            g_per_example = self._generator_step(position, real_labels)
        if getattr(self, "ada_target", None) is not None:
            self._adapt_augment_probability(position, real_logits)
        self._average_moving_statistics()
        if self.ema_generator is not None:
            self._update_ema()
        self.d_loss_tracker.update_state(d_per_example)
        self.g_loss_tracker.update_state(g_per_example)
        self.real_prob_tracker.update_state(tf.sigmoid(real_logits))
        self.fake_prob_tracker.update_state(tf.sigmoid(fake_logits))
        logs = {metric.name: metric.result() for metric in self.metrics}
        if getattr(self, "augment_p", None) is not None:
            logs["augment_p"] = tf.convert_to_tensor(self.augment_p)
        if distribute.is_multi_worker(tf.distribute.get_strategy()):
            # Keras 3.15 reduces multi-worker logs with
            # `strategy.reduce("MEAN", value, axis=0)`, which fails on
            # scalars; rank-1 logs reduce to the same scalars.
            logs = {
                name: tf.reshape(value, [1]) for name, value in logs.items()
            }
        return logs
