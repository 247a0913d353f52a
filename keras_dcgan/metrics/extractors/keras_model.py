"""Features from any Keras model or layer."""

import keras

from keras_dcgan.metrics.extractors.base import FeatureExtractor
from keras_dcgan.metrics.extractors.base import weights_fingerprint


def keras_extractor(
    model,
    layer: str | None = None,
    probabilities_layer: str | None = None,
    batch_size: int = 64,
) -> FeatureExtractor:
    """Uses any Keras model or layer as a feature extractor.

    Args:
        model: keras.Model or keras.Layer. Called on images in [-1, 1]; do any
            other preprocessing inside it.
        layer: str or None. Name of the functional model's layer whose output
            are the features; None uses the model's output. Defaults to None.
        probabilities_layer: str or None. Name of a layer that outputs class
            probabilities (for the Inception Score and mode coverage); None
            for none. Defaults to None.
        batch_size: int. Images per forward pass. Defaults to 64.

    Returns:
        A `FeatureExtractor` whose identity names the model, the layers and
        a fingerprint of the weights.

    Example:
    >>> import numpy as np
    >>> inputs = keras.Input((8, 8, 1))
    >>> pooled = keras.layers.GlobalAveragePooling2D(name="pool")(inputs)
    >>> extractor = keras_extractor(keras.Model(inputs, pooled), layer="pool")
    >>> extractor(np.ones((2, 8, 8, 1)))[0].shape
    (2, 1)
    """
    if (layer or probabilities_layer) and not isinstance(model, keras.Model):
        raise ValueError(
            "`layer` and `probabilities_layer` need a functional keras.Model; "
            f"received a {type(model).__name__}."
        )
    image_size = channels = None
    if isinstance(model, keras.Model) and model.inputs:
        shape = tuple(model.inputs[0].shape)
        image_size = shape[1] if shape[1] == shape[2] else None
        channels = shape[3]
    if layer or probabilities_layer:
        outputs = model.get_layer(layer).output if layer else model.outputs[0]
        if probabilities_layer:
            outputs = [outputs, model.get_layer(probabilities_layer).output]
        network = keras.Model(model.inputs, outputs)
    else:
        network = model
    if not network.built:
        raise ValueError(
            f"Model {model.name!r} is not built: call it on a batch of "
            "images first, so its weights can be fingerprinted."
        )
    identity = (
        f"keras:{model.name}:{layer or 'output'}:"
        f"{probabilities_layer or '-'}:{weights_fingerprint(network)}"
    )
    return FeatureExtractor(
        network,
        identity=identity,
        image_size=image_size,
        channels=channels,
        has_probabilities=probabilities_layer is not None,
        batch_size=batch_size,
    )
