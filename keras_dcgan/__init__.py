"""keras_dcgan: Deep Convolutional GANs for Keras 3 and TensorFlow.

The package imports lazily (PEP 562): `import keras_dcgan` is quick and loads
no TensorFlow; the first use of a name below (`keras_dcgan.DCGAN`,
`keras_dcgan.export`, `keras_dcgan.metrics`, ...) imports what it needs. The
networks register with `keras.saving` as soon as Keras is imported, so
`keras.saving.load_model` reads saved `DCGAN`s after `import keras_dcgan`.

Layers, imports pointing down only (see docs/architecture.md):

- application: `keras_dcgan.cli` (the command line) over
  `keras_dcgan.training` (experiment configs, workdirs, `train`,
  `evaluate_workdir`);
- core: `models`, `losses`, `optimizers`, `sampling`, `data`, `metrics`,
  `export`, `callbacks`, `images`, `distribute`, `checks`.
"""

import typing

from keras_dcgan import _lazy

# Public names and the module that defines each, imported on first use.
_NAMES = {
    "DCGAN": "keras_dcgan.models.dcgan",
    "Discriminator": "keras_dcgan.models.discriminator",
    "Generator": "keras_dcgan.models.generator",
    "NetworkConfig": "keras_dcgan.models.presets",
    "PRESETS": "keras_dcgan.models.presets",
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
    "optimizers",
    "sampling",
    "training",
]
__version__ = "0.1.0"

__getattr__, __dir__ = _lazy.attach(__name__, _NAMES)

# The modules that register `keras.saving` serializable classes.
_lazy.import_with_keras(
    (
        "keras_dcgan.models.dcgan",
        "keras_dcgan.metrics.extractors.domain_classifier",
    )
)
