"""The one entry point: any source in, a batched training dataset out."""

import numbers

import tensorflow as tf

from keras_dcgan import integrity
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_positive_int
from keras_dcgan.data import preprocess
from keras_dcgan.data import sources
from keras_dcgan.data.types import DatasetInfo
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionError

# "auto" caches the preprocessed images in memory up to this size.
AUTO_CACHE_BYTES = 1 << 30
# Shuffle buffer when the data is neither in memory nor cached: this many
# encoded examples keep memory bounded while mixing well.
STREAM_SHUFFLE_BUFFER = 10_000
# In-memory images are preprocessed this many at a time.
PREPROCESS_CHUNK = 256


def describe(
    source,
    split: str | None = None,
    data_dir: str | None = None,
    image_key: str | None = None,
    label_key: str | None = None,
    value_range: tuple[float, float] | None = None,
    skip_corrupt: bool = False,
) -> DatasetInfo:
    """Tells what a source holds: native image shape, size and classes.

    Cheap for everything but image folders, whose files are all decoded once
    (the result is reused by a following `load` of the same folder).

    Args:
        source: Any `load` source.
        split: str or None. See `load`. Defaults to None.
        data_dir: str or None. See `load`. Defaults to None.
        image_key: str or None. See `load`. Defaults to None.
        label_key: str or None. See `load`. Defaults to None.
        value_range: tuple of two floats or None. See `load`. Defaults to
            None.
        skip_corrupt: bool. See `load`. Defaults to False.

    Returns:
        A `DatasetInfo`: `image_shape` (native height, width, channels; None
        where images differ), `num_examples`, `num_classes`, `class_names`,
        `has_labels`, `min_side`.

    Example:
    >>> describe("mnist-sample").image_shape
    (28, 28, 1)
    """
    return sources.resolve(
        source,
        split=split,
        data_dir=data_dir,
        image_key=image_key,
        label_key=label_key,
        value_range=value_range,
        skip_corrupt=skip_corrupt,
    ).info


def load(
    source="mnist-sample",
    image_size: int | None = None,
    channels: int | None = None,
    batch_size: int = 64,
    split: str | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    cache: str | None = "auto",
    data_dir: str | None = None,
    with_labels: bool = False,
    *,
    resize: str | None = None,
    crop: bool = True,
    flip: bool = False,
    value_range: tuple[float, float] | None = None,
    image_key: str | None = None,
    label_key: str | None = None,
    download: bool = False,
    skip_corrupt: bool = False,
    shuffle_buffer: int | None = None,
) -> tf.data.Dataset:
    """Builds the training input pipeline for any image source.

    Reads the source, center-crops to a square, resizes (or pads) to
    `image_size`, converts to `channels`, maps pixel values to [-1, 1],
    caches, shuffles with `seed`, batches (dropping the last partial batch:
    batch normalization suffers from a ragged one), optionally flips, and
    prefetches. Under a `tf.distribute` strategy `batch_size` is the global
    batch, which Keras splits across replicas; in-memory sources are sharded
    by element (`AutoShardPolicy.DATA`), so give multi-worker runs a `seed`
    for every worker to shuffle alike.

    Args:
        source: What to read. Defaults to `"mnist-sample"`, the 10,000 MNIST
            training digits bundled with the package. One of:
            - a short name: `"mnist-sample"`, `"mnist"`, `"fashion_mnist"`,
              `"cifar10"`, `"celeba"` (the last four read TFDS);
            - `"tfds:NAME[/CONFIG][:SPLIT]"`: any TFDS image dataset, e.g.
              `"tfds:lsun/bedroom"` or `"tfds:mnist:test"`;
            - a folder of png/jpg/bmp/gif images (searched recursively;
              subfolders right below it are the classes);
            - an .npy, .npz or IDX file (gzipped or not), or an
              `(images_file, labels_file)` pair;
            - a numpy array `(num, height, width[, channels])`, or an
              `(images, labels)` pair of arrays;
            - an unbatched `tf.data.Dataset` of images, `(image, label)`
              pairs or dicts.
        image_size: int or None. Height and width of the output. Defaults to
            None: the native size (images must all have one square size,
            or one size with `crop`).
        channels: int or None. 1 (grayscale) or 3 (RGB). Defaults to None:
            the native channels.
        batch_size: int. The global batch size. Defaults to 64.
        split: str or None. TFDS split, e.g. `"test"` or `"train[:10%]"`.
            Defaults to None: the split in the source string, else "train".
        shuffle: bool. Shuffle every epoch. Defaults to True.
        seed: int or None. Seed of the shuffle and flips: the same seed gives
            the same batches. Defaults to None.
        cache: str or None. `"auto"` (in memory when the preprocessed data
            fits in 1 GiB), `"memory"`, None (no cache), or a file prefix
            for an on-disk cache (use a new prefix when preprocessing
            changes: the cache file is not invalidated). Defaults to "auto".
        data_dir: str or None. TFDS data directory. Defaults to None.
        with_labels: bool. Yield `(images, labels)` with int32 class ids
            (for conditional GANs). Defaults to False.
        resize: str or None. How to reach `image_size`: a `tf.image.resize`
            method (`"area"`, `"bilinear"`, `"bicubic"`, `"nearest"`,
            `"lanczos3"`, ...), or `"pad"` to pad with black (28 -> 32).
            Defaults to None: `"area"`, which only shrinks; enlarging needs
            an explicit method.
        crop: bool. Center-crop non-square images to a square first (CelebA
            178x218 -> 178x178); False stretches them. Defaults to True.
        flip: bool. Mirror each image left-right with probability 1/2, anew
            every epoch. Defaults to False.
        value_range: tuple of two floats or None. Pixel values of black and
            white in arrays and datasets. Defaults to None: (0, 255) for
            integer data, (0, 1) for floating data.
        image_key: str or None. The image feature (TFDS), array (.npz) or
            key (dataset of dicts). Defaults to None: found automatically.
        label_key: str or None. Like `image_key`, for labels. Defaults to
            None.
        download: bool. Let TFDS download missing data (needs internet).
            Defaults to False.
        skip_corrupt: bool. Leave out image files that do not decode, with a
            warning saying how many; otherwise they are an error naming
            them. Defaults to False.
        shuffle_buffer: int or None. Shuffle buffer size. Defaults to None:
            the whole dataset when it is in memory or cached, else 10,000.

    Returns:
        A `tf.data.Dataset` of float32 `(batch_size, image_size, image_size,
        channels)` images in [-1, 1], or of `(images, labels)` pairs.

    Example:
    >>> dataset = load("mnist-sample", batch_size=32, seed=0)
    >>> images = next(iter(dataset))
    >>> tuple(images.shape)
    (32, 28, 28, 1)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    # A string such as "no" would read as True.
    for name, value in (
        ("shuffle", shuffle),
        ("with_labels", with_labels),
        ("crop", crop),
        ("flip", flip),
        ("download", download),
        ("skip_corrupt", skip_corrupt),
    ):
        check_bool(name, value)
    if seed is not None and (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or not -(2**63) <= seed < 2**63
    ):
        raise ValueError(
            f"`seed` must be an int (a 64-bit integer) or None; received "
            f"{seed!r}."
        )
    if channels not in (None, 1, 3):
        raise ValueError(
            f"`channels` must be 1 (grayscale), 3 (RGB) or None (native); "
            f"received {channels!r}."
        )
    if image_size is not None:
        image_size = check_positive_int("image_size", image_size)
    if resize is not None and resize not in preprocess.RESIZE_CHOICES:
        raise ValueError(
            f"Unknown resize {resize!r}; expected one of "
            f"{list(preprocess.RESIZE_CHOICES)} or None."
        )
    if shuffle_buffer is not None:
        shuffle_buffer = check_positive_int("shuffle_buffer", shuffle_buffer)
    source = sources.resolve(
        source,
        split=split,
        data_dir=data_dir,
        download=download,
        image_key=image_key,
        label_key=label_key,
        value_range=value_range,
        skip_corrupt=skip_corrupt,
        shuffle_files=shuffle,
        seed=seed,
    )
    info = source.info
    if with_labels and not info.has_labels:
        raise ValueError(
            f"with_labels=True but {info.name} has no labels (an image "
            "folder needs class subfolders; arrays need a labels array)."
        )
    num_examples = info.num_examples
    if num_examples is not None and batch_size > num_examples:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {num_examples} "
            f"examples of {info.name}; no full batch could be made."
        )
    channels = channels or info.image_shape[2]
    image_size, method = _output_size(info, image_size, resize, crop)
    transform = _transform(source, image_size, channels, method, crop)

    elements = source.elements
    cache = _cache_mode(cache, num_examples, image_size, channels)
    if shuffle and shuffle_buffer is None:
        whole = source.in_memory or cache is not None
        shuffle_buffer = num_examples or STREAM_SHUFFLE_BUFFER
        if not whole:
            shuffle_buffer = min(shuffle_buffer, STREAM_SHUFFLE_BUFFER)
    if cache is None and shuffle:
        # Without a cache, shuffle the cheap items (file names, encoded
        # bytes) before the costly decoding.
        elements = elements.shuffle(
            shuffle_buffer, seed=seed, reshuffle_each_iteration=True
        )
    height, width, _ = info.image_shape
    if source.decode is None and height and width:
        # Equal-size images in memory: preprocess a chunk at a time.
        dataset = (
            elements.batch(PREPROCESS_CHUNK)
            .map(transform, num_parallel_calls=tf.data.AUTOTUNE)
            .unbatch()
        )
        if num_examples is not None:
            # `unbatch` forgets the length; Keras shows it as steps/epoch.
            dataset = dataset.apply(
                tf.data.experimental.assert_cardinality(num_examples)
            )
    else:
        dataset = elements.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
    if cache is not None:
        dataset = dataset.cache("" if cache == "memory" else cache)
        if shuffle:
            dataset = dataset.shuffle(
                shuffle_buffer, seed=seed, reshuffle_each_iteration=True
            )
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if flip:
        noise = tf.data.Dataset.random(
            seed=seed, rerandomize_each_iteration=True
        ).batch(2)
        dataset = tf.data.Dataset.zip(dataset, noise).map(
            _flip_batch, num_parallel_calls=tf.data.AUTOTUNE
        )
    if not with_labels:
        dataset = dataset.map(lambda images, labels: images)
    options = tf.data.Options()
    if source.in_memory:
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def _flip_batch(batch, noise):
    images, labels = batch
    return preprocess.random_flip(images, noise), labels


def _output_size(info: DatasetInfo, image_size, resize, crop):
    """Checks that the data can give `image_size`; returns it and a method."""
    height, width, _ = info.image_shape
    if not crop and height is not None and height != width:
        side = None
    else:
        side = min(height, width) if height and width else None
    if image_size is None:
        if side is None and height and width:
            raise ValueError(
                f"Images of {info.name} are {height}x{width}, not square: "
                "pass image_size, with crop=True to keep their proportions."
            )
        if side is None:
            raise ValueError(
                f"Images of {info.name} vary in size (shortest side "
                f"{info.min_side}); pass image_size."
            )
        image_size = side
    if resize == "pad":
        if height is None or width is None:
            raise ValueError(
                f"resize='pad' needs images of one size, but those of "
                f"{info.name} vary; use a resize method instead."
            )
        big = max(height, width) if not crop else side
        if big > image_size:
            raise ValueError(
                f"resize='pad' cannot make {height}x{width} images of "
                f"{info.name} {image_size}x{image_size}: padding only grows "
                "them. Pick image_size >= the image size or a resize method."
            )
        return image_size, "pad"
    smallest = info.min_side
    if resize is None and smallest is not None and image_size > smallest:
        raise OptionError(
            f"image_size={image_size} would enlarge the images of "
            f"{info.name} (shortest side {smallest}) "
            f"{image_size / smallest:.2g}x, inventing detail. Pass "
            "{resize} (or another method) to enlarge anyway, {pad} to pad, "
            "or a smaller {image_size}.",
            resize="bilinear",
            pad=Option("resize", "pad"),
            image_size=Option("image_size"),
        )
    return image_size, resize or "area"


def _transform(source, image_size, channels, method, crop):
    """The deterministic preprocessing of an image or a batch of them."""
    value_range = source.value_range

    def transform(item, label):
        image = source.decode(item) if source.decode else item
        if not source.checked:
            image = _check_values(image, value_range)
        image = preprocess.to_channels(image, channels)
        if crop:
            image = preprocess.center_crop(image)
        if method == "pad":
            image = preprocess.normalize(image, value_range)
            image = preprocess.pad(image, image_size, -1.0)
        else:
            image = preprocess.resize(image, image_size, method)
            image = preprocess.normalize(image, value_range)
            # Cubic and Lanczos kernels overshoot a little.
            image = tf.clip_by_value(image, -1.0, 1.0)
        size = [image_size, image_size, channels]
        image = tf.ensure_shape(image, [*image.shape[:-3], *size])
        return image, label

    return transform


def _check_values(image, value_range):
    image = tf.cast(image, tf.float32)
    image = tf.debugging.assert_all_finite(
        image, "Dataset images contain NaN or inf values"
    )
    low, high = value_range
    checks = [
        tf.debugging.assert_greater_equal(
            image,
            low,
            message=f"Dataset pixel values fall below value_range {low}",
        ),
        tf.debugging.assert_less_equal(
            image,
            high,
            message=f"Dataset pixel values exceed value_range {high}",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(image)


def _cache_mode(cache, num_examples, image_size, channels) -> str | None:
    if cache is None or cache == "memory":
        return cache
    if cache != "auto":
        if not isinstance(cache, str) or not cache:
            raise ValueError(
                "`cache` must be 'auto', 'memory', None or a file prefix; "
                f"received {cache!r}."
            )
        # tf.data would fail only at the first batch, deep in an iterator.
        integrity.check_writable(cache, "cache", is_dir=False)
        return cache
    if num_examples is None:
        return None
    size = num_examples * image_size * image_size * channels * 4
    if size > AUTO_CACHE_BYTES:
        return None
    return "memory"
