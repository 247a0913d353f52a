"""benchmarks/conv_cost.py: the layers it times and the arithmetic it counts."""

import pytest
import tensorflow as tf

from keras_dcgan.models import presets
from tests.conftest import load_benchmark


@pytest.fixture(scope="module")
def conv_cost():
    return load_benchmark("conv_cost")


def test_it_finds_every_convolution_of_the_mnist_networks(conv_cost):
    layers = conv_cost.conv_layers(
        presets.get_preset("mnist", discriminator_filters=32)
    )
    shapes = [(layer["input"], layer["output"]) for layer in layers]
    assert shapes == [
        ((7, 7, 128), (14, 14, 64)),
        ((14, 14, 64), (28, 28, 1)),
        ((28, 28, 1), (14, 14, 32)),
        ((14, 14, 32), (7, 7, 64)),
    ]
    assert [layer["transposed"] for layer in layers] == [1, 1, 0, 0]


def test_multiply_adds_count_each_tap_once(conv_cost):
    """A stride-2 transposed convolution does its input's work, not its
    output's: 7x7x128 -> 14x14x64 with 4x4 taps is 7*7*128*64*16, a
    quarter of a direct convolution producing the same 14x14x64."""
    layers = conv_cost.conv_layers(
        presets.get_preset("mnist", discriminator_filters=32)
    )
    macs = [conv_cost.macs_per_image(layer) for layer in layers]
    assert macs == [
        7 * 7 * 128 * 64 * 16,
        14 * 14 * 64 * 1 * 16,
        14 * 14 * 32 * 1 * 16,
        7 * 7 * 64 * 32 * 16,
    ]


def test_both_timed_functions_run_the_layer(conv_cost):
    layer = conv_cost.conv_layers(presets.get_preset("mnist"))[0]
    forward, both = conv_cost.layer_functions(layer, 2)
    x = tf.random.normal([2, *layer["input"]])
    w = tf.random.normal(layer["kernel"])
    assert tuple(forward(x, w).shape) == (2, *layer["output"])
    grad_x, grad_w = both(x, w)
    assert grad_x.shape == x.shape
    assert grad_w.shape == w.shape
    assert float(tf.reduce_max(tf.abs(grad_w))) > 0
