"""What every export format shares: checking the generator, uint8 images.

Export works on the generator (for a trained `DCGAN`, its
`sampling_generator`, the EMA copy when there is one), never on the training
wrapper: a served or shipped model needs no discriminator or optimizer.
Every format computes in float32, also for a generator trained under mixed
precision (`float32_generator`).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_dcgan.checks import check_bool
from keras_dcgan.models import conditioning
from keras_dcgan.models.base import Network


def check_generator(generator, allow_untrained: bool = False) -> int:
    """Checks that a generator can be exported and returns its latent size.

    Args:
        generator: keras.Model. A built generator with one `(batch,
            latent_dim)` input, or for a class-conditional generator the
            inputs `[latents, labels]` (labels int32 `(batch,)`, and a
            `num_classes` attribute), and one `(batch, height, width,
            channels)` output.
        allow_untrained: bool. Export a generator whose batch-normalization
            statistics were never updated (it would export noise). Defaults
            to False.

    Returns:
        The latent size, an int.

    Raises:
        TypeError: Not a Keras model, or a `DCGAN` itself (pass
            `gan.sampling_generator`).
        ValueError: A generator never built or trained, or whose inputs
            and outputs are not a generator's.
        NotImplementedError: Inputs other than latents (and labels).

    Example:
    >>> from keras_dcgan import Generator
    >>> check_generator(Generator(8, 16, 1, 4), allow_untrained=True)
    8
    """
    # A truthy string such as "false" would export an untrained generator.
    check_bool("allow_untrained", allow_untrained)
    if not isinstance(generator, keras.Model):
        raise TypeError(
            "Expected a keras.Model generator (for a trained DCGAN, pass "
            f"`gan.sampling_generator`); received {type(generator).__name__}."
        )
    if hasattr(generator, "sampling_generator"):
        # A DCGAN holds both networks; its own inputs are not the latents.
        raise TypeError(
            f"Expected the generator; received the DCGAN {generator.name!r} "
            "itself. Pass `gan.sampling_generator` (the generator average "
            "if the DCGAN keeps one, else the generator)."
        )
    if not generator.built:
        raise ValueError(
            f"The generator {generator.name!r} was never built, so its input "
            "and output shapes are unknown. Build it (a functional model such "
            "as `keras_dcgan.Generator` is built on construction) or load a "
            "trained model before exporting."
        )
    if getattr(generator, "inputs", None) is None:
        raise ValueError(
            f"The generator {generator.name!r} has no symbolic inputs and "
            "outputs; export needs a functional model such as "
            "`keras_dcgan.Generator`."
        )
    conditional = conditioning.is_conditional(generator)
    if len(generator.inputs) != 1 and not conditional:
        raise NotImplementedError(
            f"The generator {generator.name!r} takes {len(generator.inputs)} "
            "inputs; export supports latents only, or `[latents, labels]` "
            "(a second input named 'labels') for a class-conditional "
            "generator."
        )
    if conditional:
        labels = generator.inputs[1]
        num_classes = getattr(generator, "num_classes", None)
        if tuple(labels.shape[1:]) != () or "int" not in str(labels.dtype):
            raise ValueError(
                "Expected the labels input of a conditional generator to be "
                f"int (batch,); received {labels.dtype} {labels.shape}."
            )
        if num_classes is None:
            raise ValueError(
                f"The conditional generator {generator.name!r} has no "
                "`num_classes` attribute; export needs it to check labels "
                "(`keras_dcgan.Generator(..., num_classes=K)` has it)."
            )
    latent_shape = tuple(generator.inputs[0].shape[1:])
    image_shape = tuple(generator.outputs[0].shape[1:])
    if len(latent_shape) != 1 or latent_shape[0] is None:
        raise ValueError(
            "Expected a generator input of shape (batch, latent_dim); "
            f"received {generator.inputs[0].shape}."
        )
    if len(image_shape) != 3 or None in image_shape:
        raise ValueError(
            "Expected a generator output of shape (batch, height, width, "
            "channels) with known sizes; received "
            f"{generator.outputs[0].shape}."
        )
    if not allow_untrained and _batch_norm_untouched(generator):
        raise ValueError(
            f"The generator {generator.name!r} looks untrained: its batch-"
            "normalization statistics still hold their initial values, so in "
            "inference mode it makes noise. Export a trained generator (e.g. "
            "a trained DCGAN's `sampling_generator`), or "
            "pass allow_untrained=True."
        )
    return int(latent_shape[0])


def float32_generator(generator):
    """The generator computing in float32, the precision every export has.

    A generator trained under mixed precision (`TrainConfig.precision`
    `"mixed_bfloat16"` or `"mixed_float16"`) keeps float32 weights but
    computes in 16 bits, and a saved one loads that way. Exported as it is,
    TFLite would fail to convert it (LiteRT has no bfloat16 kernels) and a
    served SavedModel would run 16-bit math on CPUs without 16-bit units.
    So exports compute in float32 from the same weights: the images differ
    from the 16-bit network's by its rounding only.

    Args:
        generator: keras.Model. A built generator (see `check_generator`).

    Returns:
        `generator` itself when all its layers compute in float32; else a
        float32 copy with the same weights: for a `keras_dcgan` network
        rebuilt from its config with `dtype="float32"`, for another
        functional model cloned layer by layer (`keras.models.clone_model`).

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, 16, 1, 4, dtype="mixed_bfloat16")
    >>> float32_generator(generator).compute_dtype
    'float32'
    """
    layers = [generator, *_all_layers(generator)]
    if all(layer.compute_dtype == "float32" for layer in layers):
        return generator
    if isinstance(generator, Network):
        copy = type(generator).from_config(
            {**generator.get_config(), "dtype": "float32"}
        )
    else:

        def float32_layer(layer):
            return type(layer).from_config(
                {**layer.get_config(), "dtype": "float32"}
            )

        copy = keras.models.clone_model(generator, clone_function=float32_layer)
    copy.set_weights(generator.get_weights())
    return copy


def _batch_norm_untouched(generator) -> bool:
    """Whether every batch norm still has moving mean 0 and variance 1."""
    layers = [
        layer
        for layer in _all_layers(generator)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers:
        return False
    return all(
        np.all(keras.ops.convert_to_numpy(layer.moving_mean) == 0.0)
        and np.all(keras.ops.convert_to_numpy(layer.moving_variance) == 1.0)
        for layer in layers
    )


def _all_layers(model):
    """The layers of a model, including those inside nested models."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


# The float ops of `images_to_uint8`, by node name: int8 quantization must
# keep them in float (quantized, the [0, 255] scaling loses most levels).
UINT8_NODES = (
    "to_uint8/shift",
    "to_uint8/scale",
    "to_uint8/clip/Minimum",
    "to_uint8/clip",
)


def images_to_uint8(images):
    """Converts float images in [-1, 1] to uint8 inside a TensorFlow graph.

    The graph twin of `keras_dcgan.images.to_uint8`: clip, then
    `round((x + 1) * 127.5)` (round half to even, like numpy). Only
    TFLite builtin ops (ADD, MUL, MINIMUM, MAXIMUM, ROUND, CAST).

    Args:
        images: float tensor. Images in [-1, 1].

    Returns:
        A uint8 tensor of the same shape.

    Example:
    >>> images_to_uint8(tf.constant([-1.0, 0.0, 1.0])).numpy().tolist()
    [0, 128, 255]
    """
    with tf.name_scope("to_uint8"):
        shifted = tf.add(images, 1.0, name="shift")
        scaled = tf.multiply(shifted, 127.5, name="scale")
        clipped = tf.clip_by_value(scaled, 0.0, 255.0, name="clip")
        return tf.cast(tf.round(clipped), tf.uint8)
