"""Tests of mode coverage."""

import numpy as np
import pytest

from keras_dcgan.metrics import mode_coverage


def test_uniform_classes_have_maximal_entropy():
    probabilities = np.eye(10)[np.arange(200) % 10]
    result = mode_coverage(probabilities)
    assert result["entropy"] == pytest.approx(np.log(10))
    assert result["normalized_entropy"] == pytest.approx(1.0)
    assert result["classes_covered"] == 10


def test_collapse_to_one_class_has_zero_entropy():
    probabilities = np.tile([0.1, 0.7, 0.2], (50, 1))
    result = mode_coverage(probabilities)
    assert result["entropy"] == 0.0
    assert result["classes_covered"] == 1
    assert result["class_fractions"] == [0.0, 1.0, 0.0]


def test_partial_coverage_matches_the_entropy_formula():
    labels = np.array([0] * 30 + [1] * 10)
    result = mode_coverage(np.eye(4)[labels])
    expected = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    assert result["entropy"] == pytest.approx(expected)
    assert result["classes_covered"] == 2
    assert result["num_classes"] == 4


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty 2-D"):
        mode_coverage(np.zeros(5))


@pytest.mark.parametrize(
    ("probabilities", "match"),
    [
        # Before: argmax read NaN rows as class 0: "1 class covered".
        (
            np.full((20, 5), np.nan),
            r"`probabilities` contains NaN or infinite values\.",
        ),
        (
            np.array([["a", "b"]] * 3),
            r"`probabilities` must be class probabilities or logits "
            r"\(numbers\); received dtype <U1\.",
        ),
    ],
)
def test_mode_coverage_refuses_values_that_are_not_scores(probabilities, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage(probabilities)
