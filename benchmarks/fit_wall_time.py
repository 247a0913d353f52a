r"""Wall time of whole `DCGAN.fit` calls: with and without tf.data autotuning.

TensorFlow 2.21 destroys a tf.data iterator only after its autotuning
thread's next wake-up (a period doubling from 10 ms to 60 s), so with
autotuning on, a `fit` returns up to its own length after its last step.
`DCGAN.fit` turns autotuning off for data that does not set it
(`keras_dcgan.tfdata`); `--autotune=on` sets it on explicitly, which
`DCGAN.fit` respects, to measure what it costs.

Each repetition runs one timed `fit` of `--steps` steps per mode,
alternating (ABAB), in one process after a warm-up. Per mode the table
gives the wall time of the whole `fit`, the time inside the training
steps (from batch callbacks) and the difference: what the `fit` spent
outside its steps, most of it after the last one.

Usage:
    python benchmarks/fit_wall_time.py --steps=100 --repeats=6
    python benchmarks/fit_wall_time.py --input=arrays
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import build_gan

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags, defined only when run as a script."""
    flags.DEFINE_integer("steps", 100, "Training steps per timed fit.")
    flags.DEFINE_integer("repeats", 6, "Timed fits per mode, alternating.")
    flags.DEFINE_enum(
        "input",
        "dataset",
        ["dataset", "arrays"],
        "dataset: a tf.data.Dataset of batches (autotuning on or off by "
        "its options); arrays: NumPy arrays (`on` trains through "
        "keras.Model.fit, Keras's own array batches, autotuning on).",
    )


class StepTime(keras.callbacks.Callback):
    """Sums the time spent inside training steps."""

    def on_train_begin(self, logs=None):
        self.inside = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.inside += time.perf_counter() - self._start


def timed_fit(gan, images, labels, autotune: bool, steps: int):
    """`(wall seconds, seconds inside steps)` of one `fit` of `steps`."""
    batch = 64
    count = steps * batch
    steps_time = StepTime()
    start = time.perf_counter()
    if FLAGS.input == "arrays":
        fit = keras.Model.fit if autotune else type(gan).fit
        fit(
            gan,
            images[:count],
            labels[:count],
            batch_size=batch,
            epochs=1,
            verbose=0,
            callbacks=[steps_time],
        )
    else:
        dataset = tf.data.Dataset.from_tensor_slices(
            (images[:count], labels[:count])
        )
        dataset = dataset.batch(batch).prefetch(tf.data.AUTOTUNE)
        if autotune:
            options = tf.data.Options()
            options.autotune.enabled = True
            dataset = dataset.with_options(options)
        gan.fit(dataset, epochs=1, verbose=0, callbacks=[steps_time])
    return time.perf_counter() - start, steps_time.inside


def main(argv) -> None:
    del argv
    config = get_train_config("mnist", network={"num_classes": 10})
    gan = build_gan(config)
    rng = np.random.default_rng(0)
    count = FLAGS.steps * 64
    images = rng.uniform(-1, 1, (count, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, count).astype("int32")
    timed_fit(gan, images, labels, autotune=False, steps=10)  # compile
    results = {True: [], False: []}
    for repeat in range(FLAGS.repeats):
        for autotune in (True, False):
            wall, inside = timed_fit(gan, images, labels, autotune, FLAGS.steps)
            results[autotune].append((wall, inside))
            print(
                f"repeat {repeat} autotune {'on ' if autotune else 'off'}: "
                f"fit {wall:6.2f} s, steps {inside:6.2f} s, "
                f"outside {wall - inside:5.2f} s",
                flush=True,
            )
    print(
        f"\n{FLAGS.steps}-step fits of the conditional mnist preset "
        f"(input: {FLAGS.input}), {FLAGS.repeats} per mode, alternating\n"
    )
    print(
        "| tf.data autotuning | fit wall time, s | median | inside steps, "
        "median | outside steps: median, max |"
    )
    print("|---|---|---|---|---|")
    for autotune in (True, False):
        walls = [wall for wall, _ in results[autotune]]
        insides = [inside for _, inside in results[autotune]]
        outside = [wall - inside for wall, inside in results[autotune]]
        print(
            f"| {'on (TensorFlow default)' if autotune else 'off (DCGAN.fit)'}"
            f" | {', '.join(f'{w:.1f}' for w in walls)}"
            f" | {statistics.median(walls):.2f}"
            f" | {statistics.median(insides):.2f}"
            f" | {statistics.median(outside):.2f}, {max(outside):.2f} |"
        )
    ratios = [
        on[0] / off[0]
        for on, off in zip(results[True], results[False], strict=True)
    ]
    print(
        f"\nwall time, autotuning on / off, per pair: "
        f"{', '.join(f'{r:.2f}' for r in ratios)} "
        f"(median {statistics.median(ratios):.2f})"
    )


if __name__ == "__main__":
    define_flags()
    app.run(main)
