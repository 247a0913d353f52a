"""How a `load` argument names a data source, and the dispatch to the reader
that resolves it."""

import os
import pathlib

import numpy as np
import tensorflow as tf

from keras_dcgan.data import arrays
from keras_dcgan.data import folder
from keras_dcgan.data import tfds_source
from keras_dcgan.data.types import Source

# Short names of the datasets the presets are tuned for. "mnist-sample" is
# bundled with the package; the others are read from tensorflow-datasets.
SHORT_NAMES = {
    "mnist-sample": "mnist-sample",
    "mnist": "tfds:mnist",
    "fashion_mnist": "tfds:fashion_mnist",
    "cifar10": "tfds:cifar10",
    "celeba": "tfds:celeb_a",
}
_TFDS_SHORT_NAMES = [k for k, v in SHORT_NAMES.items() if v.startswith("tfds")]


def bundled_path(filename: str) -> pathlib.Path:
    """Returns the path of a file bundled in `keras_dcgan/data/bundled/`."""
    return pathlib.Path(__file__).parent / "bundled" / filename


MNIST_SAMPLE_FILES = (
    "train10k-images-idx3-ubyte.gz",
    "train10k-labels-idx1-ubyte.gz",
)


def resolve(
    source,
    *,
    split: str | None = None,
    data_dir: str | None = None,
    download: bool = False,
    image_key: str | None = None,
    label_key: str | None = None,
    value_range: tuple[float, float] | None = None,
    skip_corrupt: bool = False,
    shuffle_files: bool = False,
    seed: int | None = None,
) -> Source:
    """Turns any `load` source into a `Source`.

    Args:
        source: The `source` argument of `keras_dcgan.data.load`.
        split: str or None. TFDS split. Defaults to None.
        data_dir: str or None. TFDS data directory. Defaults to None.
        download: bool. Let TFDS download and prepare. Defaults to False.
        image_key: str or None. Image feature, `.npz` key or dict key.
            Defaults to None (found automatically).
        label_key: str or None. Label feature or key. Defaults to None.
        value_range: tuple or None. Pixel values of black and white for
            arrays and datasets. Defaults to None (by dtype).
        skip_corrupt: bool. Skip undecodable files of an image folder.
            Defaults to False.
        shuffle_files: bool. Let TFDS shuffle its files. Defaults to False.
        seed: int or None. Seed of the TFDS file order. Defaults to None.

    Returns:
        A `Source`.

    Example:
    >>> resolve("mnist-sample").info.num_examples
    10000
    """
    is_name = isinstance(source, str)
    if isinstance(source, str | os.PathLike) and not os.fspath(source).strip():
        # pathlib reads "" as ".", the current folder: never the intent.
        raise ValueError(
            f"The source {os.fspath(source)!r} is empty. Expected "
            f"one of {sorted(SHORT_NAMES)}, 'tfds:NAME[/CONFIG][:SPLIT]', an "
            "image folder or a .npy/.npz/IDX file."
        )
    if is_name and source.strip() == "tfds:":
        raise ValueError(
            f"The source {source!r} names no TFDS dataset; expected "
            "'tfds:NAME[/CONFIG][:SPLIT]', e.g. 'tfds:mnist'."
        )
    if is_name and source in SHORT_NAMES:
        source = SHORT_NAMES[source]
    if not (is_name and source.startswith("tfds:")):
        # Other sources hold one split, the training data.
        if split not in (None, "train"):
            raise ValueError(
                f"split={split!r} applies to TFDS sources ('tfds:NAME' or "
                f"one of {_TFDS_SHORT_NAMES}); source "
                f"{_describe(source)} has a single split, 'train'."
            )
        given = [
            k for k, v in (("data_dir", data_dir), ("download", download)) if v
        ]
        if given:
            raise ValueError(
                f"{given} only apply to TFDS sources ('tfds:NAME' or one of "
                f"{_TFDS_SHORT_NAMES}); source {_describe(source)} is "
                "not one."
            )
        split = None
    if skip_corrupt and not (
        isinstance(source, str | os.PathLike) and os.path.isdir(source)
    ):
        raise ValueError(
            "`skip_corrupt` only applies to image folders; source "
            f"{_describe(source)} is not one."
        )
    array_args = {
        "image_key": image_key,
        "label_key": label_key,
        "value_range": value_range,
    }
    if is_name and source == "mnist-sample":
        images, labels = (bundled_path(name) for name in MNIST_SAMPLE_FILES)
        return arrays.from_files(
            images, labels, name="mnist-sample", **array_args
        )
    if is_name and source.startswith("tfds:"):
        if value_range is not None:
            raise ValueError(
                "`value_range` does not apply to TFDS sources: their images "
                "are uint8."
            )
        return tfds_source.from_tfds(
            source[len("tfds:") :],
            split=split,
            data_dir=data_dir,
            download=download,
            image_key=image_key,
            label_key=label_key,
            shuffle_files=shuffle_files,
            seed=seed,
        )
    if isinstance(source, tf.data.Dataset):
        return arrays.from_dataset(source, **array_args)
    if isinstance(source, np.ndarray):
        return arrays.from_arrays(source, **array_args)
    if isinstance(source, tuple) and len(source) == 2:
        images, labels = source
        if all(isinstance(x, str | os.PathLike) for x in source):
            return arrays.from_files(images, labels, **array_args)
        return arrays.from_arrays(images, labels, **array_args)
    if isinstance(source, str | os.PathLike):
        path = pathlib.Path(source)
        if path.is_dir():
            if image_key or label_key or value_range:
                raise ValueError(
                    "`image_key`, `label_key` and `value_range` do not apply "
                    f"to the image folder {os.fspath(path)!r}."
                )
            return folder.from_folder(path, skip_corrupt=skip_corrupt)
        if path.is_file():
            return arrays.from_files(path, None, **array_args)
    raise ValueError(
        f"Unknown dataset or source {_describe(source)}. Expected one of "
        f"{sorted(SHORT_NAMES)}, 'tfds:NAME[/CONFIG][:SPLIT]', an existing "
        "image folder, a .npy/.npz/IDX file (or an (images, labels) pair of "
        "them), a numpy array, an (images, labels) pair of arrays, or a "
        "tf.data.Dataset."
    )


def _describe(source) -> str:
    if isinstance(source, str | os.PathLike):
        return repr(os.fspath(source))
    if isinstance(source, np.ndarray):
        return f"<array {source.shape} {source.dtype}>"
    return f"<{type(source).__name__}>"
