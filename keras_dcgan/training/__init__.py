"""Training runs: the experiment configuration and the `train` function."""

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
