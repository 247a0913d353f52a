"""Does the input pipeline keep up with training? Images/s of both, one run.

Measures `keras_dcgan.data.load` pipelines (the bundled MNIST sample, and the
CIFAR-10 test JPEGs as an image folder, decoded every epoch or cached) and
the images/s that `DCGAN.fit` consumes with the matching full-size preset,
then prints a markdown table of pipeline / training ratios. Data must
deliver at least 20x what training consumes, so it never starves training.

The machine may be shared: compare the ratios within one run, not absolute
numbers across runs.

Usage:
    .venv/bin/python benchmarks/data_throughput.py
    .venv/bin/python benchmarks/data_throughput.py --train_steps=20 --skip_cifar
"""

import argparse
import os
import pathlib
import statistics
import tarfile
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

from keras_dcgan import DCGAN
from keras_dcgan import data

# The shared data folder beside the repository (../shared/data).
CIFAR_TAR = str(
    pathlib.Path(__file__).resolve().parents[2]
    / "shared/data/cifar10/test-jpg.tar.gz"
)
REQUIRED_RATIO = 20.0


def pipeline_rate(dataset, epochs: int) -> tuple[float, float]:
    """Images/s of the first epoch, and the median of the next `epochs`."""
    rates = []
    for _ in range(1 + epochs):
        count, start = 0, time.perf_counter()
        for batch in dataset:
            count += int(batch.shape[0])
        rates.append(count / (time.perf_counter() - start))
    return rates[0], statistics.median(rates[1:])


def training_rate(dataset, steps: int, preset: str, **overrides) -> float:
    """Images/s `DCGAN.fit` consumes on `dataset` with a full-size preset."""
    keras.utils.set_random_seed(0)
    gan = DCGAN.from_preset(preset, seed=0, **overrides)
    gan.compile()
    batch = int(next(iter(dataset)).shape[0])
    # The first steps trace and compile the train step: not measured.
    gan.fit(dataset.repeat(), steps_per_epoch=3, epochs=1, verbose=0)
    start = time.perf_counter()
    gan.fit(dataset.repeat(), steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - start)


def extract_cifar(tar_path: str, directory: str) -> pathlib.Path:
    with tarfile.open(tar_path) as archive:
        archive.extractall(directory, filter="data")
    return pathlib.Path(directory) / "test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--train_steps", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cifar_tar", default=CIFAR_TAR)
    parser.add_argument("--skip_cifar", action="store_true")
    args = parser.parse_args()
    batch = args.batch_size
    rows = []

    def mnist(**kwargs):
        return data.load("mnist-sample", batch_size=batch, seed=0, **kwargs)

    # (name, make pipeline, preset, overrides): each pipeline is compared
    # with training on images of its shape. Every measurement gets a new
    # pipeline, so its first epoch really is the first (it fills the cache).
    cases = [
        ("mnist-sample 28x28x1", mnist, {}, "mnist", {}),
        (
            "mnist-sample 28->32 pad + flip",
            mnist,
            {"image_size": 32, "resize": "pad", "flip": True},
            "mnist",
            {"image_size": 32},
        ),
        (
            "mnist-sample 28->64 bilinear, RGB",
            mnist,
            {"image_size": 64, "resize": "bilinear", "channels": 3},
            "celeba64",
            {},
        ),
    ]
    tmp = tempfile.TemporaryDirectory()
    notes = []
    if not args.skip_cifar and os.path.exists(args.cifar_tar):
        folder = extract_cifar(args.cifar_tar, tmp.name)
        start = time.perf_counter()
        data.describe(folder)
        scan = time.perf_counter() - start
        notes.append(
            f"Image-folder check (decoding all 10,000 CIFAR-10 JPEGs once, "
            f"on the first load): {scan:.1f} s."
        )

        def cifar(**kwargs):
            return data.load(folder, batch_size=batch, seed=0, **kwargs)

        cases += [
            ("CIFAR-10 JPEG folder, cached", cifar, {}, "cifar10", {}),
            (
                "CIFAR-10 JPEG folder, decoded each epoch",
                cifar,
                {"cache": None},
                "cifar10",
                {},
            ),
        ]
    trained = {}
    for name, make, options, preset, overrides in cases:
        key = (preset, tuple(sorted(overrides.items())))
        if key not in trained:
            trained[key] = training_rate(
                make(**options), args.train_steps, preset, **overrides
            )
        first, steady = pipeline_rate(make(**options), args.epochs)
        shown = preset + "".join(f", {k}={v}" for k, v in overrides.items())
        rows.append((name, shown, trained[key], first, steady))
    tmp.cleanup()

    print(f"\nbatch {batch}, {os.cpu_count()} CPUs\n")
    print(
        "| pipeline | preset trained | training img/s | pipeline img/s, "
        "1st epoch | pipeline img/s, later epochs | ratio, 1st | ratio, "
        "later |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    worst = float("inf")
    for name, preset, train, first, steady in rows:
        worst = min(worst, first / train, steady / train)
        print(
            f"| {name} | {preset} | {train:,.0f} | {first:,.0f} | "
            f"{steady:,.0f} | {first / train:,.0f}x | {steady / train:,.0f}x |"
        )
    verdict = "OK" if worst >= REQUIRED_RATIO else "TOO SLOW"
    for note in notes:
        print(f"\n{note}")
    need = f"need >= {REQUIRED_RATIO:.0f}x"
    print(f"\nLowest ratio {worst:,.0f}x ({need}): {verdict}")


if __name__ == "__main__":
    main()
