"""`train`: one call from a `TrainConfig` to a trained DCGAN in a workdir.

What a resumed run restores, so that it continues exactly where the killed
run's last checkpoint was:

- both networks, the EMA generator and both optimizers (the `.keras` file);
- the training-noise RNG state (`SeedGenerator` states, in the `.json`);
- the global step (the generator optimizer's `iterations`), from which the
  epoch and the position inside it follow (`divmod(step, steps_per_epoch)`);
- the data position: each epoch's order is a pure function of the seed and
  the epoch number (a seeded shuffle of the unshuffled data), so the resumed
  run rebuilds that epoch's order and skips the batches already trained on.

With `deterministic=True` (TensorFlow op determinism) a killed and resumed
run therefore ends with the same weights as an uninterrupted one. The
callbacks' files (sample grids, metrics CSV, TensorBoard events) are
rewritten from the resumed step on.
"""

import contextlib
import functools
import os
import shutil
import signal
import tempfile
import time

import keras
import tensorflow as tf

from keras_dcgan import callbacks as callbacks_lib
from keras_dcgan import data
from keras_dcgan import distribute
from keras_dcgan import integrity
from keras_dcgan import lockfile
from keras_dcgan import optimizers
from keras_dcgan.callbacks._steps import global_step
from keras_dcgan.checks import check_number
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionError
from keras_dcgan.models import blocks
from keras_dcgan.models.dcgan import DCGAN
from keras_dcgan.models.dcgan import check_finite_images
from keras_dcgan.models.dcgan import check_pixel_range
from keras_dcgan.training import workdir as workdir_lib
from keras_dcgan.training.checkpoint import WorkdirCheckpoint
from keras_dcgan.training.config import TrainConfig


def load_examples(config: TrainConfig) -> tuple[tf.data.Dataset, int]:
    """The training images of `config.dataset`, one at a time, in file order.

    Args:
        config: TrainConfig. Names the dataset, image size and channels.

    Returns:
        An unbatched `tf.data.Dataset` of float32 images in [-1, 1] (the
        last `num_images % batch_size` images left out), of `(image, label)`
        pairs when the network is class-conditional, and its length.
    """
    # `describe` first: an image folder's scan is then reused by `load`.
    info = data.describe(
        config.dataset,
        split=config.split,
        data_dir=config.data_dir,
        image_key=config.image_key,
        label_key=config.label_key,
        value_range=config.value_range,
        skip_corrupt=config.skip_corrupt,
    )
    num_examples = info.num_examples
    num_classes = config.network.num_classes
    if num_classes is not None and info.num_classes != num_classes:
        raise ValueError(
            f"The network is conditional on {num_classes} classes but "
            f"{config.dataset!r} has "
            f"{info.num_classes if info.has_labels else 'no'} classes; set "
            "num_classes to the dataset's."
        )
    batches = data.load(
        config.dataset,
        image_size=config.network.image_size,
        channels=config.network.channels,
        batch_size=config.batch_size,
        shuffle=False,
        seed=config.seed,
        data_dir=config.data_dir,
        with_labels=num_classes is not None,
        split=config.split,
        resize=config.resize,
        crop=config.crop,
        flip=config.flip,
        value_range=config.value_range,
        image_key=config.image_key,
        label_key=config.label_key,
        skip_corrupt=config.skip_corrupt,
    )
    examples = batches.unbatch()
    if num_examples is None:
        return examples, count_examples(examples)
    return examples, num_examples // config.batch_size * config.batch_size


def count_examples(examples: tf.data.Dataset) -> int:
    """The number of elements of a finite dataset (iterating when unknown).

    Args:
        examples: tf.data.Dataset. A finite dataset.

    Returns:
        The number of elements.
    """
    count = int(examples.cardinality())
    if count == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            "The training data is infinite (a repeated dataset?); pass a "
            "finite dataset, one epoch long."
        )
    if count == tf.data.UNKNOWN_CARDINALITY:
        count = int(examples.reduce(0, lambda total, _: total + 1))
    return count


def epoch_batches(
    examples: tf.data.Dataset,
    config: TrainConfig,
    steps_per_epoch: int,
    first_epoch: int,
    last_epoch: int,
) -> tf.data.Dataset:
    """The training batches of epochs `first_epoch` up to `last_epoch`.

    The order of each epoch is a seeded shuffle of `examples` whose seed
    depends only on `config.seed` and the epoch, so any epoch can be rebuilt
    on its own, which is what makes a resumed run see the batches the
    uninterrupted run would have seen.

    Args:
        examples: tf.data.Dataset. Unbatched images in a fixed order.
        config: TrainConfig. Batch size, shuffle buffer and seed.
        steps_per_epoch: int. Batches per epoch.
        first_epoch: int. The first epoch (0-based).
        last_epoch: int. The epoch after the last one.

    Returns:
        A `tf.data.Dataset` of `(batch_size, ...)` image batches.
    """

    def one_epoch(epoch: int) -> tf.data.Dataset:
        return (
            examples.shuffle(
                config.shuffle_buffer,
                seed=config.seed * 1_000_003 + epoch,
                reshuffle_each_iteration=False,
            )
            .batch(config.batch_size, drop_remainder=True)
            .take(steps_per_epoch)
        )

    # Python-int seeds per epoch: a tensor seed (from `Dataset.range(...)
    # .flat_map`) breaks `shuffle` when TensorFlow's global seed is 0.
    epochs = [one_epoch(epoch) for epoch in range(first_epoch, last_epoch)]
    return functools.reduce(tf.data.Dataset.concatenate, epochs).prefetch(
        tf.data.AUTOTUNE
    )


def build_gan(config: TrainConfig) -> DCGAN:
    """A new compiled DCGAN as `config` describes, initialised from its seed.

    Args:
        config: TrainConfig. The architecture and optimisation settings.

    Returns:
        A compiled `DCGAN`.
    """
    keras.utils.set_random_seed(config.seed)
    precision = resolve_precision(config.precision)
    # The networks record the policy they were built under and save it.
    with blocks.dtype_policy_scope(precision):
        generator = config.network.build_generator()
        discriminator = config.network.build_discriminator()
    gan = DCGAN(
        generator=generator,
        discriminator=discriminator,
        seed=config.seed,
        ema_decay=config.ema_decay,
    )
    gan.compile(
        d_optimizer=optimizers.Adam(
            config.d_learning_rate, beta_1=config.beta_1, beta_2=config.beta_2
        ),
        g_optimizer=optimizers.Adam(
            config.g_learning_rate, beta_1=config.beta_1, beta_2=config.beta_2
        ),
        loss=config.loss,
        gradient_penalty_weight=config.gradient_penalty_weight,
        label_smoothing=config.label_smoothing,
        discriminator_steps=config.discriminator_steps,
        augment=config.augment,
        augment_probability=config.augment_probability,
        ada_target=config.ada_target,
        r1_weight=config.r1_weight,
        r1_interval=config.r1_interval,
        reuse_fakes=config.reuse_fakes,
        fake_labels=config.fake_labels,
        mode_seeking_weight=config.mode_seeking_weight,
        jit_compile=uses_xla(config, precision),
    )
    return gan


def uses_xla(config: TrainConfig, precision: str | None = None) -> bool:
    """Whether `config`'s training step is XLA-compiled here.

    `config.jit_compile` when set; when None, the choice of `wants_xla`.
    Never under a `tf.distribute` strategy with more than one replica in
    sync: XLA does not compile the step's cross-replica reductions there
    (Keras's `jit_compile="auto"` makes the same choice).

    Args:
        config: TrainConfig. The settings; call in the strategy's scope.
        precision: str or None. The networks' dtype policy, such as a
            resumed run's; None resolves `config.precision`.

    Returns:
        bool.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return wants_xla(config, precision) and replicas == 1


def wants_xla(config: TrainConfig, precision: str | None = None) -> bool:
    """`config.jit_compile`, or when None the faster step for this machine.

    See `step_choice`.
    """
    return step_choice(config, precision)[0]


def step_choice(
    config: TrainConfig, precision: str | None = None
) -> tuple[bool, str]:
    """Whether `config`'s step wants XLA, and the words that say why.

    `config.jit_compile` when set. When None: with a GPU, XLA (Keras's own
    `jit_compile="auto"`). On a CPU, TensorFlow's graph where its oneDNN
    kernels are on (`onednn_enabled`): 1.0-1.1x XLA's speed for the
    `mnist` preset and 1.4-1.6x for the `celeba64` preset, whose
    convolutions XLA runs without oneDNN. XLA where they are off, since it
    beats TensorFlow's default kernels 1.4-1.5x, and for mixed precision
    on a CPU without bfloat16 units, where the graph's bfloat16 kernels
    ran 11x slower than XLA (docs/performance.md).

    Args:
        config: TrainConfig. The settings.
        precision: str or None. The networks' dtype policy, such as a
            resumed run's; None resolves `config.precision`
            (`resolve_precision`).

    Returns:
        `(bool, str)`: XLA or not, and how the run describes the step.
    """
    if config.jit_compile is not None:
        how = "XLA-compiled" if config.jit_compile else "TensorFlow's graph"
        return config.jit_compile, how
    if tf.config.list_physical_devices("GPU"):
        return True, "XLA-compiled"
    if not onednn_enabled():
        return True, (
            "XLA-compiled: TensorFlow's oneDNN kernels are off, and "
            "TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is imported turns "
            "them on for the faster graph"
        )
    precision = precision or resolve_precision(config.precision)
    if precision != "float32" and not (
        precision == "mixed_bfloat16" and cpu_has_bfloat16()
    ):
        return True, (
            f"XLA-compiled: {precision} runs slower in TensorFlow's "
            "graph on a CPU without bfloat16 units"
        )
    return False, "TensorFlow's graph with its oneDNN kernels"


def resolve_precision(precision: str) -> str:
    """The Keras dtype policy that `TrainConfig.precision` trains under here.

    `"auto"` is `"mixed_bfloat16"` where the step runs on bfloat16 units:
    with a GPU, when every visible GPU has compute capability 8.0 or newer
    (Ampere on); on a CPU, with AVX512-BF16 or AMX (`cpu_has_bfloat16`),
    where the `mnist` preset's step ran 1.25x float32's and scored as well
    in the same time (docs/quality.md). Elsewhere `"float32"`: older GPUs
    gain nothing from bfloat16, and other CPUs emulate it 6-11x slower.
    A resumed run keeps the precision its networks were saved with. Under
    a TPU strategy it reads the host's CPU: pass `"mixed_bfloat16"` there.
    Other values are returned unchanged.

    Args:
        precision: str. A value of `options.PRECISIONS`.

    Returns:
        str: `"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`.

    Example:
    >>> resolve_precision("mixed_float16")
    'mixed_float16'
    """
    if precision != "auto":
        return precision
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capabilities = [
            tf.config.experimental.get_device_details(gpu).get(
                "compute_capability", (0, 0)
            )
            for gpu in gpus
        ]
        bfloat16_units = all(tuple(c) >= (8, 0) for c in capabilities)
    else:
        bfloat16_units = cpu_has_bfloat16()
    return "mixed_bfloat16" if bfloat16_units else "float32"


def onednn_enabled() -> bool:
    """Whether this process's TensorFlow runs its oneDNN CPU kernels.

    TensorFlow decides once, when it is imported: `TF_ENABLE_ONEDNN_OPTS=1`
    (which the `keras-dcgan` command sets unless the environment already
    sets it) turns them on, `=0` off; unset, its x86 builds turn them on
    only on CPUs with AVX-512 VNNI, bfloat16 or AMX units.

    Returns:
        bool. Where TensorFlow cannot be asked (a build without the
        query), whether the CPU has AVX-512 (`cpu_has_avx512`), the
        nearest guess at TensorFlow's default.
    """
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return cpu_has_avx512()
    is_enabled = getattr(_pywrap_util_port, "IsMklEnabled", None)
    return bool(is_enabled()) if is_enabled else cpu_has_avx512()


@functools.cache
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags, from the first `flags` line of `cpuinfo`.

    Args:
        cpuinfo: str. The file to read (Linux). Defaults to
            `"/proc/cpuinfo"`.

    Returns:
        frozenset of str, such as `"avx2"` or `"avx512_bf16"`; empty where
        the file cannot be read or has no flags line (another OS).
    """
    try:
        with open(cpuinfo) as file:
            for line in file:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[-1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_avx512(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU lists the `avx512f` flag (see `cpu_flags`)."""
    return "avx512f" in cpu_flags(cpuinfo)


def cpu_has_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU has bfloat16 units: `avx512_bf16` or `amx_bf16`."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags(cpuinfo))


def check_networks(config: TrainConfig) -> None:
    """Raises the error a build of `config`'s networks would raise.

    `TrainConfig` checks its own fields; the architecture (a reachable
    `image_size`, positive sizes, a dropout rate in [0, 1), ...) is checked
    by the networks' constructors, so this builds both and drops them.

    Args:
        config: TrainConfig. The configuration to check.

    Raises:
        ValueError: An architecture the networks cannot be built with.
    """
    config.network.build_generator()
    config.network.build_discriminator()


def prepare_workdir(
    workdir: str, config: TrainConfig, overwrite: bool = False
) -> str | None:
    """Checks a workdir against `config` and writes `config.json`.

    A damaged or missing `config.json` is recovered first (see
    `keras_dcgan.training.workdir.saved_config`).

    Args:
        workdir: str. The run's work directory; created when missing.
        config: TrainConfig. The configuration asked for.
        overwrite: bool. Delete an earlier run's outputs instead of resuming
            it or refusing a different configuration. Defaults to False.

    Returns:
        The checkpoint to resume from, or None to start from scratch.

    Raises:
        ValueError: The workdir holds a run with a different configuration
            (architecture, dataset, optimisation) and `overwrite` is False,
            or its configuration is damaged or missing and no intact
            checkpoint holds a copy of it.
    """
    if overwrite:
        workdir_lib.remove_training_outputs(workdir)
    saved, _ = workdir_lib.saved_config(workdir)
    if saved is not None:
        changes = TrainConfig.from_dict(saved).incompatible_changes(config)
        if changes:
            raise OptionError(
                f"Workdir {workdir!r} holds a run with another configuration; "
                "it would not be resumed but replaced:\n  "
                + "\n  ".join(changes)
                + "\nUse another {workdir}, ask for the saved configuration, "
                "or pass {overwrite} to delete that run and start again.",
                workdir=Option("workdir"),
                overwrite=True,
            )
    workdir_lib.remove_partial_files(workdir)
    resume_from = workdir_lib.newest_intact_checkpoint(workdir)
    workdir_lib.write_config(workdir, config.to_dict())
    return resume_from


def _read_saved_config(workdir: str) -> dict | None:
    """The configuration dict of `workdir_lib.saved_config(workdir)`."""
    return workdir_lib.saved_config(workdir)[0]


def train(
    config: TrainConfig,
    workdir: str,
    overwrite: bool = False,
    dataset: tf.data.Dataset | None = None,
    callbacks: list | None = None,
    strategy: tf.distribute.Strategy | None = None,
    verbose: int | str = 1,
    max_time: float | None = None,
) -> DCGAN:
    """Trains a DCGAN into `workdir`, resuming the run already there.

    Writes `config.json`, checkpoints, a sample grid per epoch (or every
    `config.sample_every_steps` steps) and their GIF, TensorBoard logs, the
    per-step metrics CSV and the training-curve PNG (see
    `keras_dcgan.training.workdir`). Killed at any moment and called again
    with the same configuration, it continues from the newest checkpoint
    exactly (see the module docstring); with a larger `config.epochs` it
    continues to the new total.

    Args:
        config: TrainConfig. What to train and how.
        workdir: str. The run's work directory.
        overwrite: bool. Delete an earlier run in `workdir` and start again.
            Defaults to False.
        dataset: tf.data.Dataset or None. Unbatched training images (or
            `(image, label)` pairs for a conditional network) in a fixed
            order, instead of loading `config.dataset`. Defaults to None.
        callbacks: list or None. More Keras callbacks. Defaults to None.
        strategy: tf.distribute.Strategy or None. Build and train the model
            under this strategy. Defaults to None.
        verbose: int or str. `model.fit`'s verbosity: 1 shows a progress
            bar with ETA and one line per epoch. Defaults to 1.
        max_time: float or None. A wall-clock budget in seconds, counted
            from this call (loading the data and compiling the step
            included). Training stops after the step during which it runs
            out, saves that step and returns; calling `train` again
            continues the run. None trains all `config.epochs`. Defaults
            to None.

    Returns:
        The trained `DCGAN`.

    Raises:
        ValueError: A configuration the data or the workdir cannot take, or
            images outside [-1, 1].
        ValueError: `max_time` is not a finite number > 0.
        PermissionError: `workdir` cannot be written.
        keras_dcgan.lockfile.DirectoryLockedError: Another process trains
            into `workdir`.
        TrainingInterrupted: Ctrl-C or SIGTERM stopped training; the
            current step was saved first.
        keras_dcgan.callbacks.NonFiniteLossError: A loss became NaN or
            infinite; the newest checkpoint is the last good one.

    Example:
    >>> from keras_dcgan.training import get_train_config
    >>> config = get_train_config("mnist", dataset="mnist-sample", epochs=1)
    >>> gan = train(config, "runs/example")  # doctest: +SKIP
    """
    # The budget counts from here; a bad one fails before any work.
    start = time.monotonic()
    time_limit = None
    if max_time is not None:
        check_number("max_time", max_time, "> 0")
        time_limit = callbacks_lib.TimeLimit(max_time, start)
        if distribute.is_multi_worker(strategy or tf.distribute.get_strategy()):
            raise ValueError(
                "`max_time` cannot stop a multi-worker run: each worker "
                "would stop at its own step. Limit `config.epochs` instead."
            )
    with contextlib.ExitStack() as cleanup:
        return _train(
            config,
            workdir,
            overwrite,
            dataset,
            callbacks,
            strategy,
            verbose,
            cleanup,
            time_limit,
        )


def _train(
    config,
    workdir,
    overwrite,
    dataset,
    callbacks,
    strategy,
    verbose,
    cleanup,
    time_limit,
):
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    # The data order depends on TensorFlow's global seed too: set it on
    # resumed runs as well, so they rebuild the same epoch orders.
    keras.utils.set_random_seed(config.seed)
    # Bad settings fail before the workdir is touched.
    check_networks(config)
    config.check_used()
    # A workdir that cannot be written fails before any work.
    integrity.check_writable(workdir, "workdir")
    if dataset is None:
        examples, num_examples = load_examples(config)
    else:
        # `data.load` checks each image; a caller's dataset is checked here.
        examples = check_finite_images(dataset)
        num_examples = count_examples(dataset)
    spec = examples.element_spec
    labelled = isinstance(spec, tuple)
    image_shape = tuple((spec[0] if labelled else spec).shape)
    network = config.network
    if network.num_classes is None and labelled:
        raise ValueError(
            "The training data has (image, label) pairs but the network is "
            "unconditional (no num_classes) and would ignore the labels; "
            "set num_classes to the data's classes, or pass the images "
            "alone."
        )
    if network.num_classes is not None and not labelled:
        raise ValueError(
            f"The network is conditional on {network.num_classes} classes "
            "but the training data has no labels; pass `(image, label)` "
            "pairs."
        )
    expected = (network.image_size, network.image_size, network.channels)
    if image_shape != expected:
        raise ValueError(
            f"The training images have shape {image_shape} but the network "
            f"makes {expected}; pass one image at a time (unbatched) of the "
            "network's image_size and channels."
        )
    # Cheaply, before the shuffle buffer: the first images in file order.
    check_pixel_range(examples.batch(256).take(1), "the training data")
    steps_per_epoch = num_examples // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(
            f"batch_size={config.batch_size} is larger than the "
            f"{num_examples} training images; no full batch can be made."
        )
    if config.steps_per_epoch is not None:
        if config.steps_per_epoch > steps_per_epoch:
            raise ValueError(
                f"steps_per_epoch={config.steps_per_epoch} is more than one "
                f"pass over the data gives ({num_examples} images // "
                f"batch_size {config.batch_size} = {steps_per_epoch})."
            )
        steps_per_epoch = config.steps_per_epoch

    # Only the chief writes the workdir; other workers write to their own
    # temporary folder (as Keras' ModelCheckpoint does) and read the
    # workdir without changing it, so they resume from the same checkpoint.
    chief = distribute.is_chief(strategy or tf.distribute.get_strategy())
    read_dir = workdir
    if chief:
        cleanup.enter_context(lockfile.DirectoryLock(workdir, "training"))
        resume_from = prepare_workdir(workdir, config, overwrite)
    else:
        workdir = tempfile.mkdtemp(prefix="keras-dcgan-worker-")
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        resume_from = None
        if not overwrite:
            resume_from = workdir_lib.newest_intact_checkpoint(
                read_dir, move_damaged=False
            )
    _print(
        verbose,
        f"Configuration (all of it in {read_dir}/{workdir_lib.CONFIG_FILE}), "
        "changed from the defaults:",
    )
    _print(verbose, config.summary())
    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope:
        if resume_from is None:
            gan = build_gan(config)
            step = 0
        else:
            gan = workdir_lib.load_gan(resume_from)
            state = workdir_lib.read_checkpoint_state(resume_from)
            step = state["step"]
            saved_steps = state.get("steps_per_epoch", steps_per_epoch)
            if saved_steps != steps_per_epoch:
                raise OptionError(
                    f"The run in {workdir!r} had {saved_steps} steps per "
                    f"epoch but the data now gives {steps_per_epoch}; the "
                    "dataset changed. Pass {overwrite} to start again.",
                    overwrite=True,
                )
        # A resumed run keeps the precision its networks were saved with.
        precision = gan.generator.dtype_policy.name
        xla = uses_xla(config, precision)
        if resume_from is not None:
            # Resumable: XLA changes how the step runs, not what it computes.
            gan.jit_compile = xla
        wanted, how = step_choice(config, precision)
        if config.jit_compile is None and xla == wanted:
            size = config.network.image_size
            _print(
                verbose,
                f"Training step for {size}x{size} images: {how} "
                "(set jit_compile to choose).",
            )
        if config.precision == "auto":
            if precision != resolve_precision("auto"):
                why = "the precision the resumed networks were saved with"
            elif precision == "mixed_bfloat16":
                why = "this device has bfloat16 units"
            else:
                why = "this device has no bfloat16 units"
            _print(verbose, f"Precision 'auto': {precision} ({why}).")
        if wanted and not xla:
            _print(
                verbose,
                "Training without XLA: the step is distributed over "
                f"{tf.distribute.get_strategy().num_replicas_in_sync} "
                "replicas, and XLA does not compile their reductions.",
            )
    epoch, batch = divmod(step, steps_per_epoch)
    total_steps = config.epochs * steps_per_epoch
    if resume_from is not None:
        _print(
            verbose,
            f"Resumed from {resume_from}: step {step} of {total_steps} "
            f"(epoch {epoch + 1}, batch {batch} of {steps_per_epoch}).",
        )
    if step >= total_steps:
        _print(
            verbose,
            f"Already trained {step} steps, at least the {config.epochs} "
            "epochs asked for; ask for more epochs to train more.",
        )
        return gan

    callbacks = _callbacks(config, workdir, steps_per_epoch, callbacks, verbose)
    stop = callbacks_lib.StopOnSignal()
    if not distribute.is_multi_worker(strategy or tf.distribute.get_strategy()):
        # A worker that stopped alone would leave the others waiting.
        callbacks.insert(0, stop)
        cleanup.enter_context(stop.installed())
    if time_limit is not None:
        callbacks.insert(0, time_limit)
    if batch:
        # Finish the interrupted epoch first: Keras epochs cannot start
        # in the middle, so this fit covers the rest of one epoch.
        batches = epoch_batches(
            examples, config, steps_per_epoch, epoch, epoch + 1
        ).skip(batch)
        gan.fit(
            batches,
            initial_epoch=epoch,
            epochs=epoch + 1,
            steps_per_epoch=steps_per_epoch - batch,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # each epoch is already shuffled, by seed
            check_range=False,  # checked above
        )
        epoch += 1
    if (
        epoch < config.epochs
        and stop.received is None
        and not _reached(time_limit)
    ):
        batches = epoch_batches(
            examples, config, steps_per_epoch, epoch, config.epochs
        )
        gan.fit(
            batches,
            initial_epoch=epoch,
            epochs=config.epochs,
            steps_per_epoch=steps_per_epoch,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # each epoch is already shuffled, by seed
            check_range=False,  # checked above
        )
    if stop.received is not None:
        saved = workdir_lib.latest_checkpoint(workdir)
        raise TrainingInterrupted(stop.received, global_step(gan), saved)
    saved = workdir_lib.latest_checkpoint(workdir)
    if _reached(time_limit):
        _print(
            verbose,
            f"Stopped by the time limit ({time_limit.seconds:g} s) at step "
            f"{global_step(gan)} of {total_steps}: saved {saved}. Train "
            "again with the same workdir to continue.",
        )
        return gan
    _print(verbose, f"Done: {saved}")
    return gan


def _reached(time_limit) -> bool:
    """Whether the `TimeLimit` (or None) stopped training."""
    return time_limit is not None and time_limit.reached


class TrainingInterrupted(KeyboardInterrupt):
    """`train` stopped on SIGINT or SIGTERM after saving the current step.

    A `KeyboardInterrupt`, so code that handles Ctrl-C keeps working.

    Attributes:
        signal_name: str. `"SIGINT"` or `"SIGTERM"`.
        step: int. The global step saved.
        checkpoint: str or None. The checkpoint holding that step.
    """

    def __init__(self, signum: int, step: int, checkpoint: str | None):
        self.signal_name = signal.Signals(signum).name
        self.step = step
        self.checkpoint = checkpoint
        super().__init__(
            f"Training stopped by {self.signal_name} at step {step}; saved "
            f"{checkpoint}. Call `train` again with the same configuration "
            "and workdir to resume from it."
        )


def _callbacks(config, workdir, steps_per_epoch, extra_callbacks, verbose):
    join = os.path.join
    sample_grid = callbacks_lib.SampleGrid(
        join(workdir, workdir_lib.SAMPLES_DIR),
        num_samples=config.num_samples,
        seed=config.seed,
        every_n_steps=config.sample_every_steps,
        gif_path=join(workdir, workdir_lib.TRAINING_GIF),
    )
    callbacks = [sample_grid]
    if verbose:
        # Keras appends its progress bar last; placed first, the bar ends
        # its epoch line before the summary (after the new grid) prints.
        callbacks = [
            keras.callbacks.ProgbarLogger(),
            sample_grid,
            callbacks_lib.EpochSummary(sample_grid),
        ]
    callbacks += [
        callbacks_lib.TrainingCurve(
            join(workdir, workdir_lib.TRAINING_CURVE),
            csv_path=join(workdir, workdir_lib.METRICS_CSV),
        ),
    ]
    if config.tensorboard:
        callbacks.append(
            callbacks_lib.GANTensorBoard(
                join(workdir, workdir_lib.TENSORBOARD_DIR), seed=config.seed
            )
        )
    callbacks += [
        WorkdirCheckpoint(
            workdir,
            every_n_steps=config.checkpoint_every_steps,
            keep=config.keep_checkpoints,
            state={
                "steps_per_epoch": steps_per_epoch,
                "batch_size": config.batch_size,
                # A copy, should config.json be damaged.
                "train_config": config.to_dict(),
            },
        ),
        *(extra_callbacks or []),
        # Last, so the other callbacks finish before it raises.
        callbacks_lib.NonFiniteGuard(
            lambda: workdir_lib.latest_checkpoint(workdir)
        ),
    ]
    return callbacks


def _print(verbose, message: str) -> None:
    if verbose:
        print(message, flush=True)
