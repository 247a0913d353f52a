"""keras_dcgan: Deep Convolutional GANs for Keras 3 and TensorFlow."""

from keras_dcgan import callbacks
from keras_dcgan import data
from keras_dcgan import training
from keras_dcgan.dcgan import DCGAN
from keras_dcgan.discriminator import Discriminator
from keras_dcgan.generator import Generator
from keras_dcgan.presets import PRESETS
from keras_dcgan.presets import NetworkConfig

__all__ = [
    "DCGAN",
    "PRESETS",
    "Discriminator",
    "Generator",
    "NetworkConfig",
    "callbacks",
    "data",
    "training",
]
__version__ = "0.1.0"
