"""Exports a generator to TFLite (LiteRT) for phones and edge devices.

The model takes the noise as input, `latents` float32 `[batch,
latent_dim]`, and returns `images` `[batch, height, width, channels]`:
float32 in [-1, 1], or uint8 in [0, 255] with `output_uint8=True`. The app
draws the noise itself (random ops would need the Flex delegate, which
neither the mobile builds of LiteRT nor its Python interpreter include by
default), so every exported model uses builtin ops only, which is checked.
A class-conditional generator's model takes a second input, `labels` int32
`[batch]`, the class of each image; its number of classes is stored in the
model's metadata (`"keras_dcgan.num_classes"`, a little-endian int32), so
`TFLiteGenerator` refuses labels outside `[0, num_classes)` (a TFLite graph
has no assertion op to refuse them itself).

Quantization:

- `"none"`: float32 weights and math.
- `"float16"`: float16 weights, about half the size; float math.
- `"dynamic_range"`: int8 weights, float activations.
- `"int8"`: int8 weights and activations, calibrated on latent draws from
  the standard normal prior the generator was trained on; the input and the
  output stay float32 (or uint8 with `output_uint8`, whose conversion from
  [-1, 1] stays in float: quantized, it loses most of the 256 levels).

A fixed `batch_size` gives static shapes, which the GPU delegate needs; the
default dynamic batch runs at any batch size on the CPU.
"""

import os
import shutil
import tempfile
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_dcgan import _adapters
from keras_dcgan import integrity
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.checks import check_positive_int
from keras_dcgan.checks import is_integer
from keras_dcgan.export.base import UINT8_NODES
from keras_dcgan.export.base import check_generator
from keras_dcgan.export.base import float32_generator
from keras_dcgan.export.base import images_to_uint8
from keras_dcgan.models import conditioning

QUANTIZATIONS = ("none", "float16", "dynamic_range", "int8")

# The metadata entry holding a conditional model's class count.
NUM_CLASSES_METADATA = "keras_dcgan.num_classes"


def convert_tflite(
    generator,
    quantization: str = "none",
    output_uint8: bool = False,
    batch_size: int | None = None,
    calibration_samples: int = 256,
    seed: int = 0,
    allow_untrained: bool = False,
) -> bytes:
    """Converts a generator to a TFLite flatbuffer of builtin ops only.

    Args:
        generator: keras.Model. The generator to convert; for a trained
            `DCGAN` pass `gan.sampling_generator`.
        quantization: str. `"none"`, `"float16"`, `"dynamic_range"` or
            `"int8"` (see the module docstring). Defaults to `"none"`.
        output_uint8: bool. Output uint8 images in [0, 255] instead of float
            in [-1, 1]. Defaults to False.
        batch_size: int or None. A fixed batch size (static shapes, for the
            GPU delegate); None keeps the batch dynamic. Defaults to None.
        calibration_samples: int. Latent draws that calibrate the int8
            activation ranges; only for `"int8"` (another quantization
            takes only the default). Defaults to 256.
        seed: int. Seed of the calibration draws, >= 0; only for
            `"int8"`, like `calibration_samples`. Defaults to 0.
        allow_untrained: bool. Convert a generator whose batch norm was never
            trained. Defaults to False.

    Returns:
        The model as `bytes`.

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> content = convert_tflite(generator, "float16", allow_untrained=True)
    >>> TFLiteGenerator(content).image_shape
    (16, 16, 1)
    """
    latent_dim = check_generator(generator, allow_untrained=allow_untrained)
    if quantization not in QUANTIZATIONS:
        raise ValueError(
            f"Unknown quantization {quantization!r}; expected one of "
            f"{list(QUANTIZATIONS)}."
        )
    # "false" would read as True: a uint8 model where floats were asked for.
    check_bool("output_uint8", output_uint8)
    # The calibration draws come from NumPy, which names no argument when
    # it refuses a seed.
    check_non_negative_int("seed", seed)
    if batch_size is not None and (
        not is_integer(batch_size) or batch_size < 1
    ):
        raise ValueError(
            f"`batch_size` must be an int >= 1 or None (dynamic); received "
            f"{batch_size!r}."
        )
    if batch_size is not None:
        batch_size = int(batch_size)
    check_positive_int("calibration_samples", calibration_samples)
    if quantization != "int8":
        # Only int8 calibrates: another value would be accepted and unused.
        for name, value, default in (
            ("calibration_samples", calibration_samples, 256),
            ("seed", seed, 0),
        ):
            if value != default:
                raise ValueError(
                    f"`{name}`={value} sets the int8 calibration, and "
                    f"quantization {quantization!r} calibrates nothing; use "
                    f"quantization='int8', or leave `{name}` at its default "
                    f"({default})."
                )

    # Mixed-precision training leaves a 16-bit network; LiteRT has no
    # bfloat16 kernels.
    generator = float32_generator(generator)

    def images(inputs):
        images = generator(inputs, training=False)
        if output_uint8:
            images = images_to_uint8(images)
        return {"images": images}

    input_signature = [
        tf.TensorSpec([batch_size, latent_dim], tf.float32, name="latents")
    ]
    num_classes = None
    if conditioning.is_conditional(generator):
        num_classes = generator.num_classes
        input_signature.append(
            tf.TensorSpec([batch_size], tf.int32, name="labels")
        )

        def serving_default(latents, labels):
            return images([latents, labels])

    else:

        def serving_default(latents):
            return images(latents)

    # The converter freezes variables only on the SavedModel path (a
    # concrete function keeps them as uninitialized resource variables), so
    # go through a temporary SavedModel, as `model.export` does.
    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(
        "serving_default",
        serving_default,
        input_signature=input_signature,
    )
    staging = tempfile.mkdtemp(prefix="keras_dcgan_tflite_")
    try:
        archive.write_out(staging, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(staging)
        # Builtins only: conversion fails instead of silently adding Flex.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantization == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif quantization == "dynamic_range":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif quantization == "int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_ops = [
                tf.lite.OpsSet.TFLITE_BUILTINS_INT8
            ]
            converter.representative_dataset = _calibration_data(
                latent_dim,
                batch_size or 1,
                calibration_samples,
                seed,
                num_classes,
            )
        if quantization == "int8" and output_uint8:
            content = _convert_keeping_uint8_in_float(converter)
        else:
            content = converter.convert()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    check_builtin_ops(content)
    if num_classes is not None:
        content = _with_metadata(
            content,
            NUM_CLASSES_METADATA,
            np.array([num_classes], "<i4").tobytes(),
        )
    return content


def _with_metadata(content: bytes, name: str, value: bytes) -> bytes:
    """`content` with one more metadata entry `name` holding `value`.

    TFLite's own metadata mechanism: a named buffer in the flatbuffer,
    which runtimes keep and ignore.
    """
    from tensorflow.lite.tools import flatbuffer_utils

    schema, _ = _adapters.tflite_schema()
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(value, np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = name
    entry.buffer = len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def tflite_num_classes(content: bytes) -> int | None:
    """The class count a conditional model stores, or None.

    Args:
        content: bytes. A `.tflite` model.

    Returns:
        The `num_classes` of the conditional generator it was converted
        from, or None for an unconditional model (or one exported before
        the count was stored).

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, 16, 1, 4, num_classes=3)
    >>> tflite_num_classes(convert_tflite(generator, allow_untrained=True))
    3
    """
    schema, _ = _adapters.tflite_schema()
    model = schema.Model.GetRootAs(content, 0)
    for index in range(model.MetadataLength()):
        entry = model.Metadata(index)
        if entry.Name().decode() == NUM_CLASSES_METADATA:
            data = model.Buffers(entry.Buffer()).DataAsNumpy()
            return int(np.frombuffer(data.tobytes(), "<i4")[0])
    return None


def _convert_keeping_uint8_in_float(converter):
    """Quantizes all but the uint8 conversion ops (`UINT8_NODES`)."""
    # Selective quantization is done through TFLite's quantization debugger.
    debugger_options = tf.lite.experimental.QuantizationDebugOptions(
        denylisted_nodes=list(UINT8_NODES)
    )
    with warnings.catch_warnings():
        # The debugger runs TF's deprecated interpreter internally; its
        # deprecation warning is not the caller's concern.
        warnings.filterwarnings(
            "ignore", r"\s*Warning: tf.lite.Interpreter is deprecated"
        )
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter,
            debug_dataset=converter.representative_dataset,
            debug_options=debugger_options,
        )
        return debugger.get_nondebug_quantized_model()


def _calibration_data(latent_dim, batch_size, num_samples, seed, num_classes):
    """Latent batches from the prior (and uniform labels if conditional),
    for int8 activation ranges."""
    num_batches = -(-num_samples // batch_size)

    def batches():
        # The same draws on every pass: calibration may iterate twice.
        rng = np.random.default_rng(seed)
        for _ in range(num_batches):
            latents = rng.standard_normal((batch_size, latent_dim), np.float32)
            if num_classes is None:
                yield [latents]
            else:
                labels = rng.integers(0, num_classes, batch_size, np.int32)
                yield {"latents": latents, "labels": labels}

    return batches


def tflite_op_names(content: bytes) -> list[str]:
    """The operator names of a TFLite flatbuffer, sorted.

    Builtin operators have their enum name (`"CONV_2D"`); custom operators,
    including Flex ones (`"FlexStatelessRandomNormalV2"`), their custom code.

    Args:
        content: bytes. A `.tflite` model.

    Returns:
        A sorted list of distinct names.

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> content = convert_tflite(generator, allow_untrained=True)
    >>> "TRANSPOSE_CONV" in tflite_op_names(content)
    True
    """
    schema, schema_util = _adapters.tflite_schema()

    model = schema.ModelT.InitFromPackedBuf(bytearray(content), 0)
    builtin_names = {
        value: name
        for name, value in vars(schema.BuiltinOperator).items()
        if not name.startswith("_")
    }
    names = set()
    for opcode in model.operatorCodes:
        code = schema_util.get_builtin_code_from_operator_code(opcode)
        if code == schema.BuiltinOperator.CUSTOM:
            names.add(opcode.customCode.decode())
        else:
            names.add(builtin_names[code])
    return sorted(names)


def check_builtin_ops(content: bytes) -> None:
    """Raises if a TFLite model has Flex or other custom operators.

    Args:
        content: bytes. A `.tflite` model.

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> check_builtin_ops(convert_tflite(generator, allow_untrained=True))
    """
    schema, _ = _adapters.tflite_schema()
    model = schema.ModelT.InitFromPackedBuf(bytearray(content), 0)
    custom = sorted(
        opcode.customCode.decode()
        for opcode in model.operatorCodes
        if opcode.customCode
    )
    if custom:
        raise ValueError(
            f"The TFLite model has non-builtin operators {custom}; mobile "
            "runtimes without the Flex delegate cannot run it."
        )


def check_tflite_path(path) -> None:
    """Raises unless `path` can name the `.tflite` file `export_tflite` writes.

    Args:
        path: str or os.PathLike. The file to write.

    Raises:
        IsADirectoryError: `path` is a folder, or ends in a separator.
        ValueError: `path` is empty or not a path.

    Example:
    >>> check_tflite_path("generator.tflite")
    """
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise ValueError(
            f"`path` must be the path of a .tflite file; received {path!r}."
        )
    path = os.fspath(path)
    if os.path.isdir(path) or path.endswith(("/", os.sep)):
        raise IsADirectoryError(
            f"path={path!r} is a directory; pass the path of a .tflite file "
            f"in it, e.g. {os.path.join(path, 'generator.tflite')!r}."
        )


def export_tflite(generator, path: str, **kwargs) -> str:
    """Converts a generator to TFLite and writes it atomically to `path`.

    Args:
        generator: keras.Model. The generator; for a trained `DCGAN` pass
            `gan.sampling_generator`.
        path: str or os.PathLike. The `.tflite` file to write; an
            existing file is replaced, a directory is an error. Parent
            directories are created.
        **kwargs: Arguments of `convert_tflite`: `quantization`,
            `output_uint8`, `batch_size`, `calibration_samples`, `seed`,
            `allow_untrained`.

    Returns:
        `path`.

    Example:
    For a trained run: `export_tflite(load_gan(workdir).sampling_generator,
    "generator.tflite", quantization="int8")`. With a tiny untrained
    generator:

    >>> import tempfile
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> path = os.path.join(tempfile.mkdtemp(), "generator.tflite")
    >>> _ = export_tflite(generator, path, allow_untrained=True)
    >>> os.path.getsize(path) > 0
    True
    """
    check_tflite_path(path)
    # A pathlib.Path is accepted above; the writing below joins strings.
    path = os.fspath(path)
    integrity.check_writable(path, "path", is_dir=False)
    content = convert_tflite(generator, **kwargs)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    partial = path + ".partial"
    with open(partial, "wb") as f:
        f.write(content)
    os.replace(partial, path)
    return path


class TFLiteGenerator:
    """Runs an exported TFLite generator with LiteRT's Python interpreter.

    Args:
        model: str or bytes. A `.tflite` path or the model's content.
        num_threads: int or None. CPU threads; None lets LiteRT choose.
            Defaults to None.

    Example:
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> content = convert_tflite(generator, allow_untrained=True)
    >>> runner = TFLiteGenerator(content)
    >>> runner(np.zeros((4, runner.latent_dim), "float32")).shape
    (4, 16, 16, 1)
    """

    def __init__(self, model, num_threads=None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:
            raise ImportError(
                "Running TFLite models needs LiteRT: "
                "`pip install keras-dcgan[litert]` (or `ai-edge-litert`)."
            ) from error
        # Read once: the interpreter and the metadata share the bytes.
        content = model
        if not isinstance(model, bytes):
            with open(model, "rb") as file:
                content = file.read()
        self.interpreter = Interpreter(
            model_content=content, num_threads=num_threads
        )
        self.runner = self.interpreter.get_signature_runner("serving_default")
        latents = self.runner.get_input_details()["latents"]
        images = self.runner.get_output_details()["images"]
        # shape_signature keeps -1 for a dynamic batch.
        batch = int(latents["shape_signature"][0])
        self.batch_size = None if batch == -1 else batch
        self.latent_dim = int(latents["shape"][1])
        self.image_shape = tuple(int(d) for d in images["shape"][1:])
        self.output_dtype = np.dtype(images["dtype"])
        # A conditional model's `labels` input, and its class count (None
        # in a model exported before the count was stored).
        self.conditional = "labels" in self.runner.get_input_details()
        self.num_classes = (
            tflite_num_classes(content) if self.conditional else None
        )

    def __call__(self, latents, labels=None):
        """Generates images from a `(batch, latent_dim)` float32 array.

        A conditional model also takes `labels`, int `(batch,)` in
        `[0, num_classes)`.

        Returns:
            The `images` output: `(batch, height, width, channels)`,
            float32 in [-1, 1] or uint8 in [0, 255].

        Raises:
            ValueError: Latents of another shape or batch, labels given to
                an unconditional model or missing for a conditional one, or
                labels that are not ints of shape `(batch,)` in
                `[0, num_classes)`.
        """
        if self.conditional != (labels is not None):
            raise ValueError(
                "This model is class-conditional: pass labels, one class per "
                "latent."
                if self.conditional
                else "This model is unconditional; it takes no labels."
            )
        latents = np.asarray(latents, dtype=np.float32)
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"Expected latents of shape (batch, {self.latent_dim}); "
                f"received {latents.shape}."
            )
        if self.batch_size is not None and latents.shape[0] != self.batch_size:
            raise ValueError(
                f"This model has a fixed batch of {self.batch_size}; received "
                f"{latents.shape[0]} latents."
            )
        if not self.conditional:
            return self.runner(latents=latents)["images"]
        labels = np.asarray(labels)
        if labels.shape != latents.shape[:1] or labels.dtype.kind not in "iu":
            raise ValueError(
                f"Expected int labels of shape ({latents.shape[0]},), one per "
                f"latent; received {labels.dtype} {labels.shape}."
            )
        # int32 is the model's input; a wider int would wrap silently.
        high = 2**31 if self.num_classes is None else self.num_classes
        bad = labels[(labels < 0) | (labels >= high)]
        if bad.size:
            allowed = (
                f"[0, {self.num_classes}), the model's classes"
                if self.num_classes is not None
                else "int32 class ids >= 0"
            )
            raise ValueError(
                f"`labels` must be in {allowed}; received {bad[0]}."
            )
        return self.runner(latents=latents, labels=labels.astype(np.int32))[
            "images"
        ]
