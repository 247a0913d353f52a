"""Latent and label draws, latent-space walks, and sample files.

`sample_latents` and `sample_labels` are stateless functions of a seed, so
`DCGAN.generate`, the exported SavedModel and the sample callbacks draw the
same noise for the same seed.
"""

import numbers
import os

import numpy as np
import tensorflow as tf

from keras_dcgan import images as images_lib
from keras_dcgan import tfdata
from keras_dcgan.checks import check_bool
from keras_dcgan.checks import check_gif_frame_ms
from keras_dcgan.checks import check_labels
from keras_dcgan.checks import check_positive_int


def check_seed(seed) -> None:
    """Raises a `ValueError` unless `seed` is None, an int64 or a tensor.

    A float would be truncated (1.5 draws what 1 draws) and a string fails
    deep in TensorFlow; both are refused here, naming the value.

    Args:
        seed: int, scalar integer tensor or None. A seed of the draws.

    Example:
    >>> check_seed(7)
    """
    if seed is None or (tf.is_tensor(seed) and seed.dtype.is_integer):
        return
    if (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or not -(2**63) <= seed < 2**63
    ):
        raise ValueError(
            "`seed` must be an int (a 64-bit integer) or None; received "
            f"{seed!r}."
        )


def sample_latents(num_samples, latent_dim: int, seed: int | None = None):
    """Draws latent vectors from the standard normal prior.

    The draw is a stateless function of `seed`, so the exported SavedModel's
    seed-driven signatures reproduce `DCGAN.generate` exactly.

    Args:
        num_samples: int or scalar tensor. How many vectors to draw.
        latent_dim: int. Size of each vector.
        seed: int or None. The same seed gives the same vectors; None draws a
            fresh seed from the operating system. Defaults to None.

    Returns:
        A float32 tensor of shape `(num_samples, latent_dim)`.

    Example:
    >>> z = sample_latents(4, 100, seed=0)
    >>> tuple(z.shape)
    (4, 100)
    """
    check_seed(seed)
    if not tf.is_tensor(num_samples):
        check_positive_int("num_samples", num_samples)
    check_positive_int("latent_dim", latent_dim)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    return tf.random.stateless_normal(
        tf.stack([tf.cast(num_samples, tf.int32), latent_dim]), seed=seed
    )


def sample_labels(num_samples, num_classes: int, seed: int | None = None):
    """Draws class labels uniformly, for a conditional `DCGAN.generate`.

    A stateless function of `seed`, drawn from another stream than
    `sample_latents(num_samples, latent_dim, seed)`.

    Args:
        num_samples: int. How many labels to draw.
        num_classes: int. Labels are in `[0, num_classes)`.
        seed: int or None. The same seed gives the same labels; None draws a
            fresh seed from the operating system. Defaults to None.

    Returns:
        An int32 tensor of shape `(num_samples,)`.

    Example:
    >>> labels = sample_labels(4, 10, seed=0)
    >>> tuple(labels.shape)
    (4,)
    """
    check_seed(seed)
    if not tf.is_tensor(num_samples):
        check_positive_int("num_samples", num_samples)
    check_positive_int("num_classes", num_classes)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(1, tf.int64)])
    return tf.random.stateless_uniform(
        [num_samples], seed=seed, minval=0, maxval=num_classes, dtype=tf.int32
    )


def class_grid_labels(num_classes: int, per_class: int) -> np.ndarray:
    """Labels for a grid with one class per row: `per_class` of each class.

    Args:
        num_classes: int. Rows of the grid.
        per_class: int. Images per row.

    Returns:
        An int32 array `(num_classes * per_class,)`: 0, 0, ..., 1, 1, ...

    Example:
    >>> class_grid_labels(3, 2).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    return np.repeat(np.arange(num_classes, dtype=np.int32), per_class)


def slerp(start, end, t) -> np.ndarray:
    """Spherical linear interpolation between latent vectors.

    Points drawn from a high-dimensional normal lie near a sphere; walking
    along the great circle keeps intermediate latents at a typical norm,
    where a straight line would pass through unlikely low-norm latents.
    Nearly parallel vectors fall back to linear interpolation.

    Args:
        start: array-like. Start vectors `(..., latent_dim)`.
        end: array-like. End vectors, the same shape as `start`.
        t: float or 1-D array-like. Positions in [0, 1]; 0 gives `start`,
            1 gives `end`.

    Returns:
        A float32 array: `start.shape` for a scalar `t`, else
        `start.shape[:-1] + (len(t), latent_dim)`.

    Example:
    >>> a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    >>> [round(float(v), 4) for v in slerp(a, b, 0.5)]
    [0.7071, 0.7071]

    Reference:
        Shoemake, "Animating rotation with quaternion curves", 1985; used
        for GAN latents by White, "Sampling Generative Networks", 2016.
        https://arxiv.org/abs/1609.04468
    """
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    if start.shape != end.shape:
        raise ValueError(
            f"`start` and `end` must have one shape; received {start.shape} "
            f"and {end.shape}."
        )
    scalar_t = np.ndim(t) == 0
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if t.ndim != 1:
        raise ValueError(
            f"`t` must be a scalar or 1-D; received shape {t.shape}"
        )
    if not (np.all(np.isfinite(t)) and np.all((t >= 0) & (t <= 1))):
        raise ValueError(
            f"`t` must be positions in [0, 1]; received {t.tolist()!r}."
        )
    for name, vectors in (("start", start), ("end", end)):
        if not np.all(np.isfinite(vectors)):
            raise ValueError(f"`{name}` holds NaN or inf values.")
        if np.any(np.linalg.norm(vectors, axis=-1) == 0):
            raise ValueError(
                f"`{name}` holds a zero vector, which has no direction to "
                "interpolate along the sphere."
            )
    unit_start = start / np.linalg.norm(start, axis=-1, keepdims=True)
    unit_end = end / np.linalg.norm(end, axis=-1, keepdims=True)
    cos = np.clip(np.sum(unit_start * unit_end, axis=-1), -1.0, 1.0)
    omega = np.arccos(cos)[..., None, None]
    sin = np.sin(omega)
    t = t[:, None]
    start, end = start[..., None, :], end[..., None, :]
    parallel = np.abs(sin) < 1e-6
    safe_sin = np.where(parallel, 1.0, sin)
    spherical = (
        np.sin((1.0 - t) * omega) * start + np.sin(t * omega) * end
    ) / safe_sin
    linear = (1.0 - t) * start + t * end
    result = np.where(parallel, linear, spherical).astype(np.float32)
    return result[..., 0, :] if scalar_t else result


def interpolation_latents(
    num_walks: int,
    steps: int,
    latent_dim: int,
    num_points: int = 2,
    closed: bool = False,
    seed: int | None = None,
) -> np.ndarray:
    """Latent walks along great circles through random points.

    Args:
        num_walks: int. Independent walks.
        steps: int. Latents per segment between two consecutive points.
        latent_dim: int. Size of each latent vector.
        num_points: int. Random points each walk passes through, at least
            2. Defaults to 2.
        closed: bool. Whether each walk returns to its first point (a
            seamless loop for an animation). An open walk includes its last
            point; segments never repeat a shared point. Defaults to False.
        seed: int or None. Seed of the points, drawn like
            `DCGAN.generate`'s latents. Defaults to None.

    Returns:
        A float32 array `(num_walks, length, latent_dim)`, with `length`
        `num_points * steps` when closed, else `(num_points - 1) * steps + 1`.

    Example:
    >>> interpolation_latents(3, steps=5, latent_dim=8, seed=0).shape
    (3, 6, 8)
    """
    for name, value in (
        ("num_walks", num_walks),
        ("steps", steps),
        ("latent_dim", latent_dim),
    ):
        check_positive_int(name, value)
    check_positive_int("num_points", num_points)
    if num_points < 2:
        raise ValueError(f"`num_points` must be >= 2; received {num_points!r}.")
    check_bool("closed", closed)
    points = np.asarray(
        sample_latents(num_walks * num_points, latent_dim, seed)
    ).reshape(num_walks, num_points, latent_dim)
    if closed:
        points = np.concatenate([points, points[:, :1]], axis=1)
    t = np.arange(steps) / steps
    segments = [
        slerp(points[:, i], points[:, i + 1], t)
        for i in range(points.shape[1] - 1)
    ]
    if not closed:
        segments.append(points[:, -1:].astype(np.float32))
    return np.concatenate(segments, axis=1)


# Output formats of `write_samples`, by how `out` ends.
SAMPLE_FORMATS = {
    ".png": "a grid image",
    "/": "a folder of PNGs",
    ".npy": "a uint8 NHWC array",
}


def _output_path(out) -> str:
    """`out` as a str path; a `pathlib.Path` is accepted."""
    if not isinstance(out, str | os.PathLike):
        raise TypeError(
            f"`out` must be a path (str or os.PathLike); received {out!r}."
        )
    return os.fspath(out)


def sample_format(out) -> str:
    """The output format `write_samples` writes to `out`.

    Checked before any image is generated, so a caller can check a path
    before loading a model.

    Args:
        out: str or os.PathLike. The output path.

    Returns:
        `".png"` (a grid), `"/"` (a folder of PNGs) or `".npy"`.

    Raises:
        ValueError: `out` ends in none of these; an existing folder named
            without the trailing `/` is pointed out.

    Example:
    >>> sample_format("samples/")
    '/'
    """
    out = _output_path(out)
    if out.endswith(("/", os.sep)):
        return "/"
    for suffix in (".png", ".npy"):
        if out.lower().endswith(suffix):
            return suffix
    hint = ""
    if os.path.isdir(out):
        hint = f" {out!r} is a folder: write {out + '/'!r} for PNG files in it."
    allowed = ", ".join(f"{k!r} ({v})" for k, v in SAMPLE_FORMATS.items())
    raise ValueError(
        f"Cannot tell the output format of {out!r}: end it with one of "
        f"{allowed}.{hint}"
    )


def interpolation_format(out) -> str:
    """The output format `write_interpolation` writes to `out`.

    Args:
        out: str or os.PathLike. The output path.

    Returns:
        `".png"` (a grid, one walk per row) or `".gif"` (an animation).

    Raises:
        ValueError: `out` ends in neither.

    Example:
    >>> interpolation_format("walk.GIF")
    '.gif'
    """
    out = _output_path(out)
    for suffix in (".png", ".gif"):
        if out.lower().endswith(suffix):
            return suffix
    raise ValueError(
        f"Cannot tell the output format of {out!r}: end it with '.png' "
        "(a grid, one walk per row) or '.gif' (an animation)."
    )


def write_samples(
    gan,
    out: str,
    num_samples: int = 64,
    seed: int | None = None,
    labels=None,
    upscale="auto",
) -> str:
    """Generates images and writes them in the format `out` names.

    Uses the EMA generator when the DCGAN keeps one.

    Args:
        gan: DCGAN. The trained model.
        out: str. A `.png` path (one grid), a folder path ending in `/`
            (one PNG per image) or a `.npy` path (a uint8 NHWC array).
        num_samples: int. How many images. Defaults to 64.
        seed: int or None. Seed of the latents; the same seed gives the same
            images as `gan.generate(num_samples, seed=seed)`. Defaults to
            None.
        labels: int, array-like or None. For a class-conditional DCGAN, the
            class of the images (see `DCGAN.generate`); None draws classes
            at random from `seed`. Defaults to None.
        upscale: int or str. Nearest-neighbour enlargement of a `.png` grid:
            a factor, or `"auto"` (longer side up to 640 pixels; see
            `keras_dcgan.images.upscale_factor`). Defaults to `"auto"`.

    Returns:
        `out`.

    Example:
    >>> gan = DCGAN.from_preset("mnist")  # doctest: +SKIP
    >>> write_samples(gan, "samples.png", num_samples=16)  # doctest: +SKIP
    """
    out = _output_path(out)
    sample_format(out)  # before the generator runs
    images = gan.generate(num_samples, labels=labels, seed=seed)
    return images_lib.save_images(images, out, upscale=upscale)


def write_class_grid(
    gan,
    out: str,
    per_class: int = 8,
    seed: int | None = None,
    upscale="auto",
) -> str:
    """Writes a grid PNG of a class-conditional DCGAN: one class per row.

    Row `k` holds `per_class` images generated for class `k`, from the
    latents `gan.generate(num_classes * per_class, labels=..., seed=seed)`
    draws.

    Args:
        gan: DCGAN. A trained class-conditional model.
        out: str. A path ending in `.png`.
        per_class: int. Images per row. Defaults to 8.
        seed: int or None. Seed of the latents. Defaults to None.
        upscale: int or str. Nearest-neighbour enlargement: a factor, or
            `"auto"` (see `keras_dcgan.images.upscale_factor`). Defaults to
            `"auto"`.

    Returns:
        `out`.

    Example:
    >>> gan = DCGAN.from_preset("mnist", num_classes=10)  # doctest: +SKIP
    >>> write_class_grid(gan, "classes.png", per_class=10)  # doctest: +SKIP
    """
    if not gan.conditional:
        raise ValueError(
            "A class grid needs a class-conditional DCGAN; this one is "
            "unconditional (use write_samples)."
        )
    check_positive_int("per_class", per_class)
    out = _output_path(out)
    if not out.lower().endswith(".png"):
        raise ValueError(
            f"A class grid is a PNG; {out!r} does not end in .png."
        )
    labels = class_grid_labels(gan.num_classes, per_class)
    images = gan.generate(len(labels), labels=labels, seed=seed)
    return images_lib.save_png(
        images_lib.make_grid(images, columns=per_class), out, upscale=upscale
    )


def write_interpolation(
    gan,
    out: str,
    num_walks: int = 9,
    steps: int = 10,
    num_points: int = 4,
    seed: int | None = None,
    frame_ms: int = 80,
    upscale="auto",
    labels=None,
) -> str:
    """Writes latent-space walks as a grid PNG or an animated GIF.

    A `.png` shows one walk between two random points per row, `steps`
    images from start to end. A `.gif` loops each walk through `num_points`
    random points and back; each frame shows all walks side by side. A
    class-conditional model keeps one class along each walk: walk `i` draws
    class `i % num_classes` unless `labels` says otherwise.

    Args:
        gan: DCGAN. The trained model (its EMA generator when it has one).
        out: str. A path ending in `.png` or `.gif`.
        num_walks: int. Independent walks; 9 make a full 3x3 GIF grid.
            Defaults to 9.
        steps: int. Images per segment between two points (per row for a
            PNG). Defaults to 10.
        num_points: int. Points each GIF walk passes through. Defaults to 4.
        seed: int or None. Seed of the points. Defaults to None.
        frame_ms: int. GIF frame duration in milliseconds, a multiple of
            10 from 10 to 655350. Defaults to 80.
        upscale: int or str. Nearest-neighbour enlargement: a factor, or
            `"auto"` (see `keras_dcgan.images.upscale_factor`). Defaults to
            `"auto"`.
        labels: int, array-like or None. For a class-conditional model, the
            class of every walk (an int) or of each walk (ints
            `(num_walks,)`); None gives walk `i` class `i % num_classes`.
            An unconditional model takes None only. Defaults to None.

    Returns:
        `out`.

    Raises:
        ValueError: `out` is neither `.png` nor `.gif`, `steps` is below 2
            for a PNG, or `labels` are given to an unconditional model or
            are not classes of the model.

    Example:
    >>> write_interpolation(gan, "walk.gif", num_walks=4)  # doctest: +SKIP
    """
    out = _output_path(out)
    is_gif = interpolation_format(out) == ".gif"
    check_positive_int("num_walks", num_walks)
    # The GIF's frame duration: the encoder would round a float, or a
    # value that is not whole hundredths of a second, and overflow on one
    # above 655350 ms only after every image was generated.
    check_gif_frame_ms("frame_ms", frame_ms)
    if not gan.conditional and labels is not None:
        raise ValueError(
            "This DCGAN is unconditional (its networks were built without "
            f"`num_classes`); it takes no `labels`, received {labels!r}."
        )
    if gan.conditional:
        if labels is None:
            labels = np.arange(num_walks) % gan.num_classes
        labels = check_labels(labels, gan.num_classes, num_walks)
    if is_gif:
        latents = interpolation_latents(
            num_walks, steps, gan.latent_dim, num_points, closed=True, seed=seed
        )
    else:
        # Each row holds `steps` images including both end points.
        check_positive_int("steps", steps)
        if steps < 2:
            raise ValueError(
                f"A PNG walk needs `steps` >= 2 (start and end); received "
                f"{steps!r}."
            )
        latents = interpolation_latents(
            num_walks, steps - 1, gan.latent_dim, seed=seed
        )
    num_walks, length, latent_dim = latents.shape
    inputs = latents.reshape(-1, latent_dim)
    if gan.conditional:
        # Every image of a walk takes its walk's class.
        inputs = [inputs, np.repeat(labels, length).astype(np.int32)]
    images = tfdata.predict(gan.sampling_generator, inputs, batch_size=64)
    images = images.reshape((num_walks, length, *images.shape[1:]))
    if not is_gif:
        grid = images_lib.make_grid(
            images.reshape((-1, *images.shape[2:])), columns=length
        )
        return images_lib.save_png(grid, out, upscale=upscale)
    frames = [images_lib.make_grid(images[:, frame]) for frame in range(length)]
    return images_lib.save_gif(
        frames, out, duration_ms=frame_ms, upscale=upscale
    )
