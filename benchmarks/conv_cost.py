r"""What each convolution of a preset costs under XLA, against the CPU's peak.

Times every convolution and transposed convolution of a preset's two
networks on its own, as the training step runs it: compiled with XLA, at the
training batch size, forward alone and forward with both gradients (input
and kernel). Each row gives the best milliseconds of `--calls` calls, the
model GFLOP/s (2 per multiply-add; a stride-2 transposed convolution counts
only the taps that meet an input pixel) and that rate as a share of a large
convolution's rate measured in the same run (celeba64's discriminator
stage 3, 64 x 16x16x128 -> 8x8x256, also under XLA): the physical limit the
small layers of the 28x28 presets are compared with.

Usage:
    python benchmarks/conv_cost.py
    python benchmarks/conv_cost.py --preset=celeba64 --batch_size=64
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

from keras_dcgan.models import presets

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags, defined only when run as a script."""
    flags.DEFINE_string("preset", "mnist", "NetworkConfig preset to time.")
    flags.DEFINE_integer("batch_size", 64, "Images per call.")
    flags.DEFINE_integer("calls", 20, "Timed calls per measurement (best).")
    flags.DEFINE_integer(
        "discriminator_filters",
        32,
        "As the mnist training preset before its deeper discriminator "
        "(docs/quality.md), whose figures docs/performance.md gives.",
    )


def conv_layers(network_config: presets.NetworkConfig) -> list[dict]:
    """The (transposed) convolutions of both networks, with their shapes."""
    generator = network_config.build_generator()
    discriminator = network_config.build_discriminator()
    generator(np.zeros((1, network_config.latent_dim), "float32"))
    size, channels = network_config.image_size, network_config.channels
    discriminator(np.zeros((1, size, size, channels), "float32"))
    layers = []
    for network in (generator, discriminator):
        for layer in network._flatten_layers():
            if not isinstance(
                layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
            ):
                continue
            layers.append(
                {
                    "name": f"{network.name}/{layer.name}",
                    "transposed": isinstance(
                        layer, keras.layers.Conv2DTranspose
                    ),
                    "input": tuple(layer.input.shape[1:]),
                    "output": tuple(layer.output.shape[1:]),
                    "kernel": tuple(layer.kernel.shape),
                    "strides": tuple(layer.strides),
                    "padding": layer.padding.upper(),
                }
            )
    return layers


def macs_per_image(layer: dict) -> float:
    """Multiply-adds of one image's forward pass."""
    kh, kw = layer["kernel"][:2]
    if layer["transposed"]:
        # Each input pixel meets every tap once: H_in W_in C_in C_out k^2.
        h, w, c_in = layer["input"]
        return h * w * c_in * layer["output"][2] * kh * kw
    h, w, c_out = layer["output"]
    return h * w * c_out * layer["input"][2] * kh * kw


def timed(function, *args, calls: int) -> float:
    """Best seconds of `calls` calls after a compiling one."""
    for value in tf.nest.flatten(function(*args)):
        value.numpy()
    best = float("inf")
    for _ in range(calls):
        start = time.perf_counter()
        for value in tf.nest.flatten(function(*args)):
            value.numpy()
        best = min(best, time.perf_counter() - start)
    return best


def layer_functions(layer: dict, batch: int):
    """XLA-compiled `(forward, forward_and_gradients)` of one layer."""
    strides = layer["strides"]
    if layer["transposed"]:
        shape = [batch, *layer["output"]]

        def apply(x, w):
            return tf.nn.conv2d_transpose(
                x, w, shape, strides, layer["padding"]
            )
    else:

        def apply(x, w):
            return tf.nn.conv2d(x, w, strides, layer["padding"])

    @tf.function(jit_compile=True)
    def forward(x, w):
        return apply(x, w)

    @tf.function(jit_compile=True)
    def forward_and_gradients(x, w):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            y = apply(x, w)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, w])

    return forward, forward_and_gradients


def main(argv):
    del argv
    config = presets.get_preset(
        FLAGS.preset, discriminator_filters=FLAGS.discriminator_filters
    )
    batch, calls = FLAGS.batch_size, FLAGS.calls
    peak_layer = {
        "name": "reference: 64 x 16x16x128 -> 8x8x256",
        "transposed": False,
        "input": (16, 16, 128),
        "output": (8, 8, 256),
        "kernel": (4, 4, 128, 256),
        "strides": (2, 2),
        "padding": "SAME",
    }
    rows = []
    for layer in [peak_layer, *conv_layers(config)]:
        x = tf.random.normal([batch, *layer["input"]])
        w = tf.random.normal(layer["kernel"]) * 0.02
        forward, both = layer_functions(layer, batch)
        flops = 2 * macs_per_image(layer) * batch
        seconds = timed(forward, x, w, calls=calls)
        seconds_both = timed(both, x, w, calls=calls)
        rows.append(
            (
                layer["name"],
                seconds * 1e3,
                flops / seconds / 1e9,
                seconds_both * 1e3,
                3 * flops / seconds_both / 1e9,
            )
        )
    peak = rows[0][2]
    print(f"{FLAGS.preset} networks, batch {batch}, XLA, best of {calls} calls")
    header = (
        f"{'layer':40s} {'fwd ms':>8s} {'GFLOP/s':>8s} {'of peak':>8s}"
        f" {'fwd+grads ms':>13s} {'GFLOP/s':>8s} {'of peak':>8s}"
    )
    print(header)
    for name, ms, rate, ms_both, rate_both in rows:
        print(
            f"{name:40s} {ms:8.2f} {rate:8.1f} {rate / peak:8.0%}"
            f" {ms_both:13.2f} {rate_both:8.1f} {rate_both / peak:8.0%}"
        )


if __name__ == "__main__":
    define_flags()
    app.run(main)
