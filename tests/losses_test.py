import numpy as np
import pytest
from keras import ops

from keras_dcgan import losses

REAL = np.array([[2.0], [-1.0], [0.5]], "float32")
FAKE = np.array([[-3.0], [0.0], [1.5]], "float32")


def _bce(logits, label):
    probability = 1 / (1 + np.exp(-logits))
    return -(label * np.log(probability) + (1 - label) * np.log1p(-probability))


def _numpy(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("loss", losses.CROSS_ENTROPY_LOSSES)
def test_cross_entropy_discriminator_loss(loss, smoothing):
    expected = _bce(REAL, 1 - smoothing) + _bce(FAKE, 0.0)
    actual = losses.discriminator_loss(loss, REAL, FAKE, smoothing)
    np.testing.assert_allclose(_numpy(actual), expected[:, 0], rtol=1e-5)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("non_saturating", lambda f: -np.log(1 / (1 + np.exp(-f)))),
        ("minimax", lambda f: np.log(1 - 1 / (1 + np.exp(-f)))),
        ("least_squares", lambda f: 0.5 * (f - 1) ** 2),
        ("hinge", lambda f: -f),
        ("wasserstein", lambda f: -f),
    ],
)
def test_generator_losses(loss, expected):
    actual = losses.generator_loss(loss, FAKE)
    np.testing.assert_allclose(_numpy(actual), expected(FAKE)[:, 0], rtol=1e-5)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("least_squares", 0.5 * (REAL - 1) ** 2 + 0.5 * FAKE**2),
        (
            "hinge",
            np.maximum(0, 1 - REAL) + np.maximum(0, 1 + FAKE),
        ),
        ("wasserstein", FAKE - REAL),
    ],
)
def test_other_discriminator_losses(loss, expected):
    actual = losses.discriminator_loss(loss, REAL, FAKE)
    np.testing.assert_allclose(_numpy(actual), expected[:, 0], rtol=1e-5)


def test_cross_entropy_is_stable_for_large_logits():
    huge = np.array([[1e4]], "float32")
    d_loss = losses.discriminator_loss("non_saturating", huge, -huge)
    g_loss = losses.generator_loss("non_saturating", -huge)
    assert np.isfinite(_numpy(d_loss)).all()
    assert _numpy(g_loss)[0] == pytest.approx(1e4)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match=r"Unknown loss 'wgan'.*'hinge'"):
        losses.generator_loss("wgan", FAKE)


def test_label_smoothing_only_for_cross_entropy():
    with pytest.raises(ValueError, match="loss 'hinge' has no labels"):
        losses.check_loss("hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"must be a number in \[0, 1\)"):
        losses.check_loss("non_saturating", label_smoothing=1.0)
