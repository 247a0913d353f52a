"""Image files from generated batches: uint8 conversion, grids, PNG and GIF.

Generators output float images in [-1, 1], NHWC. These helpers turn a batch
into what a person looks at: one grid image, a folder of PNGs, a uint8 array
or an animated GIF. Pillow does the encoding.
"""

import math
import os

import numpy as np
from PIL import Image

from keras_dcgan.checks import check_gif_frame_ms
from keras_dcgan.checks import is_integer


def to_uint8(images) -> np.ndarray:
    """Converts images in [-1, 1] to uint8 in [0, 255].

    Values outside [-1, 1] are clipped and NaN becomes 0 (black, so a
    diverged generator shows as such); `x` maps to `round((x + 1) * 127.5)`.

    Args:
        images: array-like. Float images in [-1, 1], any shape.

    Returns:
        A uint8 numpy array of the same shape.

    Example:
    >>> to_uint8(np.array([-1.0, 0.0, 1.0])).tolist()
    [0, 128, 255]
    """
    images = np.nan_to_num(np.asarray(images, dtype=np.float32), nan=-1.0)
    images = np.clip(images, -1.0, 1.0)
    return np.round((images + 1.0) * 127.5).astype(np.uint8)


def _check_batch(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "Expected a batch of images of shape (batch, height, width, "
            f"channels) with 1 or 3 channels; received shape {images.shape}."
        )
    if images.shape[0] == 0:
        raise ValueError(
            "Expected at least one image; received an empty batch."
        )
    return images


def make_grid(
    images, columns: int | None = None, padding: int = 2, pad_value: int = 0
) -> np.ndarray:
    """Tiles a batch of images into one grid image.

    Args:
        images: array-like. A batch `(n, height, width, channels)`, uint8 or
            float in [-1, 1] (converted with `to_uint8`).
        columns: int or None. Images per row; None makes the grid as square
            as possible (`ceil(sqrt(n))`). Defaults to None.
        padding: int. Pixels between images and around the grid. Defaults
            to 2.
        pad_value: int. Gray level of the padding, 0 to 255. Defaults to 0.

    Returns:
        A uint8 array `(rows * (height + padding) + padding,
        columns * (width + padding) + padding, channels)`; empty cells of the
        last row are filled with `pad_value`.

    Example:
    >>> make_grid(np.zeros((6, 4, 4, 1)), columns=3, padding=1).shape
    (11, 16, 1)
    """
    images = _check_batch(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    count, height, width, channels = images.shape
    if columns is None:
        columns = math.ceil(math.sqrt(count))
    if columns < 1:
        raise ValueError(f"`columns` must be >= 1; received {columns!r}.")
    if padding < 0:
        raise ValueError(f"`padding` must be >= 0; received {padding!r}.")
    rows = math.ceil(count / columns)
    grid = np.full(
        (
            rows * (height + padding) + padding,
            columns * (width + padding) + padding,
            channels,
        ),
        pad_value,
        dtype=np.uint8,
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


# The longer side, in pixels, that `upscale="auto"` enlarges a picture
# towards: readable at a glance on a screen, small as a file.
DISPLAY_SIZE = 640


def upscale_factor(height: int, width: int, upscale="auto") -> int:
    """The integer enlargement `upscale` asks for, for one picture size.

    Args:
        height: int. Height of the picture in pixels.
        width: int. Width of the picture in pixels.
        upscale: int or str. A factor >= 1, or `"auto"`: the largest
            factor that keeps the longer side at most `DISPLAY_SIZE` (640)
            pixels, at least 1. Defaults to `"auto"`.

    Returns:
        The factor, an int >= 1.

    Example:
    >>> upscale_factor(242, 242)  # a grid of 64 MNIST digits
    2
    >>> upscale_factor(92, 92, upscale=3)
    3
    """
    if upscale == "auto":
        return max(1, DISPLAY_SIZE // max(height, width))
    if not is_integer(upscale):
        raise ValueError(
            f"`upscale` must be a positive int or 'auto'; received {upscale!r}."
        )
    if upscale < 1:
        raise ValueError(f"`upscale` must be >= 1; received {upscale!r}.")
    return int(upscale)


def upscale_image(image, factor: int) -> np.ndarray:
    """Enlarges an image by an integer factor, nearest-neighbour.

    Every pixel becomes a `factor x factor` block of the same value, so the
    enlarged picture shows exactly the generated pixels, only bigger.

    Args:
        image: array-like. `(height, width, channels)`, any dtype.
        factor: int. The enlargement, >= 1.

    Returns:
        An array `(height * factor, width * factor, channels)`, same dtype.

    Example:
    >>> upscale_image(np.array([[[0], [255]]], np.uint8), 2)[..., 0].tolist()
    [[0, 0, 255, 255], [0, 0, 255, 255]]
    """
    image = np.asarray(image)
    if factor == 1:
        return image
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def _pil_image(image: np.ndarray) -> Image.Image:
    if image.dtype != np.uint8:
        image = to_uint8(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return Image.fromarray(image)


def _make_parent(path: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)


def save_png(image, path: str, upscale=1) -> str:
    """Writes one image `(height, width, channels)` as a PNG file.

    The file is written under a temporary name and renamed into place, so a
    reader never sees half an image.

    Args:
        image: array-like. uint8, or float in [-1, 1].
        path: str. The `.png` path; parent folders are created.
        upscale: int or str. Nearest-neighbour enlargement: a factor, or
            `"auto"` (see `upscale_factor`). Defaults to 1.

    Returns:
        `path`.

    Example:
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> save_png(make_grid(np.zeros((4, 8, 8, 1))), path) == path
    True
    """
    image = np.asarray(image)
    image = upscale_image(image, upscale_factor(*image.shape[:2], upscale))
    _make_parent(path)
    partial = path + ".partial"
    _pil_image(image).save(partial, format="PNG")
    os.replace(partial, path)
    return path


def save_gif(
    frames, path: str, duration_ms: int = 100, loop: bool = True, upscale=1
) -> str:
    """Writes images as an animated GIF.

    Args:
        frames: sequence of arrays. Images `(height, width, channels)` of
            one shape, uint8 or float in [-1, 1].
        path: str. The `.gif` path; parent folders are created.
        duration_ms: int. Display time of each frame in milliseconds, a
            multiple of 10 from 10 to 655350 (a GIF stores hundredths of a
            second in 16 bits). Defaults to 100.
        loop: bool. Whether the animation repeats forever. Defaults to True.
        upscale: int or str. Nearest-neighbour enlargement of every frame: a
            factor, or `"auto"` (see `upscale_factor`). Defaults to 1.

    Returns:
        `path`.

    Example:
    >>> frames = [np.full((8, 8, 1), v, np.uint8) for v in (0, 128, 255)]
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "frames.gif")
    >>> save_gif(frames, path) == path
    True
    """
    frames = [np.asarray(frame) for frame in frames]
    if not frames:
        raise ValueError("`frames` is empty; a GIF needs at least one frame.")
    shapes = {frame.shape for frame in frames}
    if len(shapes) > 1:
        raise ValueError(
            f"All GIF frames must have one shape; received {sorted(shapes)}."
        )
    check_gif_frame_ms("duration_ms", duration_ms)
    factor = upscale_factor(*frames[0].shape[:2], upscale)
    images = [_pil_image(upscale_image(frame, factor)) for frame in frames]
    _make_parent(path)
    partial = path + ".partial"
    options = {"loop": 0} if loop else {}
    images[0].save(
        partial,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        **options,
    )
    os.replace(partial, path)
    return path


def check_sample_folder(out: str) -> None:
    """Raises unless folder `out` holds no numbered sample PNGs yet.

    New samples written over an earlier set would leave a silent mix of
    both when the earlier set was larger (1,000 old files, 100 new).

    Args:
        out: str. A folder path; it need not exist.

    Raises:
        FileExistsError: The folder already holds `NNNNNN.png` files.

    Example:
    >>> import tempfile
    >>> check_sample_folder(tempfile.mkdtemp() + "/")
    """
    if not os.path.isdir(out):
        return
    taken = sorted(
        name
        for name in os.listdir(out)
        if len(name) == 10 and name.endswith(".png") and name[:6].isdigit()
    )
    if taken:
        raise FileExistsError(
            f"{out!r} already holds {len(taken)} numbered sample PNG(s) "
            f"({taken[0]}, ...); new samples would overwrite some and mix "
            "with the rest. Write to a new or empty folder, or delete them."
        )


def save_images(images, out: str, upscale="auto") -> str:
    """Writes a batch of images in the format `out` names.

    Args:
        images: array-like. A batch `(n, height, width, channels)`, uint8 or
            float in [-1, 1].
        out: str. A path ending in `.png` (one grid image), in `/` (a folder
            of `000000.png`, `000001.png`, ...) or in `.npy` (a uint8 NHWC
            array).
        upscale: int or str. Nearest-neighbour enlargement of a `.png`
            grid: a factor, or `"auto"` (see `upscale_factor`); separate
            PNGs and arrays keep the generated size. Defaults to `"auto"`.

    Returns:
        `out`.

    Raises:
        FileExistsError: A folder `out` already holds numbered PNGs.
        ValueError: `out` names no known format.

    Example:
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "samples.npy")
    >>> save_images(np.zeros((4, 8, 8, 1)), path) == path
    True
    """
    images = _check_batch(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    if out.endswith(("/", os.sep)):
        check_sample_folder(out)
        os.makedirs(out, exist_ok=True)
        for index, image in enumerate(images):
            save_png(image, os.path.join(out, f"{index:06d}.png"))
    elif out.lower().endswith(".png"):
        save_png(make_grid(images), out, upscale=upscale)
    elif out.lower().endswith(".npy"):
        _make_parent(out)
        # np.save appends ".npy" to names without it, so write a .npy name.
        partial = out[: -len(".npy")] + ".partial.npy"
        np.save(partial, images)
        os.replace(partial, out)
    else:
        raise ValueError(
            f"Cannot tell the output format of {out!r}: end it with '.png' "
            "(a grid image), '/' (a folder of PNGs) or '.npy' (a uint8 "
            "NHWC array)."
        )
    return out
