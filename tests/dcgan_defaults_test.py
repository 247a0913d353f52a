"""New training options left unset reproduce the earlier weights exactly.

`tests/golden/dcgan_default_weights.npz` holds the weights of a tiny DCGAN
after four steps, written by the code before augmentation, R1 and the
precision setting existed. With those options at their defaults the same
run must end with the same weights.
"""

import pathlib

import numpy as np
import pytest
from dcgan_test import random_images
from dcgan_test import tiny_gan

GOLDEN = pathlib.Path(__file__).parent / "golden" / "dcgan_default_weights.npz"


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein"])
def test_unset_options_reproduce_the_golden_weights(loss):
    golden = np.load(GOLDEN)
    gan = tiny_gan(seed=0, ema_decay=0.9)
    gan.compile(loss=loss)
    gan.fit(random_images(16), batch_size=4, epochs=1, verbose=0, shuffle=False)
    for net in ("generator", "discriminator", "ema_generator"):
        weights = getattr(gan, net).get_weights()
        for i, weight in enumerate(weights):
            np.testing.assert_allclose(
                weight,
                golden[f"{loss}/{net}/{i}"],
                atol=1e-6,
                err_msg=f"{loss} {net} weight {i}",
            )
