"""`keras-dcgan train`: train a DCGAN into a workdir, resuming it if there.

    keras-dcgan train --preset=mnist --dataset=mnist-sample --workdir=runs/mnist
    keras-dcgan train --preset=cifar10 --workdir=runs/c10 --loss=hinge
    keras-dcgan train --workdir=runs/faces --dataset=faces/ --image_size=64
    keras-dcgan train --preset=mnist --dataset=mnist-sample --conditional \
        --workdir=runs/cmnist

Flags: `--preset` picks a `TrainConfig` preset; every other setting flag
(one per field of `TrainConfig` and `NetworkConfig`) overrides it when given.
Run the same command again after a stop or a kill to resume, with a larger
`--epochs` to train longer. `--conditional` trains a class-conditional
DCGAN on the dataset's labels (`--num_classes` is read from the data). The
library call is `keras_dcgan.training.train`.
"""

import shlex
import sys

from absl import app
from absl import flags

from keras_dcgan import data
from keras_dcgan import distribute
from keras_dcgan import training
from keras_dcgan.callbacks import NonFiniteLossError
from keras_dcgan.cli import _dataclass_flags
from keras_dcgan.losses import LOSSES
from keras_dcgan.models.blocks import ACTIVATIONS
from keras_dcgan.models.blocks import DOWNSAMPLING_MODES
from keras_dcgan.models.blocks import NORMALIZATIONS
from keras_dcgan.models.blocks import UPSAMPLING_MODES
from keras_dcgan.models.conditioning import CONDITIONINGS
from keras_dcgan.models.presets import NetworkConfig
from keras_dcgan.training.config import TRAIN_PRESETS
from keras_dcgan.training.config import TrainConfig
from keras_dcgan.training.config import get_train_config
from keras_dcgan.training.workdir import latest_checkpoint

flags.DEFINE_string(
    "workdir", None, "Work directory of the run: config, checkpoints, samples."
)
flags.DEFINE_enum(
    "preset",
    None,
    list(TRAIN_PRESETS),
    "Settings for a common dataset; the other flags override them. Default: "
    "the paper's 64x64 RGB recipe.",
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
    list(distribute.STRATEGIES),
    "Distribution strategy (keras_dcgan.distribute.get_strategy); "
    "--batch_size is the global batch over all replicas.",
)
flags.DEFINE_list(
    "devices",
    None,
    "Devices for --strategy=one_device or mirrored, e.g. GPU:0,GPU:1.",
)
flags.DEFINE_bool(
    "conditional",
    False,
    "Train a class-conditional DCGAN on (image, label) pairs; its "
    "num_classes comes from the dataset.",
)
flags.DEFINE_integer(
    "verbose", 1, "0: quiet; 1: progress bar with ETA; 2: one line per epoch."
)
TRAIN_FLAGS = _dataclass_flags.define_flags(
    TrainConfig,
    __name__,
    exclude=("preset", "network"),
    choices={"loss": LOSSES},
)
NETWORK_FLAGS = _dataclass_flags.define_flags(
    NetworkConfig,
    __name__,
    choices={
        "upsampling": UPSAMPLING_MODES,
        "downsampling": DOWNSAMPLING_MODES,
        "generator_activation": ACTIVATIONS,
        "discriminator_activation": ACTIVATIONS,
        "generator_normalization": NORMALIZATIONS,
        "discriminator_normalization": NORMALIZATIONS,
        "conditioning": CONDITIONINGS,
    },
)
flags.mark_flag_as_required("workdir")

FLAGS = flags.FLAGS


def config_from_flags() -> TrainConfig:
    """The `TrainConfig` the command line asks for."""
    config = get_train_config(
        FLAGS.preset,
        network=_dataclass_flags.given(NETWORK_FLAGS),
        **_dataclass_flags.given(TRAIN_FLAGS),
    )
    if FLAGS.conditional and config.network.num_classes is None:
        info = data.describe(config.dataset, data_dir=config.data_dir)
        if not info.has_labels:
            raise app.UsageError(
                f"--conditional needs labels but {config.dataset!r} has none "
                "(an image folder needs one subfolder per class)."
            )
        config = config.replace(network={"num_classes": info.num_classes})
    return config


def main(argv):
    """Trains as the flags say."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    # First: some strategies must exist before TensorFlow initializes.
    strategy = distribute.get_strategy(FLAGS.strategy, devices=FLAGS.devices)
    config = config_from_flags()
    try:
        training.train(
            config,
            FLAGS.workdir,
            overwrite=FLAGS.overwrite,
            strategy=strategy,
            verbose=FLAGS.verbose,
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
        saved = latest_checkpoint(FLAGS.workdir)
        where = "interrupted; " + (
            f"the newest checkpoint is {saved}"
            if saved
            else "no checkpoint was saved yet"
        )
    action = "Resume with" if saved else "Start again with"
    return f"\nkeras-dcgan train: {where}.\n{action}:\n  {command}"
