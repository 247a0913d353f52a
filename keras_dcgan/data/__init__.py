"""Input pipelines: any image source to batches of [-1, 1] images.

`load` is the one entry point; `describe` tells what a source holds.
"""

from keras_dcgan.data.idx import read_idx
from keras_dcgan.data.pipeline import describe
from keras_dcgan.data.pipeline import load
from keras_dcgan.data.preprocess import RESIZE_CHOICES
from keras_dcgan.data.sources import SHORT_NAMES
from keras_dcgan.data.types import DatasetInfo

__all__ = [
    "RESIZE_CHOICES",
    "SHORT_NAMES",
    "DatasetInfo",
    "describe",
    "load",
    "read_idx",
]
