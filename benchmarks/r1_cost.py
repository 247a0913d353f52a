r"""What the R1 penalty costs per step: none, every step, and lazy R1.

R1 (Mescheder et al. 2018) back-propagates through the discriminator's
input gradient (a double backward pass). Lazy regularization (Karras et al.
2020, StyleGAN2) adds it on every `r1_interval`-th step only, at
`r1_weight * r1_interval`; `DCGAN.fit` compiles the two kinds of step as
separate functions.

The demo's training preset (conditional `mnist`, batch 64, the preset's
XLA choice) is built once per mode from the same seed; each repetition runs
one timed `fit` of `--steps` steps per mode, in turn, after a warm-up `fit`
that compiles (its time is reported: lazy R1 compiles two functions).
The table gives the median milliseconds per step and the median of the
per-repetition ratios to R1 on every step.

Usage:
    python benchmarks/r1_cost.py
    python benchmarks/r1_cost.py --intervals=4,16 --steps=128 --repeats=5
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import build_gan

FLAGS = flags.FLAGS
BATCH = 64


def define_flags() -> None:
    """The command-line flags, defined only when run as a script."""
    flags.DEFINE_float("r1_weight", 0.1, "R1 weight of the regularized modes.")
    flags.DEFINE_list("intervals", ["4"], "Lazy R1 intervals to time.")
    flags.DEFINE_integer("steps", 128, "Training steps per timed fit.")
    flags.DEFINE_integer("repeats", 3, "Timed fits per mode, in turn.")


def dataset(steps: int) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (steps * BATCH, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, steps * BATCH).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((images, labels))
    return data.batch(BATCH).cache()


def timed_fit(gan, data) -> float:
    start = time.perf_counter()
    gan.fit(data, epochs=1, verbose=0)
    return time.perf_counter() - start


def main(argv) -> None:
    del argv
    modes = {"no R1": (0.0, 1), "R1 every step": (FLAGS.r1_weight, 1)}
    for interval in map(int, FLAGS.intervals):
        modes[f"lazy R1, every {interval}"] = (FLAGS.r1_weight, interval)
    config = get_train_config(
        "mnist", network={"num_classes": 10}, batch_size=BATCH
    )
    data = dataset(FLAGS.steps)
    gans, compile_s = {}, {}
    for name, (weight, interval) in modes.items():
        gan = build_gan(config.replace(r1_weight=weight, r1_interval=interval))
        warm_steps = max(16, 2 * interval)  # runs both lazy functions
        compile_s[name] = timed_fit(gan, data.take(warm_steps))
        gans[name] = gan
    times = {name: [] for name in modes}
    for repeat in range(FLAGS.repeats):
        for name, gan in gans.items():
            seconds = timed_fit(gan, data)
            times[name].append(1000 * seconds / FLAGS.steps)
            print(
                f"repeat {repeat} {name}: {times[name][-1]:.1f} ms/step",
                flush=True,
            )
    base = times["R1 every step"]
    print(
        f"\n{FLAGS.steps}-step fits of the conditional mnist preset, batch "
        f"{BATCH}, r1_weight {FLAGS.r1_weight}, {FLAGS.repeats} per mode\n"
    )
    print("| mode | ms/step, each fit | median | / R1 every step | warm-up s |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        ratio = statistics.median(
            v / b for v, b in zip(values, base, strict=True)
        )
        print(
            f"| {name} | {', '.join(f'{v:.1f}' for v in values)} "
            f"| {statistics.median(values):.1f} | {ratio:.2f} "
            f"| {compile_s[name]:.1f} |"
        )


if __name__ == "__main__":
    define_flags()
    app.run(main)
