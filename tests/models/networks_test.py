"""Generator and Discriminator: shapes, ranges, options, serialization."""

import itertools
import re

import keras
import numpy as np
import pytest

from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.models import blocks

TINY = {"filters": 4}


@pytest.mark.parametrize(
    ("image_size", "channels", "upsampling"),
    list(itertools.product([16, 28, 32], [1, 3], blocks.UPSAMPLING_MODES)),
)
def test_generator_shapes_and_range(image_size, channels, upsampling):
    generator = Generator(
        latent_dim=8,
        image_size=image_size,
        channels=channels,
        upsampling=upsampling,
        **TINY,
    )
    # Large latents saturate tanh: the range must still hold.
    latents = np.random.default_rng(0).normal(0, 50, (3, 8)).astype("float32")
    images = keras.ops.convert_to_numpy(generator(latents, training=False))
    assert images.shape == (3, image_size, image_size, channels)
    assert images.min() >= -1.0
    assert images.max() <= 1.0
    assert images.std() > 0


@pytest.mark.parametrize("image_size", [64, 128])
def test_generator_large_sizes(image_size):
    generator = Generator(latent_dim=8, image_size=image_size, filters=2)
    assert generator.output_shape == (None, image_size, image_size, 3)
    # The paper's layout: the projection starts at 4x4.
    assert generator.get_layer("project_reshape").output.shape[1] == 4


@pytest.mark.parametrize(
    ("activation", "normalization"),
    list(itertools.product(blocks.ACTIVATIONS, blocks.NORMALIZATIONS)),
)
def test_generator_options(activation, normalization):
    generator = Generator(
        latent_dim=8,
        image_size=16,
        channels=1,
        activation=activation,
        normalization=normalization,
        **TINY,
    )
    images = generator(np.ones((2, 8), "float32"), training=True)
    assert images.shape == (2, 16, 16, 1)
    names = [layer.name for layer in generator.layers]
    assert ("project_norm" in names) == (normalization in ("batch", "layer"))
    # No normalization ever touches the image stage.
    assert not any(name.startswith("up2_norm") for name in names)


@pytest.mark.parametrize(
    ("downsampling", "normalization", "channels"),
    list(
        itertools.product(
            blocks.DOWNSAMPLING_MODES, blocks.NORMALIZATIONS, [1, 3]
        )
    ),
)
def test_discriminator_shapes(downsampling, normalization, channels):
    discriminator = Discriminator(
        image_size=16,
        channels=channels,
        downsampling=downsampling,
        normalization=normalization,
        dropout=0.3,
        **TINY,
    )
    logits = discriminator(np.zeros((2, 16, 16, channels), "float32"))
    assert logits.shape == (2, 1)
    names = [layer.name for layer in discriminator.layers]
    # The paper leaves the input stage unnormalized.
    assert "down1_norm" not in names
    assert ("down2_norm" in names) == (normalization in ("batch", "layer"))


def test_discriminator_outputs_unbounded_logits():
    discriminator = Discriminator(image_size=16, channels=1, **TINY)
    discriminator.get_layer("logits").bias.assign([25.0])
    logits = discriminator(np.zeros((1, 16, 16, 1), "float32"))
    assert float(logits[0, 0]) > 1.0


@pytest.mark.parametrize(
    ("network", "kwargs", "message"),
    [
        (Generator, {"upsampling": "cubic"}, "Unknown upsampling 'cubic'"),
        (Generator, {"activation": "gelu"}, "Unknown activation 'gelu'"),
        (Generator, {"output_activation": "x"}, "Unknown output_activation"),
        (Generator, {"normalization": "group"}, "Unknown normalization"),
        (Generator, {"latent_dim": 0}, "`latent_dim` must be a positive"),
        (Generator, {"channels": -1}, "`channels` must be a positive"),
        (Generator, {"image_size": 27}, "image_size=27 cannot be reached"),
        (Generator, {"filters": 1.5}, "`filters` must be a positive"),
        (Discriminator, {"downsampling": "max"}, "Unknown downsampling"),
        (Discriminator, {"kernel_size": 0}, "`kernel_size` must be a pos"),
        (
            Discriminator,
            {"dropout": 1.0},
            r"`dropout` must be a number in \[0, 1\)",
        ),
        (Discriminator, {"image_size": 0}, "`image_size` must be a pos"),
    ],
)
def test_invalid_options_raise_clear_errors(network, kwargs, message):
    with pytest.raises(ValueError, match=message):
        network(**kwargs)


@pytest.mark.parametrize("network", [Generator, Discriminator])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # Before: a TypeError from inside Keras's LeakyReLU.
        (
            {"leaky_relu_slope": "0.2"},
            "`leaky_relu_slope` must be a finite number >= 0; received '0.2'.",
        ),
        # Before: accepted, every leaky ReLU then output NaN.
        (
            {"leaky_relu_slope": float("nan")},
            "`leaky_relu_slope` must be a finite number >= 0; received nan.",
        ),
        # Before: accepted as True (batch statistics across replicas).
        (
            {"synchronized_batch_norm": "false"},
            "`synchronized_batch_norm` must be True or False; received "
            "'false'.",
        ),
    ],
)
def test_number_and_bool_options_are_checked(network, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        network(image_size=16, channels=1, **TINY, **kwargs)


@pytest.mark.parametrize("dropout", ["0.5", None])
def test_discriminator_dropout_must_be_a_number(dropout):
    # Before: TypeError: '<=' not supported between 'float' and 'str'.
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"`dropout` must be a number in [0, 1); received {dropout!r}."
        ),
    ):
        Discriminator(image_size=16, channels=1, dropout=dropout, **TINY)


@pytest.mark.parametrize(
    ("network", "kwargs"),
    [
        (
            Generator,
            {
                "latent_dim": 8,
                "image_size": 16,
                "channels": 1,
                "upsampling": "bilinear",
                "activation": "leaky_relu",
                "leaky_relu_slope": 0.1,
                "kernel_size": 3,
            },
        ),
        (
            Discriminator,
            {
                "image_size": 16,
                "channels": 3,
                "downsampling": "avg_pool",
                "normalization": "layer",
                "dropout": 0.25,
                "extra_layers": 1,
            },
        ),
    ],
)
def test_serialization_round_trip(network, kwargs, tmp_path):
    model = network(**kwargs, **TINY)
    config = model.get_config()
    assert network.from_config(config).get_config() == config
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is network
    assert loaded.get_config() == config
    inputs = np.random.default_rng(1).normal(size=(2, *model.input_shape[1:]))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(inputs.astype("float32"))),
        keras.ops.convert_to_numpy(model(inputs.astype("float32"))),
        atol=1e-6,
    )


def test_weights_follow_the_paper_initialisation():
    generator = Generator(latent_dim=100, image_size=32, filters=64)
    kernel = keras.ops.convert_to_numpy(generator.get_layer("up1_conv").kernel)
    assert abs(kernel.mean()) < 1e-3
    assert abs(kernel.std() - 0.02) < 1e-3


@pytest.mark.parametrize("network", [Generator, Discriminator])
def test_dtype_policy_is_used_and_saved(network, tmp_path):
    model = network(image_size=16, filters=4, dtype="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"
    assert (
        model.get_layer(
            "down1_conv" if network is Discriminator else "up1_conv"
        ).compute_dtype
        == "bfloat16"
    )
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.dtype_policy.name == "mixed_bfloat16"
    output = loaded(np.zeros((1, *loaded.input_shape[1:]), "float32"))
    # Images and logits stay float32 for the losses and for export.
    assert output.dtype == "float32"


@pytest.mark.parametrize("extra_layers", [1, 2])
def test_discriminator_extra_layers_keep_the_last_stage(extra_layers):
    """Each extra layer is a stride-1 3x3 convolution at the last stage's
    width and resolution, normalized and activated like a stage."""
    plain = Discriminator(image_size=16, channels=1, **TINY)
    deeper = Discriminator(
        image_size=16, channels=1, extra_layers=extra_layers, **TINY
    )
    last = plain.get_layer("flatten").input.shape
    for layer in range(1, extra_layers + 1):
        conv = deeper.get_layer(f"extra{layer}_conv")
        assert conv.kernel_size == (3, 3)
        assert conv.strides == (1, 1)
        assert conv.output.shape == last
        assert deeper.get_layer(f"extra{layer}_norm")
        assert deeper.get_layer(f"extra{layer}_act")
    names = [layer.name for layer in deeper.layers]
    assert f"extra{extra_layers + 1}_conv" not in names
    assert deeper.get_layer("flatten").input.shape == last
    # Two 3x3 kernels of (filters, filters) more per layer, and the norm's
    # scale and offset: the rest of the network is unchanged.
    filters = last[-1]
    conv_params = 9 * filters * filters + 2 * filters
    trainable = sum(int(np.prod(w.shape)) for w in deeper.trainable_weights)
    trainable_plain = sum(
        int(np.prod(w.shape)) for w in plain.trainable_weights
    )
    assert trainable - trainable_plain == extra_layers * conv_params
    images = np.random.default_rng(0).normal(size=(3, 16, 16, 1))
    assert deeper(images.astype("float32")).shape == (3, 1)


@pytest.mark.parametrize("extra_layers", [-1, 1.5, True, "1"])
def test_discriminator_extra_layers_must_be_a_count(extra_layers):
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"`extra_layers` must be an int >= 0; received {extra_layers!r}."
        ),
    ):
        Discriminator(image_size=16, channels=1, extra_layers=extra_layers)
