"""Latency of the exported generator: Keras vs SavedModel vs TFLite.

    python benchmarks/export_latency.py --workdir=runs/demo
    python benchmarks/export_latency.py --preset=mnist   # random weights

For batch 1 and 64 it times Keras `predict` (and a plain eager call of the
generator, without `predict`'s per-call overhead), the SavedModel's
`serving_default` signature (loaded with `tf.saved_model.load`, the path a
Python server takes) and the TFLite model of every quantization run by
LiteRT's interpreter; it prints per-image latency, images per second, the
speed-up over Keras `predict` at the same batch, each model's size, and each
TFLite variant's max abs error against Keras. Each measurement is the median
of timed calls after warm-up calls, so a busy shared CPU skews it less.
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from keras_dcgan import export
from keras_dcgan.models.presets import get_preset
from keras_dcgan.training.workdir import load_gan


def directory_size(path):
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(path)
        for name in names
    )


def median_seconds(fn, calls, warmup=2):
    """The median wall time of `calls` calls of `fn`, after `warmup`."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_batch(batch, generator, serve, runners, calls):
    """Timing rows `(name, batch, ms/image, images/s, speed-up)`."""
    import tensorflow as tf

    latent_dim = generator.inputs[0].shape[-1]
    latents = np.random.default_rng(0).standard_normal((batch, latent_dim))
    latents = latents.astype(np.float32)
    tensor = tf.constant(latents)
    candidates = {
        "Keras predict": lambda: generator.predict(
            latents, batch_size=batch, verbose=0
        ),
        # A plain eager call, without predict's per-call data pipeline.
        "Keras call": lambda: generator(tensor, training=False),
        "SavedModel": lambda: serve(latents=tensor),
    }
    for name, runner in runners.items():
        candidates[name] = lambda runner=runner: runner(latents)
    rows = []
    keras_seconds = None
    for name, fn in candidates.items():
        seconds = median_seconds(fn, calls)
        keras_seconds = keras_seconds or seconds
        rows.append(
            (
                name,
                batch,
                seconds / batch * 1e3,
                batch / seconds,
                keras_seconds / seconds,
            )
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="Trained workdir to export.")
    parser.add_argument(
        "--preset", default="mnist", help="Random-weight preset otherwise."
    )
    parser.add_argument("--batch_sizes", default="1,64")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    import tensorflow as tf

    if args.workdir:
        generator = load_gan(args.workdir).sampling_generator
        source = args.workdir
        allow_untrained = False
    else:
        generator = get_preset(args.preset).build_generator()
        source = f"preset {args.preset!r}, untrained"
        allow_untrained = True
    latent_dim = generator.inputs[0].shape[-1]
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    workdir = tempfile.mkdtemp(prefix="export_latency_")
    saved_model = export.export_saved_model(
        generator, workdir, allow_untrained=allow_untrained
    )
    serve = tf.saved_model.load(saved_model).signatures["serving_default"]
    sizes = {"SavedModel": directory_size(saved_model)}
    runners = {}
    errors = {}
    check = np.random.default_rng(1).standard_normal((64, latent_dim))
    check = check.astype(np.float32)
    expected = generator.predict(check, verbose=0)
    for quantization in export.QUANTIZATIONS:
        path = os.path.join(workdir, f"{quantization}.tflite")
        export.export_tflite(
            generator,
            path,
            quantization=quantization,
            allow_untrained=allow_untrained,
        )
        name = f"TFLite {quantization}"
        sizes[name] = os.path.getsize(path)
        runners[name] = export.TFLiteGenerator(path, num_threads=args.threads)
        error = np.abs(runners[name](check) - expected)
        errors[name] = (float(error.max()), float(error.mean()))

    rows = []
    for batch in batch_sizes:
        rows += time_batch(batch, generator, serve, runners, args.calls)

    print(
        f"Generator: {source}; latent {latent_dim}, images "
        f"{tuple(generator.outputs[0].shape[1:])}, "
        f"{generator.count_params():,} parameters; {os.cpu_count()} CPUs; "
        f"median of {args.calls} calls."
    )
    print()
    print("| model | batch | ms / image | images / s | vs Keras predict |")
    print("|---|---:|---:|---:|---:|")
    for name, batch, ms, per_second, ratio in rows:
        print(
            f"| {name} | {batch} | {ms:.3f} | {per_second:,.0f} "
            f"| {ratio:.1f}x |"
        )
    print()
    print("| model | size | error vs Keras (64 images): max abs | mean abs |")
    print("|---|---:|---:|---:|")
    for name, size in sizes.items():
        error = (
            "{:.1e} | {:.1e}".format(*errors[name])
            if name in errors
            else "- | -"
        )
        print(f"| {name} | {size / 1024:,.0f} KiB | {error} |")


if __name__ == "__main__":
    main()
