"""The networks and the GAN: building blocks, `Generator`, `Discriminator`,
their class-conditional parts, the `DCGAN` training model and named
architecture presets."""

import typing

from keras_dcgan import _lazy

# Public names and the module that defines each, imported on first use
# (PEP 562) so that importing this package loads no TensorFlow.
_NAMES = {
    "DCGAN": "keras_dcgan.models.dcgan",
    "Discriminator": "keras_dcgan.models.discriminator",
    "Generator": "keras_dcgan.models.generator",
    "PRESETS": "keras_dcgan.models.presets",
    "NetworkConfig": "keras_dcgan.models.presets",
}

if typing.TYPE_CHECKING:  # for static readers (type checkers, API docs)
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

__getattr__, __dir__ = _lazy.attach(__name__, _NAMES)
