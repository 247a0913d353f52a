"""The package's only reach into private Keras and TensorFlow modules.

Each function here wraps an internal that has no public equivalent, so that
a change in Keras or TensorFlow breaks one small place:

- `keras_home`: where Keras keeps downloads (`~/.keras`, or `KERAS_HOME`).
  `keras.utils.get_file` uses it but Keras exports no function that tells
  it; the Inception extractor needs the path to say where to put weights
  on a machine without internet.
- `tflite_schema`: TensorFlow's generated flatbuffer bindings of the TFLite
  schema. They read a model's operator list without instantiating an
  interpreter (which fails on Flex ops, the very thing being checked).
  `tf.lite.experimental.Analyzer` only prints text.
"""


def keras_home() -> str:
    """The Keras cache directory, as `keras.utils.get_file` uses it."""
    from keras.src.backend.config import keras_home as _keras_home

    return _keras_home()


def tflite_schema():
    """`(schema, schema_util)`: TensorFlow's TFLite flatbuffer bindings."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.python import schema_util

    return schema, schema_util
