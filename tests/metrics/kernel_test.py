"""Tests of the kernel distance (KID)."""

import numpy as np
import pytest

from keras_dcgan.metrics import kernel_distance
from keras_dcgan.metrics.kernel import polynomial_kernel


def test_kid_is_near_zero_for_one_distribution():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    kid, kid_std = kernel_distance(a, b, num_subsets=20, subset_size=300)
    assert abs(kid) < 3 * kid_std + 1e-3


def test_kid_is_positive_for_different_distributions():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(600, 16)), rng.normal(0.5, 1.0, size=(600, 16))
    kid, kid_std = kernel_distance(a, b, num_subsets=20, subset_size=300)
    assert kid > 10 * kid_std > 0
    # A larger shift is further away.
    far, _ = kernel_distance(a, b + 1.0, num_subsets=20, subset_size=300)
    assert far > kid


def test_kid_estimate_is_unbiased_against_the_exact_mmd():
    # MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y) in closed form for the
    # cubic kernel in 1-D with independent x ~ N(m1, 1), y ~ N(m2, 1):
    # E[(x y + 1)^3] = 1 + 3 E[x]E[y] + 3 E[x^2]E[y^2] + E[x^3]E[y^3].
    def expected_kernel(m1, m2):
        moments = [(1, m, m * m + 1, m**3 + 3 * m) for m in (m1, m2)]
        (_, a1, a2, a3), (_, b1, b2, b3) = moments
        return 1 + 3 * a1 * b1 + 3 * a2 * b2 + a3 * b3

    exact = (
        expected_kernel(0, 0)
        + expected_kernel(1, 1)
        - 2 * expected_kernel(0, 1)
    )
    rng = np.random.default_rng(2)
    a = rng.normal(size=(20000, 1))
    b = rng.normal(1.0, size=(20000, 1))
    kid, _ = kernel_distance(a, b, num_subsets=20, subset_size=1000)
    assert exact == 22  # 4 + 32 - 2 * 7
    assert kid == pytest.approx(exact, rel=0.1)


def test_polynomial_kernel_matches_its_formula():
    x = np.array([[1.0, 2.0]])
    y = np.array([[3.0, -1.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        polynomial_kernel(x, y), [[(1 / 2 + 1) ** 3, 1.0]]
    )


def test_subsets_are_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(100, 4)), rng.normal(size=(100, 4))
    first = kernel_distance(a, b, num_subsets=5, subset_size=50, seed=7)
    second = kernel_distance(a, b, num_subsets=5, subset_size=50, seed=7)
    assert first == second


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_subsets": 0}, "`num_subsets` must be a positive integer"),
        ({"subset_size": 1.5}, "`subset_size` must be a positive integer"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kernel_distance(np.zeros((10, 2)), np.zeros((10, 2)), **kwargs)


def test_rejects_mismatched_features():
    with pytest.raises(ValueError, match="dimensions differ: 2 vs 3"):
        kernel_distance(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="at least 4 samples"):
        kernel_distance(np.zeros((1, 2)), np.zeros((10, 2)))


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_kid_seed_is_checked(seed):
    # Before: NumPy's "expected non-negative integer" or "SeedSequence
    # expects int", naming no argument (`keras-dcgan evaluate --seed=-1`).
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
    with pytest.raises(
        ValueError, match=rf"`seed` must be an int >= 0; received {seed!r}\."
    ):
        kernel_distance(a, b, num_subsets=2, subset_size=5, seed=seed)
