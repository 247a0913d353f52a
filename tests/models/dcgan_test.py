"""DCGAN: compile options, generation, saving, determinism and learning."""

import keras
import numpy as np
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.models import presets
from keras_dcgan.sampling import sample_latents

LATENT_DIM = 8


def random_images(count=16, size=16, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (count, size, size, channels)).astype("float32")


def test_from_preset_builds_the_paper_networks():
    gan = DCGAN.from_preset("mnist")
    assert gan.image_shape == (28, 28, 1)
    assert gan.latent_dim == 100
    assert gan.generator.upsampling == "transposed"
    gan = DCGAN.from_preset("celeba64", upsampling="nearest")
    assert gan.image_shape == (64, 64, 3)
    assert gan.generator.upsampling == "nearest"
    assert DCGAN.from_preset("cifar10").image_shape == (32, 32, 3)


def test_from_preset_errors_name_the_choices():
    with pytest.raises(ValueError, match=r"Unknown preset 'lsun'.*'mnist'"):
        DCGAN.from_preset("lsun")
    with pytest.raises(ValueError, match=r"Unknown network option\(s\) \['z'"):
        DCGAN.from_preset("mnist", z=3)


def test_compile_defaults_to_the_paper_adam(tiny_gan):
    gan = tiny_gan()
    gan.compile()
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert optimizer.beta_1 == pytest.approx(0.5)
    assert gan.d_optimizer is not gan.g_optimizer
    assert gan.loss_name == "non_saturating"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "wgan"}, r"Unknown loss 'wgan'; expected one of"),
        ({"loss": "hinge", "label_smoothing": 0.1}, "has no labels"),
        ({"gradient_penalty_weight": -1.0}, "must be a finite number >= 0"),
        ({"discriminator_steps": 0}, "`discriminator_steps` must be a pos"),
        ({"metrics": ["mae"]}, r"does not take \['metrics'\]"),
    ],
)
def test_compile_rejects_bad_options(kwargs, message, tiny_gan):
    with pytest.raises(ValueError, match=message):
        tiny_gan().compile(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # Strings, booleans, NaN and infinities are not numbers here: a
        # string failed in a comparison, True passed as 1, inf made NaN.
        (
            {"r1_weight": float("inf")},
            "`r1_weight` must be a finite number >= 0; received inf.",
        ),
        ({"r1_weight": "1"}, "`r1_weight` must be a finite number >= 0"),
        ({"r1_weight": True}, "`r1_weight` must be a finite number >= 0"),
        (
            {"gradient_penalty_weight": float("nan")},
            "`gradient_penalty_weight` must be a finite number >= 0; "
            "received nan.",
        ),
        (
            {"label_smoothing": "0.1"},
            r"`label_smoothing` must be a number in \[0, 1\); received '0.1'",
        ),
        (
            {"augment": "color", "augment_probability": True},
            r"`augment_probability` must be a number in \[0, 1\] or None",
        ),
        (
            {"augment": "color", "ada_target": "0.6"},
            r"`ada_target` must be a number in \(0, 1\) or None",
        ),
        # Keras reads any truthy value as on.
        (
            {"jit_compile": "false"},
            "`jit_compile` must be True, False or 'auto'; received 'false'.",
        ),
        ({"run_eagerly": "no"}, "`run_eagerly` must be True or False"),
        (
            {"steps_per_execution": 0},
            "`steps_per_execution` must be a positive integer; received 0.",
        ),
        (
            {"learning_rate": 1e-3},
            r"does not take \['learning_rate'\]; .* Set learning rates on "
            "the optimizers",
        ),
    ],
)
def test_compile_rejects_values_of_the_wrong_kind(kwargs, message, tiny_gan):
    with pytest.raises(ValueError, match=message):
        tiny_gan().compile(**kwargs)


def test_compile_rejects_a_shared_optimizer(tiny_gan):
    optimizer = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same object"):
        tiny_gan().compile(d_optimizer=optimizer, g_optimizer=optimizer)


def test_mismatched_networks_are_rejected():
    with pytest.raises(
        ValueError, match=r"makes images of shape \(16, 16, 1\)"
    ):
        DCGAN(
            Generator(latent_dim=8, image_size=16, channels=1, filters=4),
            Discriminator(image_size=16, channels=3, filters=4),
        )


@pytest.mark.parametrize("ema_decay", [1.0, 1.5, 0.0, float("nan"), "0.99"])
def test_ema_decay_must_be_a_fraction(ema_decay, tiny_gan):
    with pytest.raises(
        ValueError,
        match=r"`ema_decay` must be a number in \(0, 1\) or None; received",
    ):
        tiny_gan(ema_decay=ema_decay)


@pytest.mark.parametrize("num_samples", [1, 5, 70])
def test_generate_any_number_of_samples(num_samples, tiny_gan):
    gan = tiny_gan()
    images = gan.generate(num_samples, seed=3, batch_size=32)
    assert images.shape == (num_samples, 16, 16, 1)
    assert images.dtype == np.float32
    assert images.min() >= -1.0
    assert images.max() <= 1.0


def test_generate_is_seeded_and_in_inference_mode(tiny_gan):
    gan = tiny_gan()
    first = gan.generate(4, seed=7)
    np.testing.assert_array_equal(first, gan.generate(4, seed=7))
    assert not np.allclose(first, gan.generate(4, seed=8))
    expected = gan.generator(sample_latents(4, LATENT_DIM, 7), training=False)
    np.testing.assert_allclose(first, expected, atol=1e-6)


def test_generate_rejects_bad_counts(tiny_gan):
    with pytest.raises(ValueError, match="`num_samples` must be a positive"):
        tiny_gan().generate(0)
    with pytest.raises(ValueError, match="`num_samples` must be a positive"):
        tiny_gan().generate(2.0)


def test_generate_counts_numpy_integers_like_ints(tiny_gan):
    gan = tiny_gan()
    images = gan.generate(np.int64(3), seed=1, batch_size=np.int32(2))
    np.testing.assert_array_equal(images, gan.generate(3, seed=1, batch_size=2))


@pytest.mark.parametrize("which", ["generator", "discriminator"])
def test_networks_must_be_keras_models(which):
    networks = {
        "generator": Generator(latent_dim=8, image_size=16, channels=1),
        "discriminator": Discriminator(image_size=16, channels=1),
    }
    networks[which] = None
    with pytest.raises(
        ValueError,
        match=rf"`{which}` must be a Keras model with known inputs and "
        r"outputs, .*; received None\.",
    ):
        DCGAN(networks["generator"], networks["discriminator"])


@pytest.mark.parametrize(
    "loss",
    ["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"],
)
def test_fit_reports_finite_metrics_for_every_loss(loss, tiny_gan):
    gan = tiny_gan()
    gan.compile(
        loss=loss, discriminator_steps=2 if loss == "wasserstein" else 1
    )
    history = gan.fit(random_images(), batch_size=4, epochs=1, verbose=0)
    assert set(history.history) == {
        "d_loss",
        "g_loss",
        "real_prob",
        "fake_prob",
    }
    for values in history.history.values():
        assert np.isfinite(values).all()
    assert 0.0 < history.history["real_prob"][0] < 1.0


def test_fit_accepts_images_with_labels(tiny_gan):
    gan = tiny_gan(num_classes=2)
    gan.compile()
    labels = np.arange(16) % 2
    history = gan.fit(random_images(), labels, batch_size=4, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()


def test_fit_updates_both_networks_and_batch_norm_statistics(tiny_gan):
    gan = tiny_gan()
    gan.compile()
    g_before = [w.copy() for w in gan.generator.get_weights()]
    d_before = [w.copy() for w in gan.discriminator.get_weights()]
    gan.fit(random_images(), batch_size=4, epochs=1, verbose=0)
    for before, after in (
        (g_before, gan.generator.get_weights()),
        (d_before, gan.discriminator.get_weights()),
    ):
        assert all(
            not np.array_equal(b, a) for b, a in zip(before, after, strict=True)
        )


def test_same_seed_same_run(tiny_gan):
    runs = []
    for _ in range(2):
        gan = tiny_gan(seed=5)
        gan.compile()
        history = gan.fit(
            random_images(), batch_size=4, epochs=2, shuffle=False, verbose=0
        )
        runs.append((history.history, gan.generator.get_weights()))
    assert runs[0][0] == runs[1][0]
    for first, second in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_array_equal(first, second)


def test_different_seeds_different_noise(tiny_gan):
    histories = []
    for seed in (1, 2):
        gan = tiny_gan(seed=0)
        gan.seed_generator = keras.random.SeedGenerator(seed)
        gan.compile()
        histories.append(
            gan.fit(random_images(), batch_size=4, shuffle=False, verbose=0)
        )
    assert histories[0].history["g_loss"] != histories[1].history["g_loss"]


def test_ema_generator_tracks_the_generator(tiny_gan):
    gan = tiny_gan(ema_decay=0.5)
    assert gan.sampling_generator is gan.ema_generator
    initial = gan.ema_generator.get_weights()
    gan.compile()
    gan.fit(random_images(), batch_size=4, epochs=1, verbose=0)
    ema, current = gan.ema_generator.get_weights(), gan.generator.get_weights()
    for start, average, now in zip(initial, ema, current, strict=True):
        if not np.array_equal(start, now):
            # Strictly between the start and the current weights.
            assert not np.array_equal(average, now)
            assert not np.array_equal(average, start)
    assert not gan.ema_generator.trainable_weights


@pytest.mark.parametrize("ema_decay", [None, 0.9])
def test_save_load_and_continue_training(tmp_path, ema_decay, tiny_gan):
    gan = tiny_gan(ema_decay=ema_decay)
    gan.compile(loss="hinge", g_optimizer=keras.optimizers.Adam(1e-3))
    images = random_images()
    gan.fit(images, batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)

    loaded = keras.models.load_model(path)
    assert isinstance(loaded, DCGAN)
    assert loaded.loss_name == "hinge"
    assert float(loaded.g_optimizer.learning_rate) == pytest.approx(1e-3)
    np.testing.assert_array_equal(
        loaded.generate(5, seed=1), gan.generate(5, seed=1)
    )
    for optimizer in ("d_optimizer", "g_optimizer"):
        saved = getattr(gan, optimizer).variables
        restored = getattr(loaded, optimizer).variables
        assert int(getattr(loaded, optimizer).iterations) == 4
        for a, b in zip(saved, restored, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        loaded.seed_generator.state.numpy(), gan.seed_generator.state.numpy()
    )

    # Training continues where it stopped: the same next step as the original.
    gan.fit(images, batch_size=4, epochs=1, shuffle=False, verbose=0)
    loaded.fit(images, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 8
    for a, b in zip(
        gan.generator.get_weights(), loaded.generator.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_jit_compile_trains(tiny_gan):
    gan = tiny_gan()
    gan.compile(jit_compile=True, loss="wasserstein")
    history = gan.fit(random_images(), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()


def test_presets_are_documented_configs():
    config = presets.get_preset("fashion_mnist", generator_filters=32)
    assert config.image_size == 28
    assert config.generator_filters == 32
    assert presets.PRESETS["fashion_mnist"].generator_filters == 64
