"""blocks.LeakyReLU: Keras's leaky ReLU, back-propagated from its output."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.models import blocks
from keras_dcgan.models import discriminator as discriminator_lib


def _values(dtype):
    """Inputs with both signs, zeros, signed zeros and large magnitudes."""
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 2.0, (4, 6, 6, 8)).astype("float32")
    x[0, 0, 0, :4] = [0.0, -0.0, 1e30, -1e30]
    return tf.cast(tf.constant(x), dtype)


def _train_once(layer, x, upstream):
    """Output, input gradient, and a second-order gradient through it.

    The second order is taken with respect to `upstream` (a variable, so
    the outer tape watches it), which runs through `LeakyReluGrad`'s own
    gradient as R1's penalty does.
    """

    @tf.function
    def step(x):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
                loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
            dx = tape.gradient(loss, x)
            # d(penalty)/dx: LeakyReluGrad's own gradient (R1's path).
            penalty = tf.reduce_sum(tf.cast(dx, tf.float32) * upstream)
        return y, dx, outer.gradient(penalty, upstream)

    return [np.asarray(tf.cast(t, tf.float32)) for t in step(x)], step


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5])
def test_training_is_bit_equal_to_keras(dtype, slope):
    x = _values(dtype)
    upstream = tf.Variable(
        np.random.default_rng(1).normal(size=x.shape).astype("float32")
    )
    keras_layer = keras.layers.LeakyReLU(negative_slope=slope, dtype=dtype)
    ours = blocks.LeakyReLU(negative_slope=slope, dtype=dtype)
    (want, _), (got, _) = (
        _train_once(keras_layer, x, upstream),
        _train_once(ours, x, upstream),
    )
    names = ["output", "d/dx", "second order"]
    for name, w, g in zip(names, want, got, strict=True):
        np.testing.assert_array_equal(g, w, err_msg=name)


def test_the_gradient_reads_the_output_not_the_input():
    # What lets TensorFlow fuse convolution, bias and activation in training:
    # the pre-activation must feed nothing but the activation.
    x = _values("float32")
    upstream = tf.Variable(tf.ones_like(x))
    _, step = _train_once(blocks.LeakyReLU(negative_slope=0.2), x, upstream)
    graph = step.get_concrete_function(x).graph
    (forward,) = [op for op in graph.get_operations() if op.type == "LeakyRelu"]
    grads = [op for op in graph.get_operations() if op.type == "LeakyReluGrad"]
    assert grads
    pre_activation = forward.inputs[0]
    for op in grads:
        features = op.inputs[1]
        # Through custom_gradient's IdentityN, to the forward op's output.
        while features.op.type in ("IdentityN", "Identity"):
            features = features.op.inputs[features.value_index]
        assert features is not pre_activation
        assert features.op is forward


def test_keras_gradient_reads_the_input():
    # The control for the test above: Keras's layer keeps the input alive.
    x = _values("float32")
    upstream = tf.Variable(tf.ones_like(x))
    layer = keras.layers.LeakyReLU(negative_slope=0.2)
    _, step = _train_once(layer, x, upstream)
    graph = step.get_concrete_function(x).graph
    (forward,) = [op for op in graph.get_operations() if op.type == "LeakyRelu"]
    (grad, *_) = [
        op for op in graph.get_operations() if op.type == "LeakyReluGrad"
    ]
    assert grad.inputs[1] is forward.inputs[0]


def test_inference_is_keras_own_path():
    layer = blocks.LeakyReLU(negative_slope=0.2)

    @tf.function
    def infer(x):
        return layer(x, training=False)

    x = _values("float32")
    graph = infer.get_concrete_function(x).graph
    ops = {op.type for op in graph.get_operations()}
    assert "IdentityN" not in ops  # no custom gradient in exported graphs
    np.testing.assert_array_equal(
        infer(x), keras.layers.LeakyReLU(negative_slope=0.2)(x)
    )


def test_config_round_trip_and_saving(tmp_path):
    layer = blocks.LeakyReLU(negative_slope=0.1, name="act")
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(clone) is blocks.LeakyReLU
    assert clone.negative_slope == pytest.approx(0.1)
    model = keras.Sequential([keras.Input((3,)), layer])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.layers[-1]) is blocks.LeakyReLU
    x = np.array([[-1.0, 0.0, 2.0]], "float32")
    np.testing.assert_allclose(loaded(x), [[-0.1, 0.0, 2.0]])


def test_negative_slopes_are_refused_by_name():
    with pytest.raises(ValueError, match=r"negative_slope=-0\.1"):
        blocks.LeakyReLU(negative_slope=-0.1)


def test_the_discriminator_uses_it():
    network = discriminator_lib.Discriminator(image_size=28, channels=1)
    kinds = {type(layer) for layer in network.layers}
    assert blocks.LeakyReLU in kinds
    assert keras.layers.LeakyReLU not in kinds
    assert blocks.activation_layer("leaky_relu").__class__ is blocks.LeakyReLU
