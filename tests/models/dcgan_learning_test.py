"""Learning is tested by learning: a tiny DCGAN fits four fixed images.

The target set is four 16x16 binary patterns (half-planes). The measure is
the mean squared distance from each generated sample to its nearest target
image. A generator that has learned nothing stays far from every pattern;
after a few hundred steps its samples must sit much closer to the data than
any untrained generator's do.
"""

import functools

import keras
import numpy as np
import pytest

SIZE = 16
LATENT_DIM = 8


def target_images():
    """Four half-plane patterns in {-1, 1}: left, right, top, bottom."""
    half = np.where(np.arange(SIZE) < SIZE // 2, 1.0, -1.0)
    left = np.tile(half, (SIZE, 1))
    top = left.T
    patterns = np.stack([left, -left, top, -top])[..., None]
    return patterns.astype("float32")


def nearest_target_distance(images, targets):
    """Mean over samples of the MSE to the closest target image."""
    flat_images = images.reshape(len(images), -1)
    flat_targets = targets.reshape(len(targets), -1)
    distances = (
        (flat_images[:, None, :] - flat_targets[None, :, :]) ** 2
    ).mean(axis=-1)
    return float(distances.min(axis=1).mean())


@pytest.fixture
def tiny_gan(tiny_gan):
    """The shared tiny GAN with 16 filters, enough to learn the patterns."""
    return functools.partial(
        tiny_gan, image_size=SIZE, latent_dim=LATENT_DIM, filters=16
    )


@pytest.mark.parametrize(
    ("loss", "normalization", "discriminator_steps", "options"),
    [
        ("non_saturating", "batch", 1, {}),
        ("wasserstein", "layer", 2, {}),
        # Augmented discriminator inputs must not leak into the samples;
        # R1 differentiates through the deeper discriminator (the `mnist`
        # training preset's).
        (
            "non_saturating",
            "batch",
            1,
            {
                "augment": "translation,cutout,color",
                "augment_probability": 0.5,
                "r1_weight": 0.1,
                "network": {"discriminator_extra_layers": 2},
            },
        ),
    ],
)
def test_tiny_dcgan_learns_fixed_images(
    loss, normalization, discriminator_steps, options, tiny_gan
):
    targets = target_images()
    untrained = [
        nearest_target_distance(
            tiny_gan(seed=seed).generate(64, seed=1), targets
        )
        for seed in range(5)
    ]

    compile_options = dict(options)
    network = compile_options.pop("network", {})
    gan = tiny_gan(seed=0, discriminator_normalization=normalization, **network)
    # A higher learning rate than the paper's 2e-4 keeps the test short.
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        loss=loss,
        discriminator_steps=discriminator_steps,
        **compile_options,
    )
    data = np.repeat(targets, 64, axis=0)  # 256 images, 64 of each pattern
    gan.fit(data, batch_size=16, epochs=20, verbose=0)  # 320 steps
    trained = nearest_target_distance(gan.generate(64, seed=1), targets)

    # Untrained generators sit near 0 (tanh of small activations), at MSE
    # ~1 from every pattern; learning must close most of that gap.
    assert min(untrained) > 0.5
    assert trained < 0.5 * min(untrained), (trained, untrained)
