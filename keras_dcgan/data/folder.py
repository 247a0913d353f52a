"""Image folders: every png/jpg/bmp/gif below a directory, subfolders as
classes."""

import os
import pathlib
import warnings

import numpy as np
import tensorflow as tf

from keras_dcgan.data.types import DatasetInfo
from keras_dcgan.data.types import Source
from keras_dcgan.errors import OptionError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# A scan decodes every file; remember it so describe() then load() on the
# same unchanged folder decodes once.
_SCANS = {}


def list_images(root) -> tuple[list[str], list[int], tuple[str, ...] | None]:
    """Lists the images below a folder, in a fixed order, with class ids.

    Hidden files and folders (name starting with ".") are skipped: they are
    editor and notebook leftovers, not data.

    Args:
        root: str or os.PathLike. The folder.

    Returns:
        `(paths, labels, class_names)`. When every image sits in a subfolder
        of `root`, the subfolder right below `root` is its class: labels
        index the sorted `class_names`. Otherwise labels are -1 and
        `class_names` is None.

    Example:
    >>> paths, labels, names = list_images("cifar10/test")  # doctest: +SKIP
    >>> names[:2]  # doctest: +SKIP
    ('airplane', 'automobile')
    """
    root = pathlib.Path(root)
    paths, others = [], 0
    for directory, subdirs, files in os.walk(root, followlinks=True):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for file in sorted(files):
            if file.startswith("."):
                continue
            if file.lower().endswith(IMAGE_EXTENSIONS):
                paths.append(pathlib.Path(directory, file))
            else:
                others += 1
    if not paths:
        found = f"{others} other file(s)" if others else "no files"
        raise ValueError(
            f"The image folder {os.fspath(root)!r} is empty: it holds "
            f"{found} and no image ending in {', '.join(IMAGE_EXTENSIONS)}."
        )
    parts = [path.relative_to(root).parts for path in paths]
    if all(len(p) > 1 for p in parts):
        class_names = tuple(sorted({p[0] for p in parts}))
        index = {name: i for i, name in enumerate(class_names)}
        labels = [index[p[0]] for p in parts]
    else:
        class_names, labels = None, [-1] * len(paths)
    return [os.fspath(p) for p in paths], labels, class_names


# The background transparent pixels are composited onto: 255 is white.
# (Dropping the alpha channel instead would train on whatever color the
# invisible pixels happen to hold.)
ALPHA_BACKGROUND = 255


def composite_alpha(image, channels: int):
    """A decoded image with any alpha composited onto `ALPHA_BACKGROUND`.

    Args:
        image: uint8 tensor `(height, width, c)`, c in 1 (gray), 2 (gray +
            alpha), 3 (RGB) or 4 (RGBA).
        channels: int. 1 or 3, the channels to return; a gray image is
            repeated to 3, and an RGB image must not be asked for 1.

    Returns:
        A uint8 tensor `(height, width, channels)`.
    """
    image = tf.convert_to_tensor(image)
    count = tf.shape(image)[-1]

    def composite():
        color = tf.cast(image[..., :-1], tf.float32)
        alpha = tf.cast(image[..., -1:], tf.float32) / 255.0
        mixed = color * alpha + ALPHA_BACKGROUND * (1.0 - alpha)
        return tf.cast(tf.round(mixed), tf.uint8)

    image = tf.cond(tf.equal(count % 2, 0), composite, lambda: image)
    if channels == 3:
        image = tf.cond(
            tf.equal(tf.shape(image)[-1], 1),
            lambda: tf.tile(image, [1, 1, 3]),
            lambda: image,
        )
    else:
        image = image[..., :1]
    return tf.ensure_shape(image, [None, None, channels])


def _decode_shape(index, path):
    contents = tf.io.read_file(path)
    image = tf.io.decode_image(contents, channels=0, expand_animations=False)
    return index, tf.shape(image)


def scan_images(paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Decodes every file once, in parallel, to find shapes and bad files.

    Args:
        paths: list of str. Image files.

    Returns:
        `(ok, shapes)`: the indices of the decodable files and their
        `(height, width, channels)` shapes, in order.

    Example:
    >>> ok, shapes = scan_images(["a.png", "broken.png"])  # doctest: +SKIP
    >>> ok  # doctest: +SKIP
    array([0])
    """
    dataset = (
        tf.data.Dataset.from_tensor_slices(paths)
        .enumerate()
        .map(_decode_shape, num_parallel_calls=tf.data.AUTOTUNE)
        # A file that fails to decode drops out; its index is then missing.
        .ignore_errors()
        .batch(4096)
    )
    ok, shapes = [np.zeros([0], np.int64)], [np.zeros([0, 3], np.int32)]
    for batch_ok, batch_shapes in dataset.as_numpy_iterator():
        ok.append(batch_ok)
        shapes.append(batch_shapes)
    return np.concatenate(ok), np.concatenate(shapes)


def _cached_scan(paths: list[str]):
    key = tuple(
        (path, stat.st_mtime_ns, stat.st_size)
        for path, stat in ((p, os.stat(p)) for p in paths)
    )
    if key not in _SCANS:
        _SCANS.clear()
        _SCANS[key] = scan_images(paths)
    return _SCANS[key]


def from_folder(root, skip_corrupt: bool = False) -> Source:
    """A source reading an image folder, each file checked once up front.

    Args:
        root: str or os.PathLike. The folder; searched recursively for
            png, jpg, jpeg, bmp and gif files (a GIF gives its first frame).
            When all images sit in subfolders, the subfolder right below
            `root` is the class label.
        skip_corrupt: bool. Leave out files that do not decode and warn how
            many; otherwise a corrupt file is an error naming it. Defaults
            to False.

    Returns:
        A `Source`. The native channels are 1 when every image is
        grayscale, else 3.

    Example:
    >>> source = from_folder("cifar10/test")  # doctest: +SKIP
    >>> source.info.num_classes  # doctest: +SKIP
    10
    """
    name = repr(os.fspath(root))
    paths, labels, class_names = list_images(root)
    ok, shapes = _cached_scan(paths)
    if len(ok) == 0:
        raise ValueError(
            f"The image folder {name} has no decodable image: all "
            f"{len(paths)} file(s) failed to decode, e.g. {paths[0]!r}."
        )
    if len(ok) < len(paths):
        bad = sorted(set(range(len(paths))) - set(ok.tolist()))
        examples = ", ".join(repr(paths[i]) for i in bad[:5])
        if not skip_corrupt:
            raise OptionError(
                f"{len(bad)} of {len(paths)} image file(s) in {name} do not "
                f"decode (corrupt or not images): {examples}"
                f"{' ...' if len(bad) > 5 else ''}. Remove them, or pass "
                "{skip_corrupt} to leave them out.",
                skip_corrupt=True,
            )
        warnings.warn(
            f"Skipped {len(bad)} corrupt image file(s) of {len(paths)} in "
            f"{name}: {examples}{' ...' if len(bad) > 5 else ''}.",
            stacklevel=3,
        )
        paths = [paths[i] for i in ok]
        labels = [labels[i] for i in ok]
    heights, widths = shapes[:, 0], shapes[:, 1]
    with_alpha = int(np.sum(shapes[:, 2] % 2 == 0))
    if with_alpha:
        warnings.warn(
            f"{with_alpha} of {len(paths)} image(s) in {name} have an alpha "
            "channel; their transparent pixels are composited onto "
            f"{'white' if ALPHA_BACKGROUND == 255 else ALPHA_BACKGROUND} "
            "(keras_dcgan.data.folder.ALPHA_BACKGROUND).",
            stacklevel=3,
        )
    # Gray+alpha (2) and RGBA (4) become gray and RGB.
    gray = bool(np.all(shapes[:, 2] <= 2))
    channels = 1 if gray else 3
    info = DatasetInfo(
        name=name,
        image_shape=(
            int(heights[0]) if np.all(heights == heights[0]) else None,
            int(widths[0]) if np.all(widths == widths[0]) else None,
            channels,
        ),
        num_examples=len(paths),
        num_classes=len(class_names) if class_names else None,
        class_names=class_names,
        has_labels=class_names is not None,
        min_side=int(np.minimum(heights, widths).min()),
    )

    def decode(path):
        contents = tf.io.read_file(path)
        image = tf.io.decode_image(
            contents, channels=0, expand_animations=False
        )
        return composite_alpha(image, 1 if gray else 3)

    elements = tf.data.Dataset.from_tensor_slices(
        (paths, np.asarray(labels, np.int32))
    )
    return Source(
        info=info,
        elements=elements,
        decode=decode,
        value_range=(0.0, 255.0),
        in_memory=True,
        checked=True,
    )
