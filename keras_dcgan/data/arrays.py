"""Sources held in arrays: numpy arrays, .npy/.npz/IDX files, tf.data."""

import os
import pathlib

import numpy as np
import tensorflow as tf

from keras_dcgan.checks import check_value_range
from keras_dcgan.data import idx
from keras_dcgan.data.types import DatasetInfo
from keras_dcgan.data.types import Source
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionError

# Keys tried, in order, when an .npz file holds several arrays.
IMAGE_KEYS = ("images", "image", "x", "x_train", "arr_0")
LABEL_KEYS = ("labels", "label", "y", "y_train")
_SHAPES = "(num_images, height, width) or (num_images, height, width, channels)"


def default_value_range(dtype) -> tuple[float, float]:
    """The pixel values of black and white assumed for a dtype.

    Args:
        dtype: A numpy or TensorFlow dtype.

    Returns:
        `(0, 255)` for integer dtypes and `(0, 1)` for floating dtypes.

    Example:
    >>> default_value_range(np.uint8)
    (0.0, 255.0)
    """
    is_float = tf.as_dtype(dtype).is_floating
    return (0.0, 1.0) if is_float else (0.0, 255.0)


def _check_dtype(name: str, what: str, dtype) -> None:
    if isinstance(dtype, tf.DType):
        shown, ok = dtype.name, dtype.is_integer or dtype.is_floating
    else:
        dtype = np.dtype(dtype)
        shown = str(dtype)
        ok = np.issubdtype(dtype, np.integer) or np.issubdtype(
            dtype, np.floating
        )
    if not ok:
        raise ValueError(
            f"{what} of {name} have dtype {shown}; expected an integer or "
            "floating dtype."
        )


def from_arrays(
    images,
    labels=None,
    *,
    name: str | None = None,
    image_key: str | None = None,
    label_key: str | None = None,
    value_range: tuple[float, float] | None = None,
) -> Source:
    """A source of in-memory images, checked once up front.

    Args:
        images: array-like. `(num, height, width)` or `(num, height, width,
            channels)` with 1 or 3 channels.
        labels: array-like or None. `(num,)` non-negative integer class ids.
            Defaults to None.
        name: str or None. What error messages call the data. Defaults to
            a description of the array.
        image_key: None. Only for the common signature; must be None.
        label_key: None. Only for the common signature; must be None.
        value_range: tuple of two floats or None. Pixel values of black and
            white. Defaults to None: `(0, 255)` for integers, `(0, 1)` for
            floats.

    Returns:
        A `Source`.

    Example:
    >>> source = from_arrays(np.zeros([8, 28, 28], "uint8"))
    >>> source.info.image_shape
    (28, 28, 1)
    """
    images = np.asarray(images)
    name = name or f"<array {images.shape} {images.dtype}>"
    if image_key or label_key:
        raise ValueError(
            "`image_key` and `label_key` select arrays in an .npz file or a "
            f"dataset of dicts; {name} is a plain array."
        )
    _check_dtype(name, "Images", images.dtype)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Images of {name} have shape {images.shape} (rank "
            f"{images.ndim}); expected {_SHAPES}."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.shape[-1] not in (1, 3):
        raise ValueError(
            f"Images of {name} have {images.shape[-1]} channels (shape "
            f"{images.shape}); expected 1 (grayscale) or 3 (RGB)."
        )
    if len(images) == 0:
        raise ValueError(f"{name} holds no images (shape {images.shape}).")
    if 0 in images.shape[1:3]:
        raise ValueError(
            f"Images of {name} have shape {images.shape}: a height or width "
            "of 0; expected images at least 1 pixel on each side."
        )
    value_range = check_value_range(
        default_value_range(images.dtype)
        if value_range is None
        else value_range
    )
    if np.issubdtype(images.dtype, np.floating):
        finite = np.isfinite(images).reshape(len(images), -1).all(axis=1)
        if not finite.all():
            bad = np.flatnonzero(~finite)
            raise ValueError(
                f"Images of {name} contain NaN or inf values: {len(bad)} "
                f"image(s), the first at index {bad[0]}."
            )
    low, high = images.min(), images.max()
    if low < value_range[0] or high > value_range[1]:
        # The advice is written as flags on the command line.
        raise OptionError(
            f"Pixel values of {name} span [{low}, {high}], outside "
            f"value_range {value_range}; pass the value_range of the data, "
            "e.g. {bytes} for 8-bit values, {unit} or {signed}.",
            bytes=Option("value_range", (0, 255)),
            unit=Option("value_range", (0, 1)),
            signed=Option("value_range", (-1, 1)),
        )
    if images.dtype != np.uint8:
        images = images.astype(np.float32)
    info_labels, num_classes = _check_labels(name, labels, len(images))
    info = DatasetInfo(
        name=name,
        image_shape=tuple(int(d) for d in images.shape[1:]),
        num_examples=len(images),
        num_classes=num_classes,
        has_labels=labels is not None,
        min_side=int(min(images.shape[1:3])),
    )
    elements = tf.data.Dataset.from_tensor_slices((images, info_labels))
    return Source(
        info=info,
        elements=elements,
        decode=None,
        value_range=value_range,
        in_memory=True,
        checked=True,
    )


def _check_labels(name: str, labels, num_images: int):
    if labels is None:
        return np.full([num_images], -1, np.int32), None
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != num_images:
        raise ValueError(
            f"Labels of {name} have shape {labels.shape}; expected "
            f"({num_images},), one class id per image."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Labels of {name} have dtype {labels.dtype}; expected integer "
            "class ids."
        )
    if labels.min() < 0:
        raise ValueError(
            f"Labels of {name} include {labels.min()}; class ids must be >= 0."
        )
    return labels.astype(np.int32), int(labels.max()) + 1


def _check_numpy_file(path: pathlib.Path) -> None:
    """Raises a `ValueError` naming `path` unless it is a NumPy file."""
    # .npy files start with b"\x93NUMPY"; .npz files are zip archives.
    magic = b"\x93NUMPY" if path.suffix == ".npy" else b"PK"
    with open(path, "rb") as f:
        head = f.read(len(magic))
    if head != magic:
        kind = "an .npy array" if path.suffix == ".npy" else "an .npz archive"
        raise ValueError(
            f"{os.fspath(path)!r} is not {kind} (it starts with {head!r}, "
            f"not {magic!r}); write it with `numpy.save` / `numpy.savez`."
        )
    if path.suffix == ".npy":
        try:
            np.load(path, allow_pickle=False, mmap_mode="r")
        except ValueError as error:
            raise ValueError(
                f"{os.fspath(path)!r} holds Python objects (pickled data), "
                "not a numeric array; save the images as a uint8 or float "
                f"array ({error})."
            ) from None


def read_array(path, key: str | None = None, keys=IMAGE_KEYS, what="images"):
    """Reads one array from an .npy, .npz or IDX file.

    Args:
        path: str or os.PathLike. The file.
        key: str or None. The array's name in an .npz file. Defaults to None:
            the only array, or the first of `keys` present.
        keys: tuple of str. Names tried in an .npz file. Defaults to
            `IMAGE_KEYS`.
        what: str. What the array holds, for messages. Defaults to "images".

    Returns:
        A numpy array, or None when an .npz file has none of `keys` and
        `what` is "labels" (labels are optional).

    Example:
    >>> images = read_array("digits.npz", key="x_train")  # doctest: +SKIP
    """
    path = pathlib.Path(path)
    name = os.fspath(path)
    if path.suffix in (".npz", ".npy"):
        _check_numpy_file(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            names = sorted(archive.keys())
            if key is None and what == "images" and len(names) == 1:
                key = names[0]
            if key is None:
                key = next((k for k in keys if k in names), None)
                if key is None and what == "labels":
                    return None
            if key not in names:
                raise ValueError(
                    f"{name!r} has no array {key!r} for the {what}; it holds "
                    f"{names}. Pass {what[:-1]}_key= one of them."
                )
            return archive[key]
    if key is not None:
        raise ValueError(
            f"`{what[:-1]}_key` selects an array in an .npz file; {name!r} "
            "holds a single array."
        )
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if idx.is_idx(path):
        return idx.read_idx(path)
    raise ValueError(
        f"Cannot read {what} from {name!r}: expected an .npy or .npz file or "
        "an IDX file (gzipped or not)."
    )


def from_files(
    images_path,
    labels_path=None,
    *,
    name: str | None = None,
    image_key: str | None = None,
    label_key: str | None = None,
    value_range: tuple[float, float] | None = None,
) -> Source:
    """A source of arrays read from .npy, .npz or IDX files.

    Args:
        images_path: str or os.PathLike. The images file. An .npz file may
            also hold the labels.
        labels_path: str, os.PathLike or None. A separate labels file.
            Defaults to None.
        name: str or None. What error messages call the data. Defaults to
            the images path.
        image_key: str or None. The images' name in an .npz file. Defaults
            to None (the only array or one of `IMAGE_KEYS`).
        label_key: str or None. The labels' name in an .npz file. Defaults
            to None (one of `LABEL_KEYS` if present).
        value_range: tuple or None. See `from_arrays`. Defaults to None.

    Returns:
        A `Source`.

    Example:
    >>> source = from_files("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    """
    images = read_array(images_path, image_key)
    if labels_path is not None:
        labels = read_array(labels_path, label_key, LABEL_KEYS, "labels")
    elif pathlib.Path(images_path).suffix == ".npz":
        labels = read_array(images_path, label_key, LABEL_KEYS, "labels")
    elif label_key is not None:
        raise ValueError(
            f"`label_key={label_key!r}` given but {os.fspath(images_path)!r} "
            "is not an .npz file; pass (images_path, labels_path)."
        )
    else:
        labels = None
    return from_arrays(
        images,
        labels,
        name=name or repr(os.fspath(images_path)),
        value_range=value_range,
    )


def from_dataset(
    dataset: tf.data.Dataset,
    *,
    image_key: str | None = None,
    label_key: str | None = None,
    value_range: tuple[float, float] | None = None,
) -> Source:
    """A source reading an existing, unbatched tf.data.Dataset.

    Args:
        dataset: tf.data.Dataset. Elements are an image, an `(image, label)`
            pair, or a dict holding both (like TFDS examples). Images are
            `(height, width)` or `(height, width, channels)`.
        image_key: str or None. The image's key in dict elements. Defaults
            to None ("image").
        label_key: str or None. The label's key in dict elements. Defaults
            to None ("label" if present).
        value_range: tuple or None. See `from_arrays`. The pipeline checks
            each image against it. Defaults to None.

    Returns:
        A `Source`.

    Example:
    >>> images = tf.data.Dataset.from_tensor_slices(tf.zeros([8, 16, 16, 3]))
    >>> from_dataset(images).info.image_shape
    (16, 16, 3)
    """
    name = "<tf.data.Dataset>"
    spec = dataset.element_spec
    if isinstance(spec, dict):
        image_key = image_key or "image"
        if label_key is None and "label" in spec:
            label_key = "label"
        for key in (image_key, label_key):
            if key is not None and key not in spec:
                raise ValueError(
                    f"The dataset's elements have no key {key!r}; they hold "
                    f"{sorted(spec)}. Pass image_key/label_key."
                )

        def split_element(element):
            label = element[label_key] if label_key else None
            return element[image_key], label

    elif isinstance(spec, tuple) and len(spec) in (1, 2):

        def split_element(*element):
            return element[0], element[1] if len(element) == 2 else None

    elif isinstance(spec, tf.TensorSpec):

        def split_element(image):
            return image, None

    else:
        raise ValueError(
            f"Cannot find images in dataset elements {spec}; expected an "
            "image tensor, an (image, label) pair or a dict."
        )
    if not isinstance(spec, dict) and (image_key or label_key):
        raise ValueError(
            "`image_key`/`label_key` apply to datasets of dicts; this one "
            f"yields {spec}."
        )
    image_spec, label_spec = split_element(*_as_args(spec))
    _check_dtype(name, "Images", image_spec.dtype)
    shape = image_spec.shape
    if shape.rank == 4:
        raise ValueError(
            f"Images of {name} have shape {shape}: the dataset looks "
            "batched. Pass it unbatched (`dataset.unbatch()`); load() "
            "batches it."
        )
    if shape.rank not in (2, 3):
        raise ValueError(
            f"Images of {name} have shape {shape} (rank {shape.rank}); "
            "expected (height, width) or (height, width, channels)."
        )
    channels = 1 if shape.rank == 2 else shape[-1]
    if channels not in (1, 3):
        raise ValueError(
            f"Images of {name} have {channels} channels (shape {shape}); "
            "expected 1 (grayscale) or 3 (RGB), set statically."
        )
    if label_spec is not None and (
        label_spec.shape.rank != 0 or not label_spec.dtype.is_integer
    ):
        raise ValueError(
            f"Labels of {name} have spec {label_spec}; expected scalar "
            "integer class ids."
        )
    value_range = check_value_range(
        default_value_range(image_spec.dtype)
        if value_range is None
        else value_range
    )
    cardinality = int(dataset.cardinality())
    if cardinality == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            f"{name} repeats forever; pass a finite dataset (load() batches "
            "it and DCGAN.fit runs epochs over it)."
        )
    if cardinality == 0:
        raise ValueError(f"{name} holds no elements.")

    def to_pair(*element):
        image, label = split_element(*element)
        if shape.rank == 2:
            image = image[..., tf.newaxis]
        if label is None:
            return image, tf.constant(-1)
        # -1 marks "no label" inside the pipeline: a negative class id
        # would pass as one, and train a conditional GAN on no class.
        label = tf.cast(label, tf.int32)
        check = tf.debugging.assert_non_negative(
            label,
            message=f"Labels of {name} include a negative class id; class "
            "ids must be >= 0",
        )
        with tf.control_dependencies([check]):
            return image, tf.identity(label)

    height, width = shape[0], shape[1]
    info = DatasetInfo(
        name=name,
        image_shape=(height, width, channels),
        num_examples=cardinality if cardinality > 0 else None,
        has_labels=label_spec is not None,
        min_side=min(height, width) if height and width else None,
    )
    return Source(
        info=info,
        elements=dataset.map(to_pair),
        decode=None,
        value_range=value_range,
        in_memory=True,
        checked=False,
    )


def _as_args(spec) -> tuple:
    return tuple(spec) if isinstance(spec, tuple) else (spec,)
