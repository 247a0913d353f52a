"""Class-conditional generator and discriminator: inputs, labels, configs."""

import keras
import numpy as np
import pytest

from keras_dcgan import sampling
from keras_dcgan.models import conditioning
from keras_dcgan.models.discriminator import Discriminator
from keras_dcgan.models.generator import Generator
from keras_dcgan.models.presets import get_preset


def _latents(n=4):
    return np.random.default_rng(0).standard_normal((n, 8)).astype("float32")


def _images(n=4):
    rng = np.random.default_rng(1)
    return rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32")


@pytest.mark.parametrize("label_embedding_dim", [None, 5])
def test_generator_takes_latents_and_labels(label_embedding_dim):
    generator = Generator(
        8, 16, 1, 4, num_classes=3, label_embedding_dim=label_embedding_dim
    )
    assert [i.name for i in generator.inputs] == ["latents", "labels"]
    assert conditioning.is_conditional(generator)
    latents = np.repeat(_latents(1), 3, axis=0)
    images = generator(
        [latents, np.array([0, 1, 2], "int32")], training=False
    ).numpy()
    assert images.shape == (3, 16, 16, 1)
    # The same latent gives a different image for each class: the label
    # reaches the output. (Untrained batch norm makes tiny images, so the
    # comparison is relative.)
    assert not np.allclose(images[0], images[1], rtol=1e-2, atol=0)
    assert not np.allclose(images[1], images[2], rtol=1e-2, atol=0)


def test_generator_label_encoding_layers():
    onehot = Generator(8, 16, 1, 4, num_classes=3)
    assert onehot.get_layer("label_onehot") is not None
    embedded = Generator(8, 16, 1, 4, num_classes=3, label_embedding_dim=6)
    table = embedded.get_layer("label_embedding").embeddings
    assert tuple(table.shape) == (3, 6)
    # The projection sees latent_dim + encoding inputs.
    kernel = embedded.get_layer("project").kernel
    assert kernel.shape[0] == 8 + 6
    assert onehot.get_layer("project").kernel.shape[0] == 8 + 3


@pytest.mark.parametrize("conditioning_mode", ["projection", "channels"])
def test_discriminator_judges_images_with_labels(conditioning_mode):
    discriminator = Discriminator(
        16, 1, 4, num_classes=3, conditioning=conditioning_mode
    )
    assert [i.name for i in discriminator.inputs] == ["images", "labels"]
    images = np.repeat(_images(1), 3, axis=0)
    logits = discriminator(
        [images, np.array([0, 1, 2], "int32")], training=False
    ).numpy()
    assert logits.shape == (3, 1)
    assert logits.dtype == np.float32
    # One image, three labels, three different judgments.
    assert len(np.unique(np.round(logits, 6))) == 3


def test_projection_logit_is_dense_plus_inner_product():
    discriminator = Discriminator(16, 1, 4, num_classes=3)
    images, labels = _images(2), np.array([2, 0], "int32")
    features = keras.Model(
        discriminator.inputs, discriminator.get_layer("flatten").output
    )([images, labels]).numpy()
    dense = discriminator.get_layer("logits")
    table = discriminator.get_layer("label_projection").embeddings.numpy()
    expected = (
        features @ dense.kernel.numpy()
        + dense.bias.numpy()
        + np.sum(table[labels] * features, axis=1, keepdims=True)
    )
    np.testing.assert_allclose(
        discriminator([images, labels]).numpy(), expected, rtol=1e-4, atol=1e-5
    )


def test_channels_discriminator_sees_one_hot_label_maps():
    discriminator = Discriminator(
        16, 1, 4, num_classes=3, conditioning="channels"
    )
    stacked = keras.Model(
        discriminator.inputs,
        discriminator.get_layer("images_and_label").output,
    )([_images(2), np.array([2, 0], "int32")]).numpy()
    assert stacked.shape == (2, 16, 16, 4)
    # Every pixel of example 0 carries label 2, of example 1 label 0.
    np.testing.assert_array_equal(
        stacked[0, :, :, 1:], np.broadcast_to([0.0, 0.0, 1.0], (16, 16, 3))
    )
    np.testing.assert_array_equal(
        stacked[1, :, :, 1:], np.broadcast_to([1.0, 0.0, 0.0], (16, 16, 3))
    )
    np.testing.assert_allclose(stacked[..., :1], _images(2))


@pytest.mark.parametrize(
    ("network", "kwargs"),
    [
        (Generator, {"latent_dim": 8, "num_classes": 4}),
        (
            Generator,
            {"latent_dim": 8, "num_classes": 4, "label_embedding_dim": 3},
        ),
        (Discriminator, {"num_classes": 4}),
        (Discriminator, {"num_classes": 4, "conditioning": "channels"}),
    ],
)
def test_conditional_serialization_round_trip(network, kwargs, tmp_path):
    model = network(image_size=16, channels=1, filters=4, **kwargs)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is network
    assert loaded.get_config() == model.get_config()
    labels = np.array([3, 0, 1, 2], "int32")
    first = _latents() if network is Generator else _images()
    np.testing.assert_allclose(
        loaded([first, labels], training=False).numpy(),
        model([first, labels], training=False).numpy(),
        rtol=1e-6,
    )


def test_unconditional_networks_are_unchanged():
    generator = Generator(8, 16, 1, 4)
    discriminator = Discriminator(16, 1, 4)
    assert [i.name for i in generator.inputs] == ["latents"]
    assert [i.name for i in discriminator.inputs] == ["images"]
    assert generator.get_config()["num_classes"] is None
    assert not conditioning.is_conditional(generator)
    assert not conditioning.is_conditional(discriminator)


@pytest.mark.parametrize(
    ("network", "kwargs", "message"),
    [
        (Generator, {"num_classes": 1}, "`num_classes` must be None .* >= 2"),
        (Generator, {"num_classes": 2.5}, "received 2.5"),
        (
            Generator,
            {"num_classes": 3, "label_embedding_dim": 0},
            "label_embedding_dim",
        ),
        (Discriminator, {"num_classes": True}, "received True"),
        (
            Discriminator,
            {"num_classes": 3, "conditioning": "concat"},
            "Unknown conditioning 'concat'",
        ),
    ],
)
def test_bad_conditioning_options_raise_clear_errors(network, kwargs, message):
    with pytest.raises(ValueError, match=message):
        network(image_size=16, channels=1, filters=4, **kwargs)


def test_preset_builds_conditional_networks():
    config = get_preset(
        "mnist",
        image_size=16,
        latent_dim=8,
        generator_filters=4,
        discriminator_filters=4,
        num_classes=5,
        label_embedding_dim=4,
        conditioning="channels",
    )
    generator = config.build_generator()
    discriminator = config.build_discriminator()
    assert generator.num_classes == discriminator.num_classes == 5
    assert generator.label_embedding_dim == 4
    assert discriminator.conditioning == "channels"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 3], r"class ids in \[0, 3\); received \[3\]"),
        ([0, -1], r"received \[-1\]"),
        ([0, 1, 2], "Expected 2 labels"),
        ([0.5, 1.0], "must be an int or a 1-D array of ints"),
        ([[0, 1]], "must be an int or a 1-D array of ints"),
    ],
)
def test_check_labels_names_the_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        conditioning.check_labels(labels, num_classes=3, num_samples=2)


def test_check_labels_and_class_grid_labels():
    np.testing.assert_array_equal(
        conditioning.check_labels(2, num_classes=3, num_samples=3), [2, 2, 2]
    )
    np.testing.assert_array_equal(
        sampling.class_grid_labels(2, 3), [0, 0, 0, 1, 1, 1]
    )
