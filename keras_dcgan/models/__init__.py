"""The networks and the GAN: building blocks, `Generator`, `Discriminator`,
their class-conditional parts, the `DCGAN` training model and named
architecture presets."""

import importlib
import typing

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
