"""Checkerboard artifacts: spectral energy at the upsampling stride.

A stride-`s` upsampling layer whose output pixels see different numbers of
kernel taps (a transposed convolution) repeats a pattern every `s` pixels.
In the 2-D Fourier spectrum such a pattern is energy at the frequencies
`(k * H / s, l * W / s)`, for example the Nyquist frequency for `s = 2`.
Natural images have little energy there, so the share of spectral energy at
those frequencies measures the artifacts.
"""

import numpy as np

from keras_dcgan.checks import is_integer


def _check_images(images) -> np.ndarray:
    try:
        images = np.asarray(images, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "Expected a batch of NHWC images (an array of numbers); received "
            f"{type(images).__name__}."
        ) from None
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(
            "Expected a non-empty batch of NHWC images of rank 4; received "
            f"shape {images.shape}."
        )
    # One NaN pixel would make the whole spectrum, and the score, NaN.
    if not np.all(np.isfinite(images)):
        raise ValueError("The images contain NaN or infinite values.")
    return images


def power_spectrum(images) -> np.ndarray:
    """The mean 2-D power spectrum of a batch of images.

    Each image channel has its own mean removed (so the DC term is zero),
    then `|FFT2|^2` is averaged over images and channels.

    Args:
        images: array of shape `(batch, height, width, channels)`.

    Returns:
        A float64 array `(height, width)`, unshifted (index `(0, 0)` is DC,
        `(height // 2, width // 2)` the Nyquist frequency of both axes).

    Example:
    >>> power_spectrum(np.zeros((2, 8, 8, 1))).shape
    (8, 8)
    """
    images = _check_images(images)
    centered = images - images.mean(axis=(1, 2), keepdims=True)
    spectrum = np.abs(np.fft.fft2(centered, axes=(1, 2))) ** 2
    return spectrum.mean(axis=(0, 3))


def checkerboard_score(images, stride: int = 2) -> float:
    """How much spectral energy sits at the upsampling stride's frequencies.

    The score is the mean power at the frequencies `(k * H / stride,
    l * W / stride)` (all `k, l` in `[0, stride)` except `(0, 0)`) divided by
    the mean power over all non-DC frequencies. White noise scores about 1;
    smooth natural images score well below 1; images with a pixel pattern of
    period `stride` score above their data's score, often far above 1.

    Args:
        images: array of shape `(batch, height, width, channels)`, with
            height and width divisible by `stride`.
        stride: int. The upsampling stride (2 for one doubling stage; 4 also
            covers the previous stage's period-4 pattern). Defaults to 2.

    Returns:
        The score as a Python float.

    Example:
    >>> stripes = np.tile([[1.0, -1.0]], (8, 4))[None, :, :, None]
    >>> checkerboard_score(stripes) > 10
    True
    """
    return checkerboard_score_from_spectrum(power_spectrum(images), stride)


def checkerboard_score_from_spectrum(spectrum, stride: int = 2) -> float:
    """The checkerboard score of a mean power spectrum.

    Lets the score stream: average `power_spectrum` over batches, then
    score once. See `checkerboard_score`.

    Args:
        spectrum: array `(height, width)` from `power_spectrum`.
        stride: int. The upsampling stride. Defaults to 2.

    Returns:
        The score as a Python float.
    """
    if not is_integer(stride) or stride < 2:
        raise ValueError(
            f"`stride` must be an integer >= 2; received {stride!r}."
        )
    spectrum = np.asarray(spectrum, dtype=np.float64)
    if spectrum.ndim != 2:
        raise ValueError(
            f"`spectrum` must be 2-D (height, width); received shape "
            f"{spectrum.shape}."
        )
    height, width = spectrum.shape
    if height % stride or width % stride:
        raise ValueError(
            f"Image size {height}x{width} is not divisible by stride "
            f"{stride}; the stride's frequencies fall between Fourier bins."
        )
    rows = np.arange(stride) * (height // stride)
    cols = np.arange(stride) * (width // stride)
    peaks = spectrum[np.ix_(rows, cols)].sum() - spectrum[0, 0]
    num_peaks = stride * stride - 1
    total = spectrum.sum() - spectrum[0, 0]
    if total <= 0:
        raise ValueError("The images are constant: they have no spectrum.")
    return float((peaks / num_peaks) / (total / (height * width - 1)))
