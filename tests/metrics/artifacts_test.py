"""Tests of the checkerboard-artifact score."""

import numpy as np
import pytest

from keras_dcgan.metrics import checkerboard_score
from keras_dcgan.metrics import power_spectrum


def _smooth_images(rng, count=8, size=16):
    # Low-frequency images: sums of a few long-wavelength sinusoids.
    y, x = np.mgrid[0:size, 0:size] / size
    images = [
        np.sin(2 * np.pi * (rng.uniform() * x + rng.uniform() * y))
        for _ in range(count)
    ]
    return np.stack(images)[..., None]


def test_checkerboard_pattern_scores_far_above_smooth_images():
    rng = np.random.default_rng(0)
    smooth = _smooth_images(rng)
    checker = np.indices((16, 16)).sum(axis=0) % 2 * 2.0 - 1.0
    artifacts = smooth + 0.3 * checker[None, :, :, None]
    assert checkerboard_score(smooth) < 0.5
    assert checkerboard_score(artifacts) > 10 * checkerboard_score(smooth)


def test_white_noise_scores_about_one():
    noise = np.random.default_rng(1).normal(size=(200, 16, 16, 3))
    assert checkerboard_score(noise) == pytest.approx(1.0, abs=0.2)


def test_stride_four_sees_a_period_four_pattern_that_stride_two_misses():
    period4 = np.tile([1.0, 0.0, -1.0, 0.0], (16, 4))[None, :, :, None]
    # All energy sits on 2 of the 15 stride-4 bins: (255 / 15) = 17.
    assert checkerboard_score(period4, stride=4) == pytest.approx(17.0)
    assert checkerboard_score(period4, stride=2) < 1e-6


def test_power_spectrum_obeys_parseval():
    images = np.random.default_rng(2).normal(size=(3, 8, 8, 2))
    centered = images - images.mean(axis=(1, 2), keepdims=True)
    energy = (centered**2).sum(axis=(1, 2)).mean()
    assert power_spectrum(images).sum() == pytest.approx(64 * energy)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="not divisible by stride 4"):
        checkerboard_score(np.zeros((1, 6, 6, 1)), stride=4)
    with pytest.raises(ValueError, match="integer >= 2; received 1"):
        checkerboard_score(np.zeros((1, 6, 6, 1)), stride=1)
    with pytest.raises(ValueError, match="of rank 4"):
        checkerboard_score(np.zeros((6, 6)))
    with pytest.raises(ValueError, match="constant"):
        checkerboard_score(np.ones((2, 4, 4, 1)))


def test_checkerboard_score_refuses_nan_images():
    # Before: one NaN pixel made the score NaN, without a word.
    images = np.zeros((2, 16, 16, 1))
    images[1, 3, 4, 0] = np.nan
    with pytest.raises(
        ValueError, match=r"The images contain NaN or infinite values\."
    ):
        checkerboard_score(images)
