"""Training runs: the experiment configuration and the `train` function."""

import typing

from keras_dcgan import _lazy

# Public names and the module that defines each, imported on first use
# (PEP 562) so that importing this package loads no TensorFlow.
_NAMES = {
    "WorkdirCheckpoint": "keras_dcgan.training.checkpoint",
    "RESUMABLE_FIELDS": "keras_dcgan.training.config",
    "TRAIN_PRESETS": "keras_dcgan.training.config",
    "TrainConfig": "keras_dcgan.training.config",
    "get_train_config": "keras_dcgan.training.config",
    "evaluate_workdir": "keras_dcgan.training.evaluate",
    "load_extractor": "keras_dcgan.training.evaluate",
    "train": "keras_dcgan.training.trainer",
}

if typing.TYPE_CHECKING:  # for static readers (type checkers, API docs)
    from keras_dcgan.training.checkpoint import WorkdirCheckpoint
    from keras_dcgan.training.config import RESUMABLE_FIELDS
    from keras_dcgan.training.config import TRAIN_PRESETS
    from keras_dcgan.training.config import TrainConfig
    from keras_dcgan.training.config import get_train_config
    from keras_dcgan.training.evaluate import evaluate_workdir
    from keras_dcgan.training.evaluate import load_extractor
    from keras_dcgan.training.trainer import train

__all__ = [
    "RESUMABLE_FIELDS",
    "TRAIN_PRESETS",
    "TrainConfig",
    "WorkdirCheckpoint",
    "evaluate_workdir",
    "get_train_config",
    "load_extractor",
    "train",
]

__getattr__, __dir__ = _lazy.attach(__name__, _NAMES)
