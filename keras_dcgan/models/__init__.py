"""The networks and the GAN: building blocks, `Generator`, `Discriminator`,
their class-conditional parts, the `DCGAN` training model and named
architecture presets."""

from keras_dcgan.models.dcgan import DCGAN
from keras_dcgan.models.discriminator import Discriminator
from keras_dcgan.models.generator import Generator
from keras_dcgan.models.presets import PRESETS
from keras_dcgan.models.presets import NetworkConfig

__all__ = [
    "DCGAN",
    "PRESETS",
    "Discriminator",
    "Generator",
    "NetworkConfig",
]
