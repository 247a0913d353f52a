r"""Training throughput: DCGAN.fit against a plain tf.function training loop.

For each image size and precision, both trainers get the same two networks
(fresh copies of one preset) and the same batch size:

* `fit`: `DCGAN.compile()` + `DCGAN.fit` (alternating updates: a
  discriminator step, then a generator step on new noise).
* `loop`: the TensorFlow DCGAN tutorial's trainer: one `@tf.function` step
  computing both losses from one generator pass under two gradient tapes
  (simultaneous updates), called from a Python loop over a `tf.data`
  dataset (https://www.tensorflow.org/tutorials/generative/dcgan).

Repetitions alternate between the trainers (ABAB...), so a machine shared
with other work slows both alike; the table gives medians and the median of
the per-repetition ratios. Model GFLOP/s counts the convolution and dense
multiply-adds each trainer's algorithm performs (backward = 2x forward for
the network being trained, 1x for a network only back-propagated through)
and is compared with this machine's measured matmul rate.

Usage:
    python benchmarks/train_throughput.py
    python benchmarks/train_throughput.py --sizes=28 --precisions=float32 \
        --repeats=5 --parts
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

from keras_dcgan import DCGAN
from keras_dcgan.models import presets

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags, defined only when run as a script."""
    flags.DEFINE_list(
        "sizes", ["28", "64"], "Image sizes: 28 (preset mnist), 64 (celeba64)."
    )
    flags.DEFINE_list(
        "precisions",
        ["float32", "bfloat16"],
        "float32, bfloat16 (mixed_bfloat16) or float16.",
    )
    flags.DEFINE_integer("batch_size", 64, "Batch size of both trainers.")
    flags.DEFINE_integer("steps", 10, "Timed training steps per repetition.")
    flags.DEFINE_integer("repeats", 3, "Repetitions per trainer, interleaved.")
    flags.DEFINE_enum(
        "jit_compile",
        "default",
        ["default", "true", "false"],
        "XLA for DCGAN.fit; `default` keeps DCGAN.compile's choice.",
    )
    flags.DEFINE_bool(
        "parts", False, "Also time the parts of one DCGAN training step."
    )


PRESET_BY_SIZE = {28: "mnist", 64: "celeba64"}
POLICIES = {
    "float32": "float32",
    "bfloat16": "mixed_bfloat16",
    "float16": "mixed_float16",
}


def forward_flops(model) -> int:
    """Multiply-add FLOPs (2 per MAC) of one example through a model."""
    total = 0
    for layer in model.layers:
        layer = getattr(layer, "layer", layer)  # unwrap SpectralNormalization
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, channels = layer.input.shape
            k = layer.kernel_size
            total += 2 * height * width * channels * k[0] * k[1] * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            channels = layer.input.shape[-1]
            k = layer.kernel_size
            total += 2 * height * width * layer.filters * k[0] * k[1] * channels
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def step_flops(trainer: str, g: int, d: int) -> int:
    """Model FLOPs per image of one training step (see the module doc)."""
    if trainer == "fit":
        # D step: G forward, D on real and fake (forward + 2x backward);
        # G step: G forward + backward, D forward + input gradients.
        return (g + 6 * d) + (3 * g + 2 * d)
    # One G forward, D forward on real and fake, D backward for its own
    # loss (2x) and input gradients of the fake pass for G's loss, G backward.
    return g + 2 * d + 4 * d + d + 2 * g


def matmul_peak(dtype: str, n: int = 2048, tries: int = 5) -> float:
    """Best measured GFLOP/s of an n x n x n matmul."""
    a = tf.random.normal([n, n], dtype=tf.float32)
    a = tf.cast(a, dtype)
    matmul = tf.function(lambda x: tf.matmul(x, x))
    matmul(a).numpy()
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        matmul(a).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def make_dataset(size, channels, batch_size, steps):
    images = np.random.default_rng(0).uniform(
        -1, 1, (batch_size * steps, size, size, channels)
    )
    dataset = tf.data.Dataset.from_tensor_slices(images.astype("float32"))
    return dataset.batch(batch_size, drop_remainder=True).cache().repeat()


def build_networks(preset):
    config = presets.get_preset(preset)
    return config.build_generator(), config.build_discriminator()


class FitTrainer:
    def __init__(self, preset, dataset, steps, jit_compile):
        self.gan = DCGAN(*build_networks(preset), seed=0)
        kwargs = (
            {}
            if jit_compile == "default"
            else {"jit_compile": jit_compile == "true"}
        )
        self.gan.compile(**kwargs)
        self.dataset, self.steps = dataset, steps
        self.gan.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0)

    def run(self):
        self.gan.fit(
            self.dataset, steps_per_epoch=self.steps, epochs=1, verbose=0
        )


class TutorialLoop:
    """The TensorFlow DCGAN tutorial's trainer, on our networks."""

    def __init__(self, preset, dataset, steps, batch_size):
        generator, discriminator = build_networks(preset)
        latent_dim = generator.latent_dim
        cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        generator_optimizer = keras.optimizers.Adam(1e-4)
        discriminator_optimizer = keras.optimizers.Adam(1e-4)

        @tf.function
        def train_step(images):
            noise = tf.random.normal([batch_size, latent_dim])
            with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
                generated_images = generator(noise, training=True)
                real_output = discriminator(images, training=True)
                fake_output = discriminator(generated_images, training=True)
                gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
                disc_loss = cross_entropy(
                    tf.ones_like(real_output), real_output
                ) + cross_entropy(tf.zeros_like(fake_output), fake_output)
            gradients_of_generator = gen_tape.gradient(
                gen_loss, generator.trainable_variables
            )
            gradients_of_discriminator = disc_tape.gradient(
                disc_loss, discriminator.trainable_variables
            )
            generator_optimizer.apply_gradients(
                zip(
                    gradients_of_generator,
                    generator.trainable_variables,
                    strict=True,
                )
            )
            discriminator_optimizer.apply_gradients(
                zip(
                    gradients_of_discriminator,
                    discriminator.trainable_variables,
                    strict=True,
                )
            )

        self.train_step, self.dataset, self.steps = train_step, dataset, steps
        for image_batch in dataset.take(2):
            train_step(image_batch)

    def run(self):
        for image_batch in self.dataset.take(self.steps):
            self.train_step(image_batch)


def time_parts(gan, dataset, tries=5):
    """Milliseconds of each part of one DCGAN training step (best of tries)."""
    images = next(iter(dataset))
    batch = tf.shape(images)[0]

    def position():
        return gan._batch_position(batch)

    parts = {
        "noise": tf.function(lambda: gan._noise(position(), [gan.latent_dim])),
        "G forward": tf.function(
            lambda: gan.generator(
                gan._noise(position(), [gan.latent_dim]), training=True
            )
        ),
        "D forward (real)": tf.function(
            lambda: gan.discriminator(images, training=True)
        ),
        "D step (G fwd, D fwd+bwd x2, update)": tf.function(
            lambda: gan._discriminator_step(position(), images)
        ),
        "G step (G+D fwd, D+G bwd, update)": tf.function(
            lambda: gan._generator_step(position())
        ),
        "whole train_step": tf.function(lambda: gan.train_step(images)),
    }
    results = {}
    for name, function in parts.items():
        tf.nest.map_structure(lambda t: t.numpy(), function())
        best = float("inf")
        for _ in range(tries):
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy(), function())
            best = min(best, time.perf_counter() - start)
        results[name] = best * 1e3
    return results


def main(argv):
    del argv
    batch_size, steps = FLAGS.batch_size, FLAGS.steps
    peaks = {
        p: matmul_peak(
            {
                "float32": "float32",
                "bfloat16": "bfloat16",
                "float16": "float16",
            }[p]
        )
        for p in FLAGS.precisions
    }
    print(
        "matmul peak (2048^3, best of 5): "
        + ", ".join(f"{p} {v:.0f} GFLOP/s" for p, v in peaks.items())
    )
    rows = []
    for size in map(int, FLAGS.sizes):
        preset = PRESET_BY_SIZE[size]
        for precision in FLAGS.precisions:
            keras.mixed_precision.set_dtype_policy(POLICIES[precision])
            config = presets.get_preset(preset)
            dataset = make_dataset(size, config.channels, batch_size, steps)
            fit = FitTrainer(preset, dataset, steps, FLAGS.jit_compile)
            loop = TutorialLoop(preset, dataset, steps, batch_size)
            g = forward_flops(fit.gan.generator)
            d = forward_flops(fit.gan.discriminator)
            rates = {"fit": [], "loop": []}
            for _ in range(FLAGS.repeats):
                for name, trainer in (("fit", fit), ("loop", loop)):
                    start = time.perf_counter()
                    trainer.run()
                    rates[name].append(
                        batch_size * steps / (time.perf_counter() - start)
                    )
            ratios = [
                a / b for a, b in zip(rates["fit"], rates["loop"], strict=True)
            ]
            for name in ("fit", "loop"):
                images_per_s = statistics.median(rates[name])
                gflops = images_per_s * step_flops(name, g, d) / 1e9
                rows.append(
                    (
                        size,
                        precision,
                        name,
                        images_per_s,
                        gflops,
                        100 * gflops / peaks[precision],
                        statistics.median(ratios) if name == "fit" else None,
                    )
                )
            print(
                f"{size}x{size} {precision}: fit/loop ratios per repetition "
                + ", ".join(f"{r:.2f}" for r in ratios),
                flush=True,
            )
            if FLAGS.parts:
                for name, ms in time_parts(fit.gan, dataset).items():
                    print(f"    {name:40s} {ms:8.1f} ms")
            keras.mixed_precision.set_dtype_policy("float32")
    print()
    print(
        f"batch {batch_size}, {steps} steps x {FLAGS.repeats} interleaved "
        f"repetitions, jit_compile={FLAGS.jit_compile}"
    )
    print(
        "| size | precision | trainer | images/s | model GFLOP/s "
        "| % of matmul peak | fit / loop |"
    )
    print("|---|---|---|---:|---:|---:|---:|")
    for size, precision, name, ips, gflops, pct, ratio in rows:
        ratio_text = f"{ratio:.2f}x" if ratio is not None else ""
        print(
            f"| {size}x{size} | {precision} | {name} | {ips:.0f} "
            f"| {gflops:.1f} | {pct:.0f}% | {ratio_text} |"
        )


if __name__ == "__main__":
    define_flags()
    app.run(main)
