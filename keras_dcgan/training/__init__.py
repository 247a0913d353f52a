"""Training runs: the experiment configuration and the `train` function."""

import importlib
import typing

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


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    else:  # a submodule, as an eager package would have imported it
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(
                f"module {__name__!r} has no attribute {name!r}"
            ) from None
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_NAMES])
