"""keras_dcgan: Deep Convolutional GANs for Keras 3 and TensorFlow.

The package imports lazily (PEP 562): `import keras_dcgan` is quick and loads
no TensorFlow; the first use of a name below (`keras_dcgan.DCGAN`,
`keras_dcgan.export`, `keras_dcgan.metrics`, ...) imports what it needs.

Layers, imports pointing down only (see docs/architecture.md):

- application: `keras_dcgan.cli` (the command line) over
  `keras_dcgan.training` (experiment configs, workdirs, `train`,
  `evaluate_workdir`);
- core: `models`, `losses`, `sampling`, `data`, `metrics`, `export`,
  `callbacks`, `images`, `distribute`, `checks`.
"""

import importlib

# Public names of the package and the module that defines each.
_NAMES = {
    "DCGAN": "keras_dcgan.models.dcgan",
    "Discriminator": "keras_dcgan.models.discriminator",
    "Generator": "keras_dcgan.models.generator",
    "NetworkConfig": "keras_dcgan.models.presets",
    "PRESETS": "keras_dcgan.models.presets",
}
_SUBMODULES = (
    "callbacks",
    "checks",
    "cli",
    "data",
    "distribute",
    "export",
    "images",
    "losses",
    "metrics",
    "models",
    "sampling",
    "training",
)

__all__ = sorted([*_NAMES, *_SUBMODULES])
__version__ = "0.1.0"


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"keras_dcgan.{name}")
    else:
        raise AttributeError(f"module 'keras_dcgan' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__
