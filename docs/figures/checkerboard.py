"""Compares checkerboard artifacts of transposed vs resize-conv upsampling.

Trains four small MNIST DCGANs that differ only in the generator's
upsampling: transposed convolutions with kernel 4 (the paper's; divisible by
the stride) and kernel 3 (not divisible: uneven overlap), and nearest /
bilinear resizing followed by a convolution. Same data, seed and epochs.
Writes sample grids (untrained and trained), mean power spectra and the
`keras_dcgan.metrics.checkerboard_score` of each (and of real digits) to
docs/figures/, with FID, KID, precision/recall, Inception Score and mode
coverage in the features of a small MNIST classifier trained first. Takes
a few minutes on two CPU cores:

    python docs/figures/checkerboard.py --epochs=3
"""

import argparse
import gzip
import json
import os
import pathlib
import time

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from keras_dcgan import DCGAN
from keras_dcgan.metrics import checkerboard_score
from keras_dcgan.metrics import classifier_extractor
from keras_dcgan.metrics import compare
from keras_dcgan.metrics import evaluate_gan
from keras_dcgan.metrics import power_spectrum
from keras_dcgan.metrics import reference_statistics
from keras_dcgan.metrics import summarize
from keras_dcgan.metrics import train_domain_classifier

# (name, upsampling, kernel_size)
VARIANTS = (
    ("transposed k4", "transposed", 4),
    ("transposed k3", "transposed", 3),
    ("nearest k4", "nearest", 4),
    ("bilinear k4", "bilinear", 4),
)
HERE = os.path.dirname(os.path.abspath(__file__))


def read_mnist(path: str) -> np.ndarray:
    """MNIST IDX images as float32 NHWC in [-1, 1]."""
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return (data.reshape(-1, 28, 28, 1).astype("float32") / 127.5) - 1.0


def read_labels(path: str) -> np.ndarray:
    """MNIST IDX labels as int64."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype("int64")


def grid(images: np.ndarray, rows: int = 6) -> np.ndarray:
    """Tiles `rows * rows` grayscale images into one array."""
    images = images[: rows * rows, :, :, 0]
    size = images.shape[1]
    return (
        images.reshape(rows, rows, size, size)
        .transpose(0, 2, 1, 3)
        .reshape(rows * size, rows * size)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--mnist_dir",
        default=str(
            pathlib.Path(__file__).resolve().parents[3] / "shared/data/mnist"
        ),
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--num_samples", type=int, default=2000)
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args()

    real = read_mnist(f"{args.mnist_dir}/train10k-images-idx3-ubyte.gz")
    labels = read_labels(f"{args.mnist_dir}/train10k-labels-idx1-ubyte.gz")
    test = read_mnist(f"{args.mnist_dir}/t10k-images-idx3-ubyte.gz")
    test_labels = read_labels(f"{args.mnist_dir}/t10k-labels-idx1-ubyte.gz")
    results = {"real": {}, "settings": vars(args)}

    # Quality metrics in the features of a small MNIST classifier; the
    # reference is the test set, which no network here trained on.
    classifier, accuracy = train_domain_classifier(
        real, labels, epochs=3, validation_data=(test, test_labels)
    )
    extractor = classifier_extractor(classifier)
    reference = reference_statistics(
        [test[: args.num_samples]], extractor, args.num_samples
    )
    results["classifier_test_accuracy"] = accuracy
    results["real"]["metrics"] = compare(
        reference,
        summarize([real[: args.num_samples]], extractor, args.num_samples),
    )
    samples = {"real": real[: args.num_samples]}
    untrained_samples = {}
    for name, mode, kernel_size in VARIANTS:
        keras.utils.set_random_seed(0)
        gan = DCGAN.from_preset(
            "mnist",
            seed=0,
            upsampling=mode,
            kernel_size=kernel_size,
            latent_dim=64,
            generator_filters=32,
            discriminator_filters=32,
        )
        gan.compile()
        untrained = gan.generate(args.num_samples, seed=1)
        start = time.time()
        gan.fit(real, batch_size=args.batch_size, epochs=args.epochs, verbose=0)
        seconds = time.time() - start
        samples[name] = gan.generate(args.num_samples, seed=1)
        untrained_samples[name] = untrained
        results[name] = {
            "metrics": evaluate_gan(
                gan, reference, extractor, args.num_samples, seed=1
            ),
            "train_seconds": round(seconds, 1),
            "untrained_score_stride2": checkerboard_score(untrained, 2),
            "untrained_score_stride4": checkerboard_score(untrained, 4),
        }
        print(name, results[name], flush=True)
    for name, images in samples.items():
        results[name]["score_stride2"] = checkerboard_score(images, 2)
        results[name]["score_stride4"] = checkerboard_score(images, 4)

    names = ["real", *(name for name, _, _ in VARIANTS)]
    figure, axes = plt.subplots(3, len(names), figsize=(3 * len(names), 9.6))
    for column, name in enumerate(names):
        scores = results[name]
        axes[0, column].imshow(
            grid(samples[name]), cmap="gray", vmin=-1, vmax=1
        )
        axes[0, column].set_title(
            f"{name}\nscore s=2: {scores['score_stride2']:.3f}, "
            f"s=4: {scores['score_stride4']:.3f}",
            fontsize=9,
        )
        spectrum = np.fft.fftshift(power_spectrum(samples[name]))
        axes[1, column].imshow(np.log10(spectrum + 1e-8), cmap="magma")
        axes[1, column].set_title("log10 mean power spectrum", fontsize=9)
        if name in untrained_samples:
            # Untrained outputs are near 0: stretch the contrast to see them.
            axes[2, column].imshow(grid(untrained_samples[name]), cmap="gray")
            axes[2, column].set_title(
                f"untrained (contrast stretched)\nscore s=2: "
                f"{scores['untrained_score_stride2']:.3f}",
                fontsize=9,
            )
        else:
            axes[2, column].axis("off")
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    png = os.path.join(args.out, "checkerboard.png")
    figure.savefig(png, dpi=80)
    # A 256-colour palette keeps the committed PNG small.
    Image.open(png).convert("RGB").quantize(256).save(png, optimize=True)
    with open(os.path.join(args.out, "checkerboard.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
