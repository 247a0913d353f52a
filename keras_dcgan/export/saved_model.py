"""Exports a generator as a versioned SavedModel for TF Serving.

The layout is the one TF Serving polls, `BASE/NAME/VERSION/saved_model.pb`,
and the SavedModel has three signatures:

- `serving_default`: `latents` float32 `[batch, latent_dim]` -> `images`
  float32 `[batch, height, width, channels]` in [-1, 1]. The batch is
  dynamic, so TF Serving's request batching applies.
- `generate_uint8`: `seed` int64 scalar and `num_samples` int32 scalar ->
  `images` uint8 `[num_samples, height, width, channels]`. The latents are
  `keras_dcgan.sampling.sample_latents(num_samples, latent_dim, seed)`, so the
  images equal `to_uint8(gan.generate(num_samples, seed=seed))`.
- `generate_png`: the same inputs -> `png_bytes` string `[num_samples]`, one
  PNG file each (TF Serving's REST API returns `*_bytes` outputs as base64).

A class-conditional generator (`keras_dcgan.Generator(..., num_classes=K)`)
exports the same three signatures with one more input, `labels` int32
`[batch]` (`[num_samples]` for the seed-driven ones): the class of each
image, checked to lie in `[0, K)`. `generate_uint8` then equals
`to_uint8(gan.generate(num_samples, labels=labels, seed=seed))`.

Batch normalization runs in inference mode. A version is written into a
temporary directory beside its final place and renamed, so a server polling
BASE never loads a half-written model.
"""

import os
import re
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_dcgan import integrity
from keras_dcgan import lockfile
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import is_integer
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionFileExistsError
from keras_dcgan.export.base import check_generator
from keras_dcgan.export.base import float32_generator
from keras_dcgan.export.base import images_to_uint8
from keras_dcgan.models import conditioning
from keras_dcgan.sampling import sample_latents

SIGNATURES = ("serving_default", "generate_uint8", "generate_png")
_VERSION_RE = re.compile(r"^\d+$")
# The hidden names of versions being written (or replaced): `.3-k2w05i7e`.
_STAGING_RE = re.compile(r"^\.(\d+)-(old-)?[A-Za-z0-9_]+$")


def existing_versions(model_dir: str) -> list[int]:
    """The integer versions present in a model directory, ascending.

    Args:
        model_dir: str. A `BASE/NAME` directory; it may not exist yet.

    Returns:
        A sorted list of ints; names that are not integers (such as the
        temporary directories of an export in progress) are ignored, as TF
        Serving ignores them.

    Example:
    >>> existing_versions("/nonexistent/dcgan")
    []
    """
    if not os.path.isdir(model_dir):
        return []
    return sorted(
        int(name)
        for name in os.listdir(model_dir)
        if _VERSION_RE.match(name)
        and os.path.isdir(os.path.join(model_dir, name))
    )


def next_version(model_dir: str) -> int:
    """The next free version number: one above the highest, or 1.

    Args:
        model_dir: str. A `BASE/NAME` directory; it may not exist yet.

    Returns:
        An int >= 1.

    Example:
    >>> next_version("/nonexistent/dcgan")
    1
    """
    versions = existing_versions(model_dir)
    return versions[-1] + 1 if versions else 1


def build_export_archive(generator, max_samples: int = 1024):
    """Builds the `keras.export.ExportArchive` with the three signatures.

    Args:
        generator: keras.Model. A built generator, unconditional or
            class-conditional (see `keras_dcgan.export.base.check_generator`).
        max_samples: int. The largest `num_samples` that `generate_uint8` and
            `generate_png` accept, so one request cannot exhaust the server's
            memory. Defaults to 1024.

    Returns:
        A `keras.export.ExportArchive`, ready for `write_out`.

    Example:
    >>> from keras_dcgan import Generator
    >>> archive = build_export_archive(Generator(8, 16, 1, 4))
    """
    _check_max_samples(max_samples)
    max_samples = int(max_samples)
    # Mixed-precision training leaves a 16-bit network: serve float32.
    generator = float32_generator(generator)
    latent_dim = int(generator.inputs[0].shape[-1])
    num_classes = (
        generator.num_classes
        if conditioning.is_conditional(generator)
        else None
    )

    def generate(latents, labels=None):
        # Inference mode: batch norm uses its moving statistics.
        inputs = latents if labels is None else [latents, labels]
        return generator(inputs, training=False)

    def checked_labels(labels, batch):
        # An out-of-range class would index past the embedding table.
        checks = [
            tf.debugging.assert_equal(
                tf.size(labels),
                batch,
                message="labels must hold one class per image",
            ),
            tf.debugging.assert_non_negative(
                labels, message=f"labels must be in [0, {num_classes})"
            ),
            tf.debugging.assert_less(
                labels,
                tf.constant(num_classes, tf.int32),
                message=f"labels must be in [0, {num_classes})",
            ),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(labels)

    def seeded_images(seed, num_samples, labels=None):
        check = tf.debugging.assert_less_equal(
            num_samples,
            tf.constant(max_samples, tf.int32),
            message=f"num_samples must be at most {max_samples}",
        )
        with tf.control_dependencies([check]):
            check = tf.debugging.assert_positive(
                num_samples, message="num_samples must be at least 1"
            )
        with tf.control_dependencies([check]):
            latents = sample_latents(num_samples, latent_dim, seed)
        if labels is not None:
            labels = checked_labels(labels, num_samples)
        return images_to_uint8(generate(latents, labels))

    def checked_latents(latents):
        # The signature declares [batch, latent_dim], but neither the
        # loaded signature nor the C++ server checks a fed shape: without
        # this, a wrong width fails deep inside the first matmul.
        check = tf.debugging.assert_equal(
            tf.shape(latents)[1],
            latent_dim,
            message=f"latents must have shape [batch, {latent_dim}]",
        )
        with tf.control_dependencies([check]):
            return tf.identity(latents)

    def encode_png(images):
        # `encode_png` takes one image; endpoints are traced without
        # autograph, hence `map_fn` rather than a Python loop.
        png = tf.map_fn(
            tf.io.encode_png,
            images,
            fn_output_signature=tf.TensorSpec([], tf.string),
        )
        return {"png_bytes": png}

    latents_spec = [
        tf.TensorSpec([None, latent_dim], tf.float32, name="latents")
    ]
    seed_spec = [
        tf.TensorSpec([], tf.int64, name="seed"),
        tf.TensorSpec([], tf.int32, name="num_samples"),
    ]
    if num_classes is None:

        def serving_default(latents):
            return {"images": generate(checked_latents(latents))}

        def generate_uint8(seed, num_samples):
            return {"images": seeded_images(seed, num_samples)}

        def generate_png(seed, num_samples):
            return encode_png(seeded_images(seed, num_samples))

    else:
        labels_spec = tf.TensorSpec([None], tf.int32, name="labels")
        latents_spec = [*latents_spec, labels_spec]
        seed_spec = [*seed_spec, labels_spec]

        def serving_default(latents, labels):
            latents = checked_latents(latents)
            labels = checked_labels(labels, tf.shape(latents)[0])
            return {"images": generate(latents, labels)}

        def generate_uint8(seed, num_samples, labels):
            return {"images": seeded_images(seed, num_samples, labels)}

        def generate_png(seed, num_samples, labels):
            return encode_png(seeded_images(seed, num_samples, labels))

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(
        "serving_default",
        serving_default,
        input_signature=latents_spec,
    )
    archive.add_endpoint(
        "generate_uint8", generate_uint8, input_signature=seed_spec
    )
    archive.add_endpoint(
        "generate_png", generate_png, input_signature=seed_spec
    )
    return archive


def export_saved_model(
    generator,
    base_dir: str,
    model_name: str = "dcgan",
    version: int | None = None,
    overwrite: bool = False,
    max_samples: int = 1024,
    allow_untrained: bool = False,
) -> str:
    """Exports a generator as `base_dir/model_name/version/` for TF Serving.

    Args:
        generator: keras.Model. The generator to export; for a trained
            `DCGAN` pass `gan.sampling_generator` (the EMA weights when the
            model keeps them).
        base_dir: str. The directory TF Serving's `--model_base_path` parent
            points at; created if missing.
        model_name: str. The model's name, a directory under `base_dir` and
            the name clients request. Defaults to `"dcgan"`.
        version: int or None. The version number, an int >= 1. None takes
            the next free number (one above the highest present, or 1).
            Defaults to None.
        overwrite: bool. Replace `version` if it exists. Without it, an
            existing version is an error. Defaults to False.
        max_samples: int. The largest `num_samples` the seed-driven
            signatures accept. Defaults to 1024.
        allow_untrained: bool. Export a generator whose batch norm was never
            trained (for tests and demos). Defaults to False.

    Returns:
        The path of the written version directory.

    Raises:
        keras_dcgan.lockfile.DirectoryLockedError: Another process is
            exporting into `base_dir`.
        PermissionError: `base_dir` cannot be written.

    Example:
    For a trained run: `export_saved_model(load_gan(workdir)
    .sampling_generator, "serving")`. With a tiny untrained generator:

    >>> import tempfile
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> base = tempfile.mkdtemp()
    >>> path = export_saved_model(generator, base, allow_untrained=True)
    >>> os.path.relpath(path, base)
    'dcgan/1'
    """
    check_generator(generator, allow_untrained=allow_untrained)
    check_saved_model_arguments(
        base_dir, model_name, version, overwrite, max_samples
    )
    # NumPy ints pass the checks; the version becomes a directory name.
    version = None if version is None else int(version)
    max_samples = int(max_samples)
    model_dir = os.path.join(base_dir, model_name)
    with lockfile.DirectoryLock(base_dir, "exporting"):
        # No other export runs now: what killed ones left can go.
        remove_stale_staging(model_dir)
        if version is None:
            version = next_version(model_dir)
        final = os.path.join(model_dir, str(version))
        _check_free_version(model_dir, version, overwrite)
        return _write_version(generator, model_dir, version, final, max_samples)


def check_saved_model_arguments(
    base_dir: str,
    model_name: str = "dcgan",
    version: int | None = None,
    overwrite: bool = False,
    max_samples: int = 1024,
) -> None:
    """Checks the arguments of `export_saved_model`, before any work.

    Nothing is created: a caller can check them before loading a model, and
    a refused export leaves no directory behind.

    Args:
        base_dir: str. See `export_saved_model`.
        model_name: str. See `export_saved_model`. Defaults to `"dcgan"`.
        version: int or None. See `export_saved_model`. Defaults to None.
        overwrite: bool. See `export_saved_model`. Defaults to False.
        max_samples: int. See `export_saved_model`. Defaults to 1024.

    Raises:
        ValueError: a bad name, version or `max_samples`.
        FileExistsError: a file in the way, or `version` exists and
            `overwrite` is False.
        PermissionError: `base_dir` cannot be written.

    Example:
    >>> check_saved_model_arguments("/tmp/serving", version=0)
    Traceback (most recent call last):
    ...
    ValueError: `version` must be >= 1; received 0.
    """
    if not isinstance(base_dir, str | os.PathLike) or not os.fspath(base_dir):
        raise ValueError(
            f"`base_dir` must be a directory path; received {base_dir!r}."
        )
    if not isinstance(model_name, str) or not re.fullmatch(
        r"[A-Za-z0-9][A-Za-z0-9_.-]*", model_name
    ):
        raise ValueError(
            f"`model_name` must be a non-empty name of letters, digits, '_', "
            f"'.' or '-' (it becomes a directory and a URL part); received "
            f"{model_name!r}."
        )
    base_dir = os.fspath(base_dir)
    for path in (base_dir, os.path.join(base_dir, model_name)):
        if os.path.exists(path) and not os.path.isdir(path):
            raise FileExistsError(
                f"{path!r} is a file; the SavedModel layout needs a directory "
                "there (BASE/NAME/VERSION)."
            )
    if version is not None and not is_integer(version):
        raise TypeError(
            f"`version` must be an int >= 1 or None; received {version!r}."
        )
    if version is not None and version < 1:
        raise ValueError(f"`version` must be >= 1; received {version}.")
    check_bool("overwrite", overwrite)
    _check_max_samples(max_samples)
    integrity.check_writable(base_dir, "base_dir")
    if version is not None:
        _check_free_version(
            os.path.join(base_dir, model_name), version, overwrite
        )


def _check_free_version(model_dir, version, overwrite):
    final = os.path.join(model_dir, str(version))
    if os.path.lexists(final) and not overwrite:
        raise OptionFileExistsError(
            f"Version {version} already exists at {final!r}; choose "
            "another {version}, leave it unset for the next free one "
            f"({next_version(model_dir)}), or pass {{overwrite}}.",
            version=Option("version"),
            overwrite=True,
        )
    if os.path.lexists(final) and not os.path.isdir(final):
        raise FileExistsError(
            f"{final!r} is a file, not a SavedModel version directory."
        )


def _check_max_samples(max_samples):
    if not is_integer(max_samples):
        raise TypeError(
            f"`max_samples` must be an int; received {max_samples!r}."
        )
    if max_samples < 1:
        raise ValueError(f"`max_samples` must be >= 1; received {max_samples}.")


def remove_stale_staging(model_dir: str) -> list[str]:
    """Cleans up what killed exports left in a model directory.

    Call only while holding the base directory's lock (no export running).
    A killed export leaves hidden `.VERSION-XXXX` staging directories, which
    are deleted. One killed while replacing a version leaves the old version
    in `.VERSION-old-XXXX/saved_model`; if the version is missing it is put
    back (nothing published is lost), otherwise deleted.

    Args:
        model_dir: str. A `BASE/NAME` directory; it may not exist.

    Returns:
        The paths deleted or restored.
    """
    if not os.path.isdir(model_dir):
        return []
    cleaned = []
    for name in sorted(os.listdir(model_dir)):
        match = _STAGING_RE.match(name)
        path = os.path.join(model_dir, name)
        if not match or not os.path.isdir(path):
            continue
        final = os.path.join(model_dir, match.group(1))
        retired = os.path.join(path, "saved_model")
        if (
            match.group(2)
            and os.path.isdir(retired)
            and not os.path.lexists(final)
        ):
            os.rename(retired, final)
        shutil.rmtree(path)
        cleaned.append(path)
    return cleaned


def _write_version(generator, model_dir, version, final, max_samples):
    archive = build_export_archive(generator, max_samples=max_samples)
    os.makedirs(model_dir, exist_ok=True)
    # A dot name that is not an integer: TF Serving ignores it while it is
    # being written, and the rename below makes the version appear whole.
    staging = tempfile.mkdtemp(prefix=f".{version}-", dir=model_dir)
    # mkdtemp makes the directory private (0700); a server running as
    # another user must be able to read the version.
    os.chmod(staging, 0o755)
    try:
        archive.write_out(staging, verbose=False)
        if os.path.isdir(final):
            # Directories cannot be replaced in one rename: move the old
            # version aside first, then delete it once the new one is in.
            retired = tempfile.mkdtemp(prefix=f".{version}-old-", dir=model_dir)
            os.rename(final, os.path.join(retired, "saved_model"))
            os.rename(staging, final)
            shutil.rmtree(retired)
        else:
            os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final
