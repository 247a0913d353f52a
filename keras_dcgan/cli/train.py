r"""`keras-dcgan train`: train a DCGAN into a workdir, resuming it if there.

    keras-dcgan train --dataset=mnist-sample --workdir=runs/mnist
    keras-dcgan train --workdir=runs/mnist --epochs=40
    keras-dcgan train --preset=mnist --dataset=mnist-sample --workdir=runs/m
    keras-dcgan train --preset=cifar10 --workdir=runs/c10 --loss=hinge
    keras-dcgan train --dataset=faces/ --workdir=runs/faces --flip
    keras-dcgan train --preset=mnist --dataset=mnist-sample --conditional \
        --workdir=runs/cmnist

A new run needs `--dataset` or `--preset`. Without `--preset` the networks
are sized from the data (native size up to 64, native channels) and the
paper's recipe trains them; `--preset` picks a tuned `TrainConfig` instead.
Every other setting flag (one per field of `TrainConfig` and
`NetworkConfig`) overrides it when given.

To resume after a stop or a kill, run `keras-dcgan train --workdir=DIR`
again: the run continues from DIR/config.json and its newest checkpoint
(a damaged or missing config.json is set aside, with a warning, and written
anew from the copy each checkpoint keeps); add a larger `--epochs` to train
longer. The command that started the run (with the same `--preset`)
resumes it too, with the settings the run started with even where a newer
version of the library changed the preset. `--max_time=SECONDS` stops at
a time budget instead, saving the step; the same command continues.
`--conditional` trains a class-conditional DCGAN on the dataset's labels
(`--num_classes` is read from the data). The library call is
`keras_dcgan.training.train`.
"""

import os
import shlex
import sys

from absl import app
from absl import flags

from keras_dcgan import options
from keras_dcgan.checks import check_number
from keras_dcgan.cli import _dataclass_flags
from keras_dcgan.models.presets import NetworkConfig
from keras_dcgan.training.config import TRAIN_PRESETS
from keras_dcgan.training.config import TrainConfig

# `model.fit` verbosity of each --progress value.
PROGRESS = {"bar": 1, "epoch": 2, "none": 0}

flags.DEFINE_string(
    "workdir", None, "Work directory of the run: config, checkpoints, samples."
)
flags.DEFINE_enum(
    "preset",
    None,
    list(TRAIN_PRESETS),
    "Tuned settings for a common dataset; the other flags override them. "
    "Default: the paper's recipe, networks sized from --dataset.",
)
flags.DEFINE_bool(
    "overwrite",
    False,
    "Delete the run already in --workdir (its config, checkpoints, samples "
    "and logs) and start again.",
)
flags.DEFINE_enum(
    "strategy",
    "default",
    list(options.STRATEGIES),
    "Distribution strategy (keras_dcgan.distribute.get_strategy); "
    "--batch_size is the global batch over all replicas.",
)
flags.DEFINE_list(
    "devices",
    None,
    "Devices for --strategy=one_device or mirrored, e.g. GPU:0,GPU:1.",
)
flags.DEFINE_string(
    "tpu",
    None,
    "For --strategy=tpu: the TPU's name or grpc:// address; leave it unset "
    "on a Cloud TPU VM.",
)
flags.DEFINE_bool(
    "conditional",
    False,
    "Train a class-conditional DCGAN on (image, label) pairs; its "
    "num_classes comes from the dataset.",
)
flags.DEFINE_float(
    "max_time",
    None,
    "Stop after this many seconds of wall-clock time (loading the data and "
    "compiling included), at the end of a step, saving it; the same command "
    "continues the run later. Default: train all --epochs.",
)
flags.DEFINE_enum(
    "progress",
    "bar",
    list(PROGRESS),
    "bar: a progress bar with ETA and one line per epoch; epoch: one line "
    "per epoch; none: nothing but errors.",
)
DEFAULT_HELP = "Default: the preset's (or the resumed run's) value."
TRAIN_FLAGS = _dataclass_flags.define_flags(
    TrainConfig,
    __name__,
    exclude=("preset", "network"),
    choices={
        "loss": options.LOSSES,
        "resize": options.RESIZE_CHOICES,
        "precision": options.PRECISIONS,
        "fake_labels": options.FAKE_LABELS,
    },
    default_help=DEFAULT_HELP,
)
NETWORK_FLAGS = _dataclass_flags.define_flags(
    NetworkConfig,
    __name__,
    choices={
        "upsampling": options.UPSAMPLING_MODES,
        "downsampling": options.DOWNSAMPLING_MODES,
        "generator_activation": options.ACTIVATIONS,
        "output_activation": options.ACTIVATIONS,
        "discriminator_activation": options.ACTIVATIONS,
        "generator_normalization": options.NORMALIZATIONS,
        "discriminator_normalization": options.NORMALIZATIONS,
        "conditioning": options.CONDITIONINGS,
    },
    default_help=DEFAULT_HELP,
)
flags.mark_flag_as_required("workdir")

FLAGS = flags.FLAGS


# `keras_dcgan.training.workdir.CONFIG_FILE`, for the flag checks.
CONFIG_FILE = "config.json"


def holds_run(workdir: str) -> bool:
    """Whether `workdir` holds a run: its config or a complete checkpoint.

    A look at file names only (no TensorFlow import): whether the files
    are intact is checked when the run's configuration is read.
    """
    from keras_dcgan.training import workdir as workdir_lib

    return os.path.lexists(os.path.join(workdir, CONFIG_FILE)) or bool(
        workdir_lib.list_checkpoints(workdir)
    )


def saved_config(workdir: str) -> tuple[TrainConfig | None, str | None]:
    """The configuration of the run in `workdir`, and the file it is from.

    `keras_dcgan.training.workdir.saved_config` without changing the
    workdir (and without importing TensorFlow): a damaged or missing
    `config.json` gives the copy kept in the newest intact checkpoint;
    training then moves the damaged file aside, writes `config.json` anew
    and warns, holding the workdir's lock.

    Returns:
        `(config, source)`, or `(None, None)` for a new run.

    Raises:
        ValueError: The configuration is damaged and no intact checkpoint
            holds a copy; the message names the file and what to do.
    """
    from keras_dcgan.training import workdir as workdir_lib

    saved, source = workdir_lib.saved_config(workdir, repair=False)
    if saved is None:
        return None, None
    return TrainConfig.from_dict(saved), source


def _saved_preset(workdir: str) -> str | None:
    """The preset of the run saved in `workdir`, or None if unreadable."""
    try:
        return saved_config(workdir)[0].preset
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # training reports the damaged config


def resumes() -> bool:
    """Whether the flags continue the run saved in `--workdir`.

    They do without `--preset`, and with the `--preset` the run started
    from: the run keeps its own settings (the given flags on top), so a
    preset changed by a newer version of the library does not stop the
    command that started the run (`make demo`) from resuming it.
    """
    if FLAGS.overwrite or not holds_run(FLAGS.workdir):
        return False
    return FLAGS.preset is None or _saved_preset(FLAGS.workdir) == FLAGS.preset


def check_flags() -> None:
    """The checks that need no data and no TensorFlow, run first."""
    if not FLAGS.workdir.strip():
        raise app.UsageError(
            f"--workdir={FLAGS.workdir!r} is empty; pass the run's folder, "
            "e.g. --workdir=runs/mnist."
        )
    if FLAGS.tpu is not None and FLAGS.strategy != "tpu":
        raise app.UsageError(
            f"--tpu={FLAGS.tpu!r} only applies to --strategy=tpu; received "
            f"--strategy={FLAGS.strategy}."
        )
    # Without --preset, a run in the workdir is resumed (`resumes`); that
    # look at file names needs no TensorFlow.
    new_run = FLAGS.overwrite or not holds_run(FLAGS.workdir)
    if new_run and FLAGS.preset is None and not FLAGS["dataset"].present:
        raise app.UsageError(
            "A new run needs --dataset (for example --dataset=mnist-sample, "
            "a folder of images or tfds:NAME) or --preset; "
            f"{FLAGS.workdir!r} holds no run to continue."
        )
    if FLAGS.max_time is not None:
        check_number("max_time", FLAGS.max_time, "> 0")
    # Every field check of the configuration, before the data is read.
    base = (
        TrainConfig() if FLAGS.preset is None else TRAIN_PRESETS[FLAGS.preset]
    )
    base.replace(
        network=_dataclass_flags.given(NETWORK_FLAGS),
        **_dataclass_flags.given(TRAIN_FLAGS),
    )


def config_from_flags() -> TrainConfig:
    """The `TrainConfig` the command line asks for.

    With a run in `--workdir` and no `--preset`, the saved configuration
    (`config.json`, or when it is damaged or missing the copy kept in the
    newest intact checkpoint) with the given flags on top (a resume);
    otherwise the preset (or the default, sized from `--dataset`) with the
    flags on top.
    """
    from keras_dcgan.training.config import get_train_config

    network = _dataclass_flags.given(NETWORK_FLAGS)
    overrides = _dataclass_flags.given(TRAIN_FLAGS)
    saved, source = saved_config(FLAGS.workdir) if resumes() else (None, None)
    if saved is not None:
        config = saved.replace(network=network, **overrides)
        if os.path.basename(source) == CONFIG_FILE:
            print(f"Continuing the run in {FLAGS.workdir} (its {CONFIG_FILE}).")
        else:
            # Training warns why, and moves a damaged config.json aside.
            print(
                f"Continuing the run in {FLAGS.workdir} (the copy of its "
                f"configuration saved in {source})."
            )
        if FLAGS.preset is not None:
            _print_preset_changes(config, network, overrides)
    else:
        config = get_train_config(FLAGS.preset, network=network, **overrides)
    if FLAGS.conditional and config.network.num_classes is None:
        from keras_dcgan import data

        info = data.describe(
            config.dataset,
            split=config.split,
            data_dir=config.data_dir,
            image_key=config.image_key,
            label_key=config.label_key,
            value_range=config.value_range,
        )
        if not info.has_labels:
            raise app.UsageError(
                f"--conditional needs labels but {config.dataset!r} has none "
                "(an image folder needs one subfolder per class)."
            )
        config = config.replace(network={"num_classes": info.num_classes})
    return config


def _print_preset_changes(config, network, overrides) -> None:
    """Names the settings in which the preset now differs from the run."""
    from keras_dcgan.training.config import get_train_config

    preset = get_train_config(FLAGS.preset, network=network, **overrides)
    if FLAGS.conditional:  # --conditional sets num_classes from the data
        preset = preset.replace(
            network={"num_classes": config.network.num_classes}
        )
    changes = config.incompatible_changes(preset)
    if changes:
        print(
            f"The {FLAGS.preset!r} preset has changed since this run "
            "started; the run keeps its own settings:\n  "
            + "\n  ".join(changes)
        )


def main(argv):
    """Trains as the flags say."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    check_flags()
    from keras_dcgan import distribute
    from keras_dcgan import training
    from keras_dcgan.callbacks import NonFiniteLossError

    # First: some strategies must exist before TensorFlow initializes.
    strategy = distribute.get_strategy(
        FLAGS.strategy, devices=FLAGS.devices, tpu=FLAGS.tpu
    )
    config = config_from_flags()
    try:
        training.train(
            config,
            FLAGS.workdir,
            overwrite=FLAGS.overwrite,
            strategy=strategy,
            verbose=PROGRESS[FLAGS.progress],
            max_time=FLAGS.max_time,
        )
    except NonFiniteLossError as error:
        print(f"keras-dcgan train: {error}", flush=True)
        return 1
    except KeyboardInterrupt as error:
        print(_interrupted_message(error), flush=True)
        return 143 if getattr(error, "signal_name", "") == "SIGTERM" else 130
    return 0


def _interrupted_message(error: KeyboardInterrupt) -> str:
    """Where the work is and the exact command that resumes it."""
    # `--overwrite` would delete the run instead of resuming it.
    args = [
        arg
        for arg in sys.argv[1:]
        if arg.split("=")[0] not in ("--overwrite", "--nooverwrite")
    ]
    command = shlex.join(["keras-dcgan", *args])
    saved = getattr(error, "checkpoint", None)
    if saved is not None:
        where = (
            f"stopped by {error.signal_name} at step {error.step}; saved "
            f"{saved}"
        )
    else:
        from keras_dcgan.training.workdir import latest_checkpoint

        saved = latest_checkpoint(FLAGS.workdir)
        where = "interrupted; " + (
            f"the newest checkpoint is {saved}"
            if saved
            else "no checkpoint was saved yet"
        )
    action = "Resume with" if saved else "Start again with"
    return f"\nkeras-dcgan train: {where}.\n{action}:\n  {command}"
