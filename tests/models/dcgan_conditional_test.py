"""Conditional DCGAN: training on (images, labels), generating by class."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_dcgan import DCGAN
from keras_dcgan.models.discriminator import Discriminator
from keras_dcgan.models.generator import Generator
from keras_dcgan.training import get_train_config
from keras_dcgan.training import train
from keras_dcgan.training.trainer import load_examples

NUM_CLASSES = 4


def patterns(num_images, seed=0):
    """Four clearly distinct 16x16 classes: a bright top, bottom, left or
    right half, with a little noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_CLASSES, num_images).astype("int32")
    images = np.full((num_images, 16, 16, 1), -1.0, np.float32)
    halves = [
        np.s_[:8, :],
        np.s_[8:, :],
        np.s_[:, :8],
        np.s_[:, 8:],
    ]
    for image, label in zip(images, labels, strict=True):
        image[halves[label]] = 1.0
    images += rng.normal(0, 0.1, images.shape).astype(np.float32)
    return np.clip(images, -1, 1), labels


@pytest.fixture
def tiny_gan(tiny_gan):
    """The shared tiny GAN, conditional, with 8 filters (the class recovery
    rates below were measured with them)."""
    return functools.partial(tiny_gan, num_classes=NUM_CLASSES, filters=8)


@pytest.mark.parametrize("conditioning", ["projection", "channels"])
def test_generates_the_class_it_is_asked_for(conditioning, tiny_gan):
    # Learning tested by learning: after 200 steps, the nearest class mean
    # of the training data recovers the requested class of generated
    # images far above chance (1 in 4). Measured: projection 0.99,
    # channels 0.78 at 150 steps.
    images, labels = patterns(200 * 16)
    gan = tiny_gan(conditioning=conditioning)
    gan.compile()
    gan.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    means = np.stack([images[labels == k].mean(0) for k in range(4)])
    requested = np.repeat(np.arange(NUM_CLASSES), 25)
    fakes = gan.generate(len(requested), labels=requested, seed=1)
    distances = ((fakes[:, None] - means[None]) ** 2).sum(axis=(2, 3, 4))
    accuracy = np.mean(distances.argmin(axis=1) == requested)
    assert accuracy >= 0.6, accuracy


def test_trains_on_label_datasets_with_every_loss_path(tiny_gan):
    images, labels = patterns(8)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    gan = tiny_gan(ema_decay=0.9)
    gan.compile(loss="wasserstein", discriminator_steps=2)
    history = gan.fit(dataset, epochs=1, verbose=0, shuffle=False)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert gan.g_optimizer.iterations.numpy() == 2


def test_training_without_labels_fails_clearly(tiny_gan):
    gan = tiny_gan()
    gan.compile()
    images, _ = patterns(4)
    with pytest.raises(ValueError, match="trains on \\(images, labels\\)"):
        gan.fit(images, batch_size=4, epochs=1, verbose=0)


def test_fake_labels_are_uniform_over_the_classes(tiny_gan):
    gan = tiny_gan()
    size = tf.constant(4000)
    labels = gan._fake_labels(gan._batch_position(size)).numpy()
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    assert labels.dtype == np.int32
    assert len(counts) == NUM_CLASSES
    assert counts.min() > 900, counts
    assert counts.max() < 1100, counts
    # The unconditional model draws no labels (and no extra noise).
    unconditional = tiny_gan(num_classes=None)
    assert unconditional._fake_labels(gan._batch_position(size)) is None


def test_generate_takes_one_class_or_one_per_image(tiny_gan):
    gan = tiny_gan()
    one = gan.generate(3, labels=2, seed=5)
    each = gan.generate(3, labels=[2, 2, 2], seed=5)
    np.testing.assert_array_equal(one, each)
    other = gan.generate(3, labels=[0, 1, 3], seed=5)
    assert one.shape == other.shape == (3, 16, 16, 1)
    assert not np.allclose(one, other, rtol=1e-2, atol=0)
    # The same as calling the generator with the documented latents.
    from keras_dcgan.sampling import sample_latents

    direct = gan.generator.predict(
        [sample_latents(3, 8, 5), np.array([0, 1, 3], "int32")], verbose=0
    )
    np.testing.assert_allclose(other, direct, rtol=1e-6)


def test_generate_without_labels_draws_them_from_the_seed(tiny_gan):
    from keras_dcgan.sampling import sample_labels

    gan = tiny_gan()
    np.testing.assert_array_equal(
        gan.generate(6, seed=3), gan.generate(6, seed=3)
    )
    expected = gan.generate(6, labels=sample_labels(6, NUM_CLASSES, 3), seed=3)
    np.testing.assert_array_equal(gan.generate(6, seed=3), expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": 4}, r"class ids in \[0, 4\); received \[4\]"),
        ({"labels": [0, 1]}, "Expected 3 labels"),
    ],
)
def test_generate_rejects_bad_labels(kwargs, message, tiny_gan):
    with pytest.raises(ValueError, match=message):
        tiny_gan().generate(3, **kwargs)


def test_unconditional_generate_rejects_labels(tiny_gan):
    gan = tiny_gan(num_classes=None)
    with pytest.raises(ValueError, match=r"unconditional .* takes no `labels`"):
        gan.generate(2, labels=1)


@pytest.mark.parametrize(
    ("generator_classes", "discriminator_classes", "message"),
    [
        (3, None, "One network is class-conditional and the other is not"),
        (None, 3, "One network is class-conditional and the other is not"),
        (3, 4, "num_classes=3 but the discriminator 4"),
    ],
)
def test_networks_must_agree_on_the_classes(
    generator_classes, discriminator_classes, message
):
    with pytest.raises(ValueError, match=message):
        DCGAN(
            Generator(8, 16, 1, 4, num_classes=generator_classes),
            Discriminator(16, 1, 4, num_classes=discriminator_classes),
        )


def test_save_and_load_keeps_the_conditional_model(tmp_path, tiny_gan):
    images, labels = patterns(4)
    gan = tiny_gan(conditioning="channels", ema_decay=0.9)
    gan.compile()
    gan.fit(images, labels, batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.num_classes == NUM_CLASSES
    assert loaded.discriminator.conditioning == "channels"
    np.testing.assert_allclose(
        loaded.generate(4, labels=[0, 1, 2, 3], seed=2),
        gan.generate(4, labels=[0, 1, 2, 3], seed=2),
        rtol=1e-6,
    )


def _tiny_config(**network):
    return get_train_config(
        "mnist",
        batch_size=4,
        epochs=1,
        tensorboard=True,
        num_samples=9,
        network={
            "image_size": 16,
            "latent_dim": 8,
            "generator_filters": 4,
            "discriminator_filters": 4,
            **network,
        },
    )


def test_train_writes_a_grid_with_one_class_per_row(tmp_path):
    images, labels = patterns(8)
    examples = tf.data.Dataset.from_tensor_slices((images, labels))
    config = _tiny_config(num_classes=NUM_CLASSES)
    gan = train(config, str(tmp_path), dataset=examples, verbose=0)
    assert gan.num_classes == NUM_CLASSES
    (grid_path,) = (tmp_path / "samples").glob("step-*.png")
    grid = np.asarray(Image.open(grid_path))
    # 9 samples // 4 classes: 4 rows of 2 images of 16 pixels, 2 padding,
    # enlarged by a whole factor (nearest neighbour) for viewing.
    height, width = 4 * 18 + 2, 2 * 18 + 2
    factor = grid.shape[0] // height
    assert factor >= 1
    assert grid.shape[:2] == (factor * height, factor * width)


def test_train_refuses_conditional_networks_without_labels(tmp_path):
    images, _ = patterns(8)
    config = _tiny_config(num_classes=NUM_CLASSES)
    with pytest.raises(ValueError, match="the training data has no labels"):
        train(
            config,
            str(tmp_path),
            dataset=tf.data.Dataset.from_tensor_slices(images),
            verbose=0,
        )


def test_load_examples_checks_the_dataset_classes():
    config = _tiny_config(num_classes=3).replace(dataset="mnist-sample")
    with pytest.raises(
        ValueError, match="conditional on 3 classes but 'mnist-sample' has 10"
    ):
        load_examples(config)
    config = _tiny_config(num_classes=10, image_size=28).replace(
        dataset="mnist-sample"
    )
    examples, num_examples = load_examples(config)
    image, label = next(iter(examples))
    assert image.shape == (28, 28, 1)
    assert label.dtype == tf.int32
    assert num_examples == 10_000


def test_evaluation_batches_are_generate_with_seeded_labels(tiny_gan):
    from keras_dcgan.metrics import generated_batches

    gan = tiny_gan()
    batches = list(generated_batches(gan, 5, seed=4, batch_size=2))
    np.testing.assert_allclose(
        np.concatenate(batches), gan.generate(5, seed=4), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("conditioning", ["projection", "channels"])
def test_mixed_float16_conditional_training(conditioning, tiny_gan):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        gan = tiny_gan(conditioning=conditioning)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    gan.compile(loss="wasserstein")
    images, labels = patterns(8)
    history = gan.fit(images, labels, batch_size=4, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values).all(), name
    logits = gan.discriminator([images[:2], labels[:2]])
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert gan.generate(2, labels=1, seed=0).dtype == np.float32


# Slow (65 s): the default suite checks exact resumes of unconditional
# runs (tests/training/resume_test.py).
@pytest.mark.slow
def test_a_resumed_conditional_run_equals_an_uninterrupted_one(tmp_path):
    # The fakes' labels come from the saved noise seed and the real labels
    # from the seeded data order, so resuming changes nothing.
    images, labels = patterns(8)

    def examples():
        return tf.data.Dataset.from_tensor_slices((images, labels))

    config = _tiny_config(num_classes=NUM_CLASSES).replace(
        epochs=2, tensorboard=False
    )
    whole = train(
        config, str(tmp_path / "whole"), dataset=examples(), verbose=0
    )
    parts = str(tmp_path / "parts")
    train(config.replace(epochs=1), parts, dataset=examples(), verbose=0)
    resumed = train(config, parts, dataset=examples(), verbose=0)
    assert int(resumed.g_optimizer.iterations) == 4
    for a, b in zip(whole.variables, resumed.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
