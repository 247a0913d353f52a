"""Generator and Discriminator: shapes, ranges, options, serialization."""

import itertools
import re

import keras
import numpy as np
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.models import blocks

TINY = {"filters": 4}


def _trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


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
                "minibatch_stddev": 2,
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
    added = _trainable_count(deeper) - _trainable_count(plain)
    assert added == extra_layers * conv_params
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


def _group_stddev(images, group_size):
    """The minibatch standard deviation feature, written directly: image i
    joins group i mod (batch / group_size)."""
    groups = len(images) // group_size
    out = np.empty(len(images))
    for group in range(groups):
        members = images[group::groups].astype("float64")
        out[group::groups] = members.std(axis=0).mean()
    return out


@pytest.mark.parametrize(
    ("batch", "group_size", "groups"),
    [(8, 4, 2), (8, 2, 4), (6, 3, 2), (4, 4, 1), (3, 4, 1), (6, 4, 1)],
)
def test_minibatch_stddev_matches_a_direct_computation(
    batch, group_size, groups
):
    """A batch the group size does not divide, or smaller than it, is one
    group (the last two cases)."""
    images = np.random.default_rng(batch).normal(size=(batch, 3, 3, 2))
    layer = blocks.MinibatchStddev(group_size)
    out = keras.ops.convert_to_numpy(layer(images.astype("float32")))
    assert out.shape == (batch, 3, 3, 3)
    np.testing.assert_array_equal(out[..., :2], images.astype("float32"))
    # One constant map per image, one value per group.
    feature = out[..., 2]
    assert np.all(feature == feature[:, :1, :1])
    expected = _group_stddev(images, batch // groups)
    np.testing.assert_allclose(feature[:, 0, 0], expected, rtol=1e-5)
    assert len(np.unique(feature[:, 0, 0])) == groups


def test_minibatch_stddev_couples_only_the_images_of_a_group():
    """The discriminator's logit for an image moves when another image of
    its group changes, and not when an image of another group does."""
    keras.utils.set_random_seed(0)
    discriminator = Discriminator(
        image_size=16, channels=1, minibatch_stddev=2, extra_layers=1, **TINY
    )
    spread = keras.Model(
        discriminator.input,
        discriminator.get_layer("minibatch_stddev").output[..., -1],
    )
    images = np.random.default_rng(0).normal(size=(4, 16, 16, 1))
    images = images.astype("float32")
    changed = images.copy()
    changed[2] *= 3.0  # image 2 is in group {0, 2}; {1, 3} is the other
    spread_before = keras.ops.convert_to_numpy(spread(images))[:, 0, 0]
    spread_after = keras.ops.convert_to_numpy(spread(changed))[:, 0, 0]
    assert spread_after[0] > 1.5 * spread_before[0]
    assert spread_after[0] == spread_after[2]
    np.testing.assert_array_equal(spread_after[[1, 3]], spread_before[[1, 3]])
    # The logits of the untouched group see nothing of the change; image
    # 0's logit does (its own image is the same). The random discriminator's
    # logits are small, so the test asks only that it changed.
    before = keras.ops.convert_to_numpy(discriminator(images))
    after = keras.ops.convert_to_numpy(discriminator(changed))
    assert after[0, 0] != before[0, 0]
    np.testing.assert_array_equal(after[[1, 3]], before[[1, 3]])
    plain = Discriminator(image_size=16, channels=1, extra_layers=1, **TINY)
    plain_before = keras.ops.convert_to_numpy(plain(images))
    plain_after = keras.ops.convert_to_numpy(plain(changed))
    np.testing.assert_array_equal(plain_after[0], plain_before[0])


@pytest.mark.parametrize("extra_layers", [0, 1])
def test_minibatch_stddev_adds_one_map_after_the_last_stage(extra_layers):
    plain = Discriminator(
        image_size=16, channels=1, extra_layers=extra_layers, **TINY
    )
    varied = Discriminator(
        image_size=16,
        channels=1,
        extra_layers=extra_layers,
        minibatch_stddev=4,
        **TINY,
    )
    last = plain.get_layer("down2_act").output.shape
    assert varied.get_layer("minibatch_stddev").output.shape == (
        *last[:-1],
        last[-1] + 1,
    )
    # One more input channel for the next layer: a 3x3 kernel's worth of
    # weights for an extra layer, one weight a position for the dense logit.
    added = 9 * last[-1] if extra_layers else last[1] * last[2]
    assert _trainable_count(varied) - _trainable_count(plain) == added
    assert "minibatch_stddev" not in [layer.name for layer in plain.layers]


def test_minibatch_stddev_keeps_float32_logits_under_mixed_precision():
    discriminator = Discriminator(
        image_size=16, minibatch_stddev=4, dtype="mixed_bfloat16", **TINY
    )
    layer = discriminator.get_layer("minibatch_stddev")
    assert layer.compute_dtype == "bfloat16"
    logits = discriminator(np.ones((4, 16, 16, 3), "float32"))
    assert logits.dtype == "float32"
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(logits)))


@pytest.mark.parametrize("minibatch_stddev", [1, -1, 2.5, True, "4"])
def test_minibatch_stddev_must_be_off_or_a_group(minibatch_stddev):
    with pytest.raises(
        ValueError,
        match=re.escape(
            "`minibatch_stddev` must be 0 (off) or a group size >= 2; "
            f"received {minibatch_stddev!r}."
        ),
    ):
        Discriminator(
            image_size=16, channels=1, minibatch_stddev=minibatch_stddev
        )


@pytest.mark.parametrize("group_size", [1, 0, "2"])
def test_minibatch_stddev_layer_refuses_bad_groups(group_size):
    with pytest.raises(ValueError, match="`group_size` must be"):
        blocks.MinibatchStddev(group_size)


def test_a_dcgan_with_minibatch_stddev_trains_with_r1():
    """R1's gradient of the gradient passes through the group statistic,
    and the generator gets a gradient through it: every kernel moves and
    the losses stay finite."""
    keras.utils.set_random_seed(0)
    generator = Generator(latent_dim=8, image_size=16, channels=1, **TINY)
    discriminator = Discriminator(
        image_size=16, channels=1, minibatch_stddev=4, extra_layers=1, **TINY
    )
    gan = DCGAN(generator, discriminator, seed=0)
    gan.compile(r1_weight=1.0)
    kernels = [
        weight
        for weight in gan.generator.trainable_weights
        + gan.discriminator.trainable_weights
        if "kernel" in weight.path
    ]
    before = [keras.ops.convert_to_numpy(kernel) for kernel in kernels]
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1))
    history = gan.fit(images.astype("float32"), batch_size=8, verbose=0)
    for name in ("d_loss", "g_loss"):
        assert np.isfinite(history.history[name][-1]), name
    for kernel, start in zip(kernels, before, strict=True):
        moved = keras.ops.convert_to_numpy(kernel) - start
        assert np.abs(moved).max() > 0, kernel.path
