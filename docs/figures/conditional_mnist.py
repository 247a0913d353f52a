"""Draws conditional_mnist.png and measures docs/conditional.md's numbers.

First train conditional models (about 9 minutes each on 2 CPU cores) with
the settings the figure was made with (the paper's Adam(2e-4) for both
networks, 64 discriminator filters, EMA 0.995, fresh fakes, no XLA):

    FLAGS="--preset=mnist --dataset=mnist-sample --conditional --epochs=15
      --g_learning_rate=2e-4 --d_learning_rate=2e-4 --discriminator_filters=64
      --ema_decay=0.995 --noreuse_fakes --nojit_compile"
    keras-dcgan train $FLAGS --workdir=runs/cmnist
    keras-dcgan train $FLAGS --conditioning=channels \
        --workdir=runs/cmnist_channels

then:

    python docs/figures/conditional_mnist.py \
        --run=projection=runs/cmnist --run=channels=runs/cmnist_channels \
        --mnist_test=/path/to/mnist

A small CNN digit classifier is trained on the same 10,000 MNIST training
digits (the bundled `mnist-sample`), and its accuracy measured on the 10,000
MNIST test digits (`t10k-*-ubyte.gz` in `--mnist_test`) for reference. Each
run then generates 100 digits per requested class (fixed seeds); the
classifier's accuracy on them, per class, says how often the model draws the
digit it was asked for. The class grid of the first run (one class per
row) is saved as `conditional_mnist.png`, the numbers as
`conditional_mnist.json`, both beside this script.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

from keras_dcgan import sampling
from keras_dcgan.data import read_idx
from keras_dcgan.data.sources import MNIST_SAMPLE_FILES
from keras_dcgan.data.sources import bundled_path
from keras_dcgan.sampling import class_grid_labels
from keras_dcgan.training.workdir import load_gan

HERE = os.path.dirname(os.path.abspath(__file__))
PER_CLASS = 100


def to_model_range(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) digits to float32 (n, 28, 28, 1) in [-1, 1]."""
    return (images.astype("float32") / 127.5 - 1.0)[..., None]


def train_classifier(images, labels, seed=0) -> keras.Model:
    """A small CNN digit classifier on [-1, 1] images."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(images, labels, batch_size=128, epochs=6, verbose=0)
    return model


def accuracy_per_class(classifier, images, labels) -> dict:
    predicted = classifier.predict(images, batch_size=256, verbose=0)
    predicted = predicted.argmax(axis=1)
    return {
        "overall": float(np.mean(predicted == labels)),
        "per_class": [
            float(np.mean(predicted[labels == k] == k)) for k in range(10)
        ],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--run",
        action="append",
        required=True,
        help="NAME=WORKDIR of a conditional MNIST run; repeatable.",
    )
    parser.add_argument(
        "--mnist_test",
        required=True,
        help="Folder with the MNIST test set: t10k-{images,labels}-*.gz.",
    )
    args = parser.parse_args()

    train_images, train_labels = (
        read_idx(bundled_path(name)) for name in MNIST_SAMPLE_FILES
    )
    test_images = read_idx(
        os.path.join(args.mnist_test, "t10k-images-idx3-ubyte.gz")
    )
    test_labels = read_idx(
        os.path.join(args.mnist_test, "t10k-labels-idx1-ubyte.gz")
    )
    start = time.time()
    classifier = train_classifier(
        to_model_range(train_images), train_labels.astype("int32")
    )
    results = {
        "classifier": {
            "train_images": len(train_images),
            "train_seconds": round(time.time() - start, 1),
            "real_test_accuracy": accuracy_per_class(
                classifier, to_model_range(test_images), test_labels
            ),
        },
        "generated_per_class": PER_CLASS,
        "runs": {},
    }
    requested = class_grid_labels(10, PER_CLASS)
    for index, run in enumerate(args.run):
        name, workdir = run.split("=", 1)
        gan = load_gan(workdir)
        with open(os.path.join(workdir, "config.json")) as f:
            config = json.load(f)
        generated = gan.generate(len(requested), labels=requested, seed=1)
        results["runs"][name] = {
            "conditioning": config["network"]["conditioning"],
            "epochs": config["epochs"],
            "steps": int(gan.g_optimizer.iterations.numpy()),
            "accuracy": accuracy_per_class(classifier, generated, requested),
        }
        if index == 0:
            sampling.write_class_grid(
                gan,
                os.path.join(HERE, "conditional_mnist.png"),
                per_class=10,
                seed=0,
            )
    with open(os.path.join(HERE, "conditional_mnist.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
