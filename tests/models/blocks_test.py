import keras
import pytest

from keras_dcgan.models import blocks


@pytest.mark.parametrize(
    ("image_size", "base_size", "expected"),
    [(28, None, 2), (32, None, 3), (64, None, 4), (128, None, 5), (64, 8, 3)],
)
def test_doubling_steps(image_size, base_size, expected):
    assert blocks.doubling_steps(image_size, base_size) == expected


@pytest.mark.parametrize(("image_size", "base_size"), [(27, None), (30, 4)])
def test_doubling_steps_rejects_unreachable_sizes(image_size, base_size):
    with pytest.raises(ValueError, match=f"image_size={image_size} cannot"):
        blocks.doubling_steps(image_size, base_size)


@pytest.mark.parametrize("bad", [0, -4, 2.5, "64", True])
def test_doubling_steps_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="`image_size` must be a positive"):
        blocks.doubling_steps(bad)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (64, 4, 2, "same", 32),
        (63, 4, 2, "same", 32),
        (64, 4, 2, "valid", 31),
        (28, 5, 1, "valid", 24),
    ],
)
def test_conv_output_size_matches_keras(
    size, kernel, stride, padding, expected
):
    assert blocks.conv_output_size(size, kernel, stride, padding) == expected
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    assert layer.compute_output_shape((1, size, size, 1))[1] == expected


@pytest.mark.parametrize("activation", blocks.ACTIVATIONS)
def test_activation_layer_by_name(activation):
    layer = blocks.activation_layer(activation, leaky_relu_slope=0.1)
    outputs = keras.ops.convert_to_numpy(layer(keras.ops.array([-2.0, 3.0])))
    expected = {
        "relu": [0.0, 3.0],
        "leaky_relu": [-0.2, 3.0],
        "linear": [-2.0, 3.0],
        "tanh": [-0.9640276, 0.9950547],
        "sigmoid": [0.1192029, 0.9525741],
    }[activation]
    assert outputs == pytest.approx(expected, abs=1e-5)


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match=r"Unknown activation 'gelu'.*'relu'"):
        blocks.activation_layer("gelu")


def test_unknown_padding_names_the_choices():
    with pytest.raises(ValueError, match=r"Unknown padding 'full'"):
        blocks.conv_output_size(8, 3, 1, "full")


def test_batch_norm_gamma_follows_the_paper():
    layer = blocks.normalization_layer("batch")
    layer.build((None, 4, 4, 4096))
    gamma = keras.ops.convert_to_numpy(layer.gamma)
    assert abs(gamma.mean() - 1.0) < 0.005
    assert abs(gamma.std() - blocks.WEIGHT_STDDEV) < 0.005


@pytest.mark.parametrize("mode", blocks.UPSAMPLING_MODES)
def test_upsample_block_doubles(mode):
    outputs = blocks.upsample_block(keras.Input((7, 7, 8)), 4, mode=mode)
    assert tuple(outputs.shape) == (None, 14, 14, 4)


@pytest.mark.parametrize("mode", blocks.DOWNSAMPLING_MODES)
def test_downsample_block_halves(mode):
    outputs = blocks.downsample_block(keras.Input((16, 16, 3)), 4, mode=mode)
    assert tuple(outputs.shape) == (None, 8, 8, 4)


def test_unknown_modes_name_the_choices():
    with pytest.raises(ValueError, match=r"Unknown upsampling 'cubic'"):
        blocks.upsample_block(keras.Input((4, 4, 1)), 1, mode="cubic")
    with pytest.raises(ValueError, match=r"Unknown downsampling 'max'"):
        blocks.downsample_block(keras.Input((4, 4, 1)), 1, mode="max")
