"""Tests of the Inception Score."""

import numpy as np
import pytest

from keras_dcgan.metrics import RunningInceptionScore
from keras_dcgan.metrics import inception_score


def test_constant_predictions_score_one():
    rng = np.random.default_rng(0)
    one = rng.dirichlet(np.ones(10))
    mean, std = inception_score(np.tile(one, (100, 1)), splits=5)
    assert mean == pytest.approx(1.0)
    assert std == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("splits", [1, 4])
def test_confident_uniform_predictions_score_the_number_of_classes(splits):
    num_classes = 7
    # Sample i goes to split i % splits; give every split each class equally.
    labels = (np.arange(splits * num_classes * 3) // splits) % num_classes
    mean, std = inception_score(np.eye(num_classes)[labels], splits=splits)
    assert mean == pytest.approx(num_classes)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_score_lies_between_the_bounds_and_matches_the_definition():
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.full(5, 0.3), size=60)
    mean, _ = inception_score(probabilities, splits=1)
    marginal = probabilities.mean(axis=0)
    kl = (probabilities * np.log(probabilities / marginal)).sum(axis=1)
    assert mean == pytest.approx(np.exp(kl.mean()))
    assert 1.0 < mean < 5.0


def test_streaming_equals_one_shot():
    rng = np.random.default_rng(2)
    probabilities = rng.dirichlet(np.ones(6), size=97)
    running = RunningInceptionScore(splits=3)
    for batch in np.array_split(probabilities, 7):
        running.update(batch)
    np.testing.assert_allclose(
        running.result(), inception_score(probabilities, splits=3)
    )


def test_rejects_non_probabilities():
    with pytest.raises(ValueError, match="row sums range from 2"):
        inception_score(np.ones((10, 2)), splits=1)
    with pytest.raises(ValueError, match="non-empty 2-D"):
        inception_score(np.ones(4), splits=1)
    with pytest.raises(ValueError, match="`splits` must be a positive"):
        inception_score(np.eye(2), splits=0)
    with pytest.raises(ValueError, match="3 samples for 4 splits"):
        inception_score(np.eye(3), splits=4)


def test_probabilities_over_no_classes_are_refused():
    # Before: NumPy's "zero-size array to reduction operation minimum".
    with pytest.raises(
        ValueError,
        match=r"`probabilities` must be a non-empty 2-D array \(num_samples, "
        r"num_classes\); received shape \(20, 0\)\.",
    ):
        inception_score(np.ones((20, 0)), splits=2)
