"""Image preprocessing for GAN training: one image in, one image out.

Every function here is a graph-compatible TensorFlow function on one
`(height, width, channels)` image or a `(batch, height, width, channels)`
batch of equal-size images: the pipeline preprocesses in-memory data a chunk
at a time, which is many times faster than image by image.
"""

import tensorflow as tf

from keras_dcgan.options import RESIZE_CHOICES  # noqa: F401
from keras_dcgan.options import RESIZE_METHODS  # noqa: F401


def to_channels(image: tf.Tensor, channels: int) -> tf.Tensor:
    """Converts an image between grayscale and RGB.

    Args:
        image: tf.Tensor. `([batch,] height, width, c)` with a static `c`
            of 1 or 3.
        channels: int. 1 (grayscale, ITU-R 601 luma) or 3 (RGB; a gray image
            is repeated in all three channels).

    Returns:
        The image with `channels` channels, in the input's dtype when no
        conversion is needed and float32 otherwise.

    Example:
    >>> to_channels(tf.zeros([4, 4, 1]), 3).shape
    TensorShape([4, 4, 3])
    """
    current = image.shape[-1]
    if current == channels:
        return image
    if current == 1 and channels == 3:
        return tf.repeat(image, 3, axis=-1)
    if current == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))
    raise ValueError(
        f"Cannot convert images with {current} channels to {channels}; "
        "expected 1 (grayscale) or 3 (RGB) on both sides."
    )


def center_crop(image: tf.Tensor) -> tf.Tensor:
    """Crops the largest centered square out of an image.

    Args:
        image: tf.Tensor. `([batch,] height, width, channels)`; sizes may be
            dynamic.

    Returns:
        A `([batch,] side, side, channels)` image with `side = min(height,
        width)`.

    Example:
    >>> center_crop(tf.zeros([218, 178, 3])).shape
    TensorShape([178, 178, 3])
    """
    height, width = image.shape[-3], image.shape[-2]
    if height is None or width is None:
        height, width = tf.shape(image)[-3], tf.shape(image)[-2]
        side = tf.minimum(height, width)
    else:
        # Static shapes: Python ints keep the output shape static.
        side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[..., top : top + side, left : left + side, :]


def resize(image: tf.Tensor, size: int, method: str) -> tf.Tensor:
    """Resizes an image to `size x size` with a `tf.image.resize` method.

    Args:
        image: tf.Tensor. `([batch,] height, width, channels)`.
        size: int. The output height and width.
        method: str. One of `RESIZE_METHODS`.

    Returns:
        A float32 `([batch,] size, size, channels)` image; the input when its
        static
        shape already matches (resizing to the same size would only cost
        time).

    Example:
    >>> resize(tf.zeros([28, 28, 1]), 14, "area").shape
    TensorShape([14, 14, 1])
    """
    if tuple(image.shape[-3:-1]) == (size, size):
        return tf.cast(image, tf.float32)
    return tf.image.resize(tf.cast(image, tf.float32), [size, size], method)


def pad(image: tf.Tensor, size: int, value: float) -> tf.Tensor:
    """Pads an image evenly on all sides to `size x size`.

    Args:
        image: tf.Tensor. `([batch,] height, width, channels)`, at most
            `size` high and wide.
        size: int. The output height and width.
        value: float. The fill value, e.g. -1 for black in [-1, 1].

    Returns:
        A `([batch,] size, size, channels)` image; odd padding puts the
        extra row or column at the bottom or right.

    Example:
    >>> pad(tf.zeros([28, 28, 1]), 32, -1.0).shape
    TensorShape([32, 32, 1])
    """
    shape = tf.shape(image)
    rows, cols = size - shape[-3], size - shape[-2]
    paddings = [[0, 0]] * (image.shape.rank - 3) + [
        [rows // 2, rows - rows // 2],
        [cols // 2, cols - cols // 2],
        [0, 0],
    ]
    image = tf.pad(image, paddings, constant_values=value)
    return tf.ensure_shape(image, [*image.shape[:-3], size, size, None])


def normalize(image: tf.Tensor, value_range: tuple[float, float]) -> tf.Tensor:
    """Maps pixel values linearly from `value_range` to [-1, 1].

    Args:
        image: tf.Tensor. Any shape and real dtype.
        value_range: tuple of two floats. The pixel values of black and white
            in `image`, e.g. `(0, 255)` for uint8 images.

    Returns:
        A float32 tensor in [-1, 1] for inputs within `value_range`.

    Example:
    >>> normalize(tf.constant([0, 255], tf.uint8), (0, 255)).numpy()
    array([-1.,  1.], dtype=float32)
    """
    low, high = (float(v) for v in value_range)
    scale = 2.0 / (high - low)
    return tf.cast(image, tf.float32) * scale - (low * scale + 1.0)


def random_flip(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Flips each image of a batch left-right with probability 1/2.

    Args:
        images: tf.Tensor. `(batch, height, width, channels)`.
        seed: tf.Tensor. A shape `[2]` integer seed; the same seed flips the
            same images.

    Returns:
        The batch, with about half of the images mirrored.

    Example:
    >>> flipped = random_flip(tf.zeros([4, 8, 8, 3]), tf.constant([1, 2]))
    """
    flips = tf.random.stateless_uniform([tf.shape(images)[0]], seed=seed) < 0.5
    return tf.where(flips[:, None, None, None], tf.reverse(images, [2]), images)
