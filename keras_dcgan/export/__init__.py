"""Exporting generators: SavedModel (TF Serving), TFLite (phones), web pages.

The deployment side (server configuration, clients, a LiteRT sampling
script) lives in the repository's top-level `export/` folder.
"""

from keras_dcgan.export.base import check_generator
from keras_dcgan.export.base import images_to_uint8
from keras_dcgan.export.saved_model import SIGNATURES
from keras_dcgan.export.saved_model import export_saved_model
from keras_dcgan.export.saved_model import next_version
from keras_dcgan.export.tflite import QUANTIZATIONS
from keras_dcgan.export.tflite import TFLiteGenerator
from keras_dcgan.export.tflite import convert_tflite
from keras_dcgan.export.tflite import export_tflite
from keras_dcgan.export.web import export_web

__all__ = [
    "QUANTIZATIONS",
    "SIGNATURES",
    "TFLiteGenerator",
    "check_generator",
    "convert_tflite",
    "export_saved_model",
    "export_tflite",
    "export_web",
    "images_to_uint8",
    "next_version",
]
