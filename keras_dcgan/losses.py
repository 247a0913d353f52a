"""GAN losses on discriminator logits, one value per example.

Every function returns per-example losses of shape `(batch,)`; the train step
averages them over the *global* batch, which keeps gradients correct under a
distribution strategy (see `DCGAN.train_step`).

| name             | discriminator                       | generator         |
|------------------|-------------------------------------|-------------------|
| `non_saturating` | -log D(x) - log(1 - D(G(z)))        | -log D(G(z))      |
| `minimax`        | same                                | log(1 - D(G(z)))  |
| `least_squares`  | (d(x) - 1)^2 / 2 + d(G(z))^2 / 2    | (d(G(z)) - 1)^2/2 |
| `hinge`          | relu(1 - d(x)) + relu(1 + d(G(z)))  | -d(G(z))          |
| `wasserstein`    | d(G(z)) - d(x) (+ gradient penalty) | -d(G(z))          |

Here d is the logit and D = sigmoid(d).

Reference:
    Goodfellow et al., "Generative Adversarial Nets", 2014 (minimax and
    non-saturating). Mao et al., "Least Squares Generative Adversarial
    Networks", 2017. Lim and Ye, "Geometric GAN", 2017 (hinge). Gulrajani et
    al., "Improved Training of Wasserstein GANs", 2017 (gradient penalty).
"""

from keras import ops

from keras_dcgan.checks import check_choice
from keras_dcgan.options import CROSS_ENTROPY_LOSSES
from keras_dcgan.options import LOSSES
from keras_dcgan.options import check_loss


def _flat(logits):
    return ops.reshape(ops.cast(logits, "float32"), (-1,))


def discriminator_loss(
    loss: str, real_logits, fake_logits, label_smoothing: float = 0.0
):
    """Per-example discriminator loss.

    Args:
        loss: str. One of `LOSSES`.
        real_logits: tensor. Discriminator logits on real images, `(batch, 1)`.
        fake_logits: tensor. Logits on generated images, `(batch, 1)`.
        label_smoothing: float. One-sided label smoothing: real images are
            labelled `1 - label_smoothing` (Salimans et al., 2016). Only for
            the cross-entropy losses. Defaults to 0.

    Returns:
        A `(batch,)` tensor. For `"wasserstein"` the gradient penalty is
        added separately by the train step.

    Example:
    >>> real, fake = ops.ones((4, 1)), -ops.ones((4, 1))
    >>> tuple(discriminator_loss("hinge", real, fake).shape)
    (4,)
    """
    check_loss(loss, label_smoothing)
    real, fake = _flat(real_logits), _flat(fake_logits)
    if loss in CROSS_ENTROPY_LOSSES:
        # Binary cross-entropy with logits: -log sigmoid(d) = softplus(-d).
        real_label = 1.0 - label_smoothing
        real_term = real_label * ops.softplus(-real) + (
            1.0 - real_label
        ) * ops.softplus(real)
        return real_term + ops.softplus(fake)
    if loss == "least_squares":
        return 0.5 * ops.square(real - 1.0) + 0.5 * ops.square(fake)
    if loss == "hinge":
        return ops.relu(1.0 - real) + ops.relu(1.0 + fake)
    return fake - real  # wasserstein


def generator_loss(loss: str, fake_logits):
    """Per-example generator loss.

    Args:
        loss: str. One of `LOSSES`.
        fake_logits: tensor. Discriminator logits on generated images,
            `(batch, 1)`.

    Returns:
        A `(batch,)` tensor.

    Example:
    >>> tuple(generator_loss("non_saturating", ops.zeros((4, 1))).shape)
    (4,)
    """
    check_choice("loss", loss, LOSSES)
    fake = _flat(fake_logits)
    if loss == "non_saturating":
        return ops.softplus(-fake)
    if loss == "minimax":
        # log(1 - sigmoid(d)) = -softplus(d); the generator minimises it.
        return -ops.softplus(fake)
    if loss == "least_squares":
        return 0.5 * ops.square(fake - 1.0)
    return -fake  # hinge and wasserstein
