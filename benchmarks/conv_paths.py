r"""oneDNN's convolution kernels against keras_dcgan's matrix-product paths.

`keras_dcgan.models.convolution` trains some layers through matrix products
where those measured faster than TensorFlow's oneDNN kernels on a CPU:

- the kernel gradient of a strided convolution (`strided_filter_grad`, in
  bfloat16, where `uses_matmul_filter_grad` holds), against
  `Conv2DBackpropFilter`;
- a transposed convolution to a few channels (`strided_conv_transpose`,
  float32 and bfloat16, where `uses_matmul_conv_transpose` holds), against
  `Conv2DBackpropInput` (what `tf.nn.conv2d_transpose` runs).

For the 4x4 stride-2 layers of the `mnist` (28x28) and `celeba64` (64x64)
networks, and shapes on either side of the rules, this times both ways of
each op alone: `--calls` calls in one `tf.function`, best of `--repeats`,
milliseconds per call. The table gives both times, their ratio (above 1:
the matrix products are faster) and whether the rule takes the matrix
products for that shape, so a CPU where the rule picks the slower side
shows at once.

Usage:
    python benchmarks/conv_paths.py
    python benchmarks/conv_paths.py --precisions=bfloat16 --batch_size=64
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras
import tensorflow as tf
from absl import app
from absl import flags

from keras_dcgan.models import convolution

FLAGS = flags.FLAGS

# (input height, input channels, output channels) of 4x4 stride-2 "same"
# convolutions, each with where it comes from.
FILTER_GRAD_SHAPES = [
    (8, 256, 512, "celeba64 D stage 4, G stage 1"),
    (16, 128, 256, "celeba64 D stage 3, G stage 2"),
    (32, 64, 128, "celeba64 D stage 2, G stage 3"),
    (14, 64, 128, "mnist D stage 2, G stage 1"),
    (14, 32, 64, "512 values a window"),
    (28, 1, 64, "mnist D stage 1, G image layer"),
]
# (input height, input channels, output channels) of 4x4 stride-2 "same"
# transposed convolutions.
TRANSPOSE_SHAPES = [
    (14, 64, 1, "mnist G image layer, D stage 1 input gradient"),
    (32, 64, 3, "celeba64 G image layer, D stage 1 input gradient"),
    (14, 64, 4, "4 channels"),
    (14, 64, 8, "8 channels"),
    (7, 128, 64, "mnist G stage 1"),
]


def define_flags() -> None:
    """The command-line flags, defined only when run as a script."""
    flags.DEFINE_list(
        "precisions", ["float32", "bfloat16"], "Compute dtypes to time."
    )
    flags.DEFINE_integer("batch_size", 64, "Images per call.")
    flags.DEFINE_integer("calls", 10, "Calls per timed function.")
    flags.DEFINE_integer("repeats", 5, "Timed runs per function (best).")


def best_ms(function, *args) -> float:
    """Milliseconds per call: best of `--repeats` runs of `--calls`."""
    function(*args).numpy()
    best = float("inf")
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        function(*args).numpy()
        best = min(best, time.perf_counter() - start)
    return best / FLAGS.calls * 1e3


def repeated(op):
    """`op` called `--calls` times on distinct inputs, summed, traced."""

    @tf.function
    def function(x, y):
        return tf.add_n(
            [op(x * tf.cast(i + 1, x.dtype), y) for i in range(FLAGS.calls)]
        )

    return function


def compare(onednn_op, matmul_op, rule, layer, input_shape, *args):
    """(oneDNN ms, matrix products ms, whether `rule` takes the products)."""
    return (
        best_ms(repeated(onednn_op), *args),
        best_ms(repeated(matmul_op), *args),
        rule(layer, input_shape),
    )


def filter_grad_row(height, channels, filters, dtype):
    batch = FLAGS.batch_size
    x = tf.cast(tf.random.normal([batch, height, height, channels]), dtype)
    out = -(-height // 2)
    dy = tf.cast(tf.random.normal([batch, out, out, filters]), dtype)
    return compare(
        lambda x, dy: tf.raw_ops.Conv2DBackpropFilter(
            input=x,
            filter_sizes=[4, 4, channels, filters],
            out_backprop=dy,
            strides=[1, 2, 2, 1],
            padding="SAME",
        ),
        lambda x, dy: convolution.strided_filter_grad(x, dy, 4, 2),
        convolution.uses_matmul_filter_grad,
        convolution.Conv2D(
            filters, 4, strides=2, padding="same", dtype=_policy(dtype)
        ),
        (batch, height, height, channels),
        x,
        dy,
    )


def transpose_row(height, channels, filters, dtype):
    batch = FLAGS.batch_size
    x = tf.cast(tf.random.normal([batch, height, height, channels]), dtype)
    kernel = tf.cast(0.05 * tf.random.normal([4, 4, filters, channels]), dtype)
    shape = [batch, 2 * height, 2 * height, filters]
    return compare(
        lambda x, w: tf.nn.conv2d_transpose(x, w, shape, 2, "SAME"),
        lambda x, w: convolution.strided_conv_transpose(x, w, 2),
        convolution.uses_matmul_conv_transpose,
        convolution.Conv2DTranspose(
            filters, 4, strides=2, padding="same", dtype=_policy(dtype)
        ),
        (batch, height, height, channels),
        x,
        kernel,
    )


def _policy(dtype):
    return "mixed_bfloat16" if dtype == "bfloat16" else dtype


def main(argv):
    del argv
    for name in ("batch_size", "calls", "repeats"):
        if FLAGS[name].value < 1:
            raise app.UsageError(
                f"--{name} must be 1 or more; received {FLAGS[name].value}."
            )
    for precision in FLAGS.precisions:
        if precision not in ("float32", "bfloat16"):
            raise app.UsageError(
                f"--precisions: {precision!r} is not one of float32, bfloat16."
            )
    print(
        f"batch {FLAGS.batch_size}, 4x4 stride 2 'same', best of "
        f"{FLAGS.repeats} x {FLAGS.calls} calls, ms per call; ratio = "
        f"oneDNN / matrix products (above 1: the products are faster); "
        f"Keras {keras.__version__}, TensorFlow {tf.__version__}"
    )
    print()
    print(
        "| op | layer (input -> output) | shape of | precision | oneDNN ms "
        "| matrix products ms | ratio | rule takes the products |"
    )
    print("|---|---|---|---|---:|---:|---:|---|")
    cases = [
        ("kernel gradient", FILTER_GRAD_SHAPES, filter_grad_row),
        ("transposed conv", TRANSPOSE_SHAPES, transpose_row),
    ]
    for op, shapes, row in cases:
        for height, channels, filters, source in shapes:
            for precision in FLAGS.precisions:
                if op == "kernel gradient" and precision == "float32":
                    continue  # The rule is for bfloat16 only.
                onednn, matmul, taken = row(
                    height, channels, filters, precision
                )
                out = -(-height // 2) if op == "kernel gradient" else 2 * height
                print(
                    f"| {op} | {height}x{height}x{channels} -> "
                    f"{out}x{out}x{filters} | {source} | {precision} | "
                    f"{onednn:.3f} | {matmul:.3f} | {onednn / matmul:.2f}x | "
                    f"{'yes' if taken else 'no'} |",
                    flush=True,
                )


if __name__ == "__main__":
    define_flags()
    app.run(main)
