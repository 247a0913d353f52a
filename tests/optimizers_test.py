"""optimizers.Adam: Keras's Adam with one fused update op per variable."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import optimizers


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(1),
        ]
    )


def _train(optimizer, steps=5):
    """Weights, moments and the op types of a few traced steps."""
    model = _model()
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(8, 6)).astype("float32"))
    y = tf.constant(rng.normal(size=(8, 1)).astype("float32"))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)

    for _ in range(steps):
        step()
    ops = {
        op.type for op in step.get_concrete_function().graph.get_operations()
    }
    state = [v.numpy() for v in optimizer.variables]
    return [w.numpy() for w in model.weights], state, ops


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": 2e-4, "beta_1": 0.5},
        {"learning_rate": 1e-2, "beta_1": 0.0, "beta_2": 0.99},
        {"learning_rate": 1e-3, "epsilon": 1e-3},
    ],
)
def test_matches_keras_adam(kwargs):
    expected = _train(keras.optimizers.Adam(**kwargs))
    got = _train(optimizers.Adam(**kwargs))
    for g, e in zip(got[0] + got[1], expected[0] + expected[1], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    assert "ResourceApplyAdam" in got[2]
    assert "ResourceApplyAdam" not in expected[2]


def test_amsgrad_takes_keras_update():
    expected = _train(keras.optimizers.Adam(1e-2, amsgrad=True))
    got = _train(optimizers.Adam(1e-2, amsgrad=True))
    for g, e in zip(got[0] + got[1], expected[0] + expected[1], strict=True):
        np.testing.assert_array_equal(g, e)
    assert "ResourceApplyAdam" not in got[2]


def test_learning_rate_schedule_and_clipping():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5)
    expected = _train(keras.optimizers.Adam(schedule, clipnorm=0.1))
    got = _train(optimizers.Adam(schedule, clipnorm=0.1))
    for g, e in zip(got[0], expected[0], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


# Two logical CPU devices must be configured before TensorFlow initializes,
# which has happened in a pytest worker: the strategy runs in a child.
_MIRRORED_CHILD = """
import sys
import numpy as np
import tensorflow as tf
import keras
from keras_dcgan import optimizers

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
rng = np.random.default_rng(0)
x = rng.normal(size=(8, 6)).astype("float32")
y = rng.normal(size=(8, 1)).astype("float32")
arrays = {}
for name, cls in (("keras", keras.optimizers.Adam), ("ours", optimizers.Adam)):
    strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
             keras.layers.Dense(1)]
        )
        model.compile(optimizer=cls(1e-2), loss="mse")
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    for index, weight in enumerate(model.weights):
        arrays[f"{name}/{index}"] = weight.numpy()
np.savez(sys.argv[1], **arrays)
"""


def test_mirrored_strategy_matches_keras_adam(tmp_path):
    out = tmp_path / "weights.npz"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", _MIRRORED_CHILD, str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    arrays = np.load(out)
    names = sorted(name for name in arrays.files if name.startswith("ours/"))
    assert len(names) == 4
    for name in names:
        expected = arrays[name.replace("ours/", "keras/")]
        np.testing.assert_allclose(arrays[name], expected, rtol=1e-5, atol=1e-6)
    # Training moved the weights: not two copies of the initial ones.
    assert not np.allclose(arrays["ours/0"], _model().weights[0].numpy())


def test_config_round_trip():
    optimizer = optimizers.Adam(3e-4, beta_1=0.5, beta_2=0.99)
    config = keras.optimizers.serialize(optimizer)
    restored = keras.optimizers.deserialize(config)
    assert type(restored) is optimizers.Adam
    assert restored.get_config() == optimizer.get_config()
