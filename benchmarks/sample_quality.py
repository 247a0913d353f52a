r"""Sample quality of a training configuration, scored on held-out images.

Trains a named configuration (a `TrainConfig` preset plus `--set`
overrides) for a fixed budget of steps or wall-clock seconds, draws
`--num_samples` images and compares them with held-out real images the GAN
never trains on. Two domains (`--domain`):

- `mnist` (default): the GAN trains on the 10,000 bundled digits
  (`mnist-sample`) and is scored against the 10,000 MNIST test digits
  (`../shared/data/mnist/t10k-*` beside the repository, or `--data_dir`).
- `cifar10`: the 10,000 CIFAR-10 test JPEGs
  (`../shared/data/cifar10/test-jpg.tar.gz`, or `--data_dir`) split in two
  by class: the GAN trains on the even-numbered 5,000 (written once to an
  .npz in `--cache_dir`) and is scored against the odd-numbered 5,000.

Feature space: the 128-d penultimate (dense, ReLU) features of a small CNN
classifier (three 3x3 convolutions, dense 128, softmax 10) trained on the
GAN's training images: to at least 98.5% test accuracy on MNIST, at least
55% on the CIFAR-10 half (a sensitive space there is a weaker one; the
Inception network needs weights this benchmark does not download). It is
trained once and cached on disk under a fingerprint of its architecture,
training settings and data. Its sensitivity is printed with every table:
the classifier's training images against the held-out ones give the floor,
blurred and noisy images must score far above it.

Scores (`keras_dcgan.metrics`):
- FID: Frechet distance between the feature Gaussians (lower is better).
- KID x 1000: unbiased kernel distance (Binkowski et al. 2018).
- precision / recall: k-NN manifolds with k=3 (Kynkaanniemi et al. 2019):
  the fraction of samples on the real manifold, and of real digits on the
  samples' manifold.
- class entropy: normalized entropy of the classifier's predicted classes
  of the samples (1 = all ten digits equally often).

Usage:
    python benchmarks/sample_quality.py --preset=mnist --steps=1500
    python benchmarks/sample_quality.py --domain=cifar10 --steps=1200
    python benchmarks/sample_quality.py --preset=mnist --steps=1500 \
        --set=r1_weight=1 --set=network.upsampling=nearest --name=r1
    python benchmarks/sample_quality.py --score_workdir=runs/demo

Each run prints a table, writes `WORKDIR/samples.png` (the first 100
samples) and appends its scores as one JSON line to `--results`.
"""

import dataclasses
import hashlib
import io
import json
import math
import os
import pathlib
import sys
import tarfile
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TensorFlow's oneDNN kernels, as `keras-dcgan train` (and so `make demo`)
# runs; read when TensorFlow is imported.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras
import numpy as np
import PIL.Image
from absl import app
from absl import flags

from keras_dcgan import images as images_lib
from keras_dcgan import metrics
from keras_dcgan.data import sources
from keras_dcgan.data.idx import read_idx
from keras_dcgan.training import config as config_lib
from keras_dcgan.training import trainer
from keras_dcgan.training import workdir as workdir_lib

REPO = pathlib.Path(__file__).resolve().parents[1]
# The shared data sits beside the repository (as tests/shared_data.py).
SHARED_DATA_DIR = REPO.parent / "shared" / "data"
MNIST_TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
CIFAR10_ARCHIVE = "test-jpg.tar.gz"

# The classifier's recipe; part of its cache fingerprint.
CLASSIFIER_RECIPE = {
    "conv_filters": [32, 64, 128],
    "conv_strides": [1, 2, 2],
    "feature_dim": 128,
    "dropout": 0.3,
    # Random shifts (fraction of the size) and zooms while training only:
    # 10k digits without them reached 98.0% test accuracy.
    "translation": 0.08,
    "zoom": 0.08,
    "epochs": 15,
    "batch_size": 128,
    "learning_rate": 1e-3,
    "seed": 0,
}


@dataclasses.dataclass(frozen=True)
class Domain:
    """Where a domain's images come from and how its classifier is made.

    `load(data_dir, cache_dir)` returns `(train_images, train_labels,
    held_out_images, held_out_labels)`, images float32 NHWC in [-1, 1];
    `dataset(data_dir, cache_dir)` the GAN's training data, as the
    `dataset` field of `TrainConfig` takes it.
    """

    name: str
    held_out: str
    min_accuracy: float
    recipe: dict
    load: Callable
    dataset: Callable


def to_float_images(images: np.ndarray) -> np.ndarray:
    """uint8 `(n, h, w)` or `(n, h, w, c)` to float32 NHWC in [-1, 1]."""
    images = images.astype(np.float32) / 127.5 - 1.0
    return images[..., None] if images.ndim == 3 else images


def load_mnist(data_dir, cache_dir):
    """The 10,000 bundled training digits and the 10,000 test digits."""
    del cache_dir
    data_dir = pathlib.Path(data_dir or SHARED_DATA_DIR / "mnist")
    paths = [data_dir / name for name in MNIST_TEST_FILES]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"The MNIST test digits are missing: {missing}. Put "
            f"{list(MNIST_TEST_FILES)} in ../shared/data/mnist beside the "
            "repository, or pass --data_dir=FOLDER."
        )
    image_file, label_file = sources.MNIST_SAMPLE_FILES
    return (
        to_float_images(read_idx(sources.bundled_path(image_file))),
        read_idx(sources.bundled_path(label_file)),
        to_float_images(read_idx(paths[0])),
        read_idx(paths[1]),
    )


def read_cifar10_archive(data_dir) -> tuple[np.ndarray, np.ndarray, list]:
    """uint8 images `(10000, 32, 32, 3)`, labels and numbers of the JPEGs.

    The archive holds `test/<class>/NNNN.jpg`; labels index the sorted
    class names, numbers are the NNNN.
    """
    path = pathlib.Path(data_dir or SHARED_DATA_DIR / "cifar10")
    path = path / CIFAR10_ARCHIVE
    if not path.is_file():
        raise FileNotFoundError(
            f"The CIFAR-10 test JPEGs are missing: {str(path)!r}. Put "
            f"{CIFAR10_ARCHIVE} (test/<class>/NNNN.jpg) in "
            "../shared/data/cifar10 beside the repository, or pass "
            "--data_dir=FOLDER."
        )
    members = []
    with tarfile.open(path) as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".jpg"):
                data = archive.extractfile(member).read()
                members.append((member.name, data))
    members.sort()
    classes = sorted({name.split("/")[-2] for name, _ in members})
    images = np.stack(
        [
            np.asarray(PIL.Image.open(io.BytesIO(d)).convert("RGB"))
            for _, d in members
        ]
    )
    labels = np.array(
        [classes.index(name.split("/")[-2]) for name, _ in members], np.int64
    )
    numbers = [int(pathlib.Path(name).stem) for name, _ in members]
    return images, labels, numbers


def cifar10_halves(data_dir, cache_dir) -> str:
    """The even-numbered half as an .npz (written once); returns its path.

    Also writes the odd-numbered half beside it. Each half has 500 images
    of each class.
    """
    return os.fspath(write_cifar10_halves(data_dir, cache_dir)[0])


def write_cifar10_halves(data_dir, cache_dir) -> tuple[pathlib.Path, ...]:
    """`(even_path, odd_path)`, the two halves' .npz files, written once."""
    cache_dir = pathlib.Path(cache_dir)
    train_path = cache_dir / "cifar10-test-even.npz"
    held_out_path = cache_dir / "cifar10-test-odd.npz"
    if not (train_path.is_file() and held_out_path.is_file()):
        images, labels, numbers = read_cifar10_archive(data_dir)
        even = np.array([n % 2 == 0 for n in numbers])
        cache_dir.mkdir(parents=True, exist_ok=True)
        for path, keep in ((train_path, even), (held_out_path, ~even)):
            # Written whole, then renamed: no partial file is ever read.
            partial = path.with_suffix(".partial.npz")
            np.savez(partial, images=images[keep], labels=labels[keep])
            os.replace(partial, path)
    return train_path, held_out_path


def load_cifar10(data_dir, cache_dir):
    """The even-numbered 5,000 CIFAR-10 test JPEGs and the odd 5,000."""
    arrays = [
        np.load(path) for path in write_cifar10_halves(data_dir, cache_dir)
    ]
    return (
        to_float_images(arrays[0]["images"]),
        arrays[0]["labels"],
        to_float_images(arrays[1]["images"]),
        arrays[1]["labels"],
    )


DOMAINS = {
    "mnist": Domain(
        name="mnist",
        held_out="MNIST test digits",
        min_accuracy=0.985,
        recipe=CLASSIFIER_RECIPE,
        load=load_mnist,
        dataset=lambda data_dir, cache_dir: "mnist-sample",
    ),
    "cifar10": Domain(
        name="cifar10",
        held_out="odd-numbered CIFAR-10 test images",
        min_accuracy=0.55,
        recipe={
            **CLASSIFIER_RECIPE,
            "conv_filters": [64, 128, 256],
            "translation": 0.1,
            "zoom": 0.0,
            "flip": True,
            "epochs": 30,
        },
        load=load_cifar10,
        dataset=cifar10_halves,
    ),
}

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags; defined only when run as a script, so that
    importing this module (the tests do) leaves absl's global flags alone."""
    flags.DEFINE_enum(
        "domain",
        "mnist",
        sorted(DOMAINS),
        "Images to train on and score against (see the module docstring).",
    )
    flags.DEFINE_string(
        "preset", None, "TrainConfig preset to train; default: the domain's."
    )
    flags.DEFINE_multi_string(
        "set",
        [],
        "Override, `field=value` or `network.field=value` (JSON-ish values: "
        "2e-4, true, none, nearest). Repeatable.",
    )
    flags.DEFINE_string(
        "dataset", None, "Training data; default: the domain's training images."
    )
    flags.DEFINE_integer("steps", None, "Training budget in generator steps.")
    flags.DEFINE_float(
        "seconds",
        None,
        "Training budget in wall-clock seconds, as `keras-dcgan train "
        "--max_time` counts them (from the start of training, loading the "
        "data and compiling included).",
    )
    flags.DEFINE_string("name", None, "Name of the run in the table.")
    flags.DEFINE_string(
        "workdir", None, "Training workdir; default runs/quality/NAME."
    )
    flags.DEFINE_string(
        "score_workdir", None, "Score this trained workdir (or .keras) only."
    )
    flags.DEFINE_integer("num_samples", 10_000, "Samples to score.")
    flags.DEFINE_integer("sample_seed", 5, "Seed of the scored samples.")
    flags.DEFINE_string(
        "data_dir",
        None,
        "Folder of the domain's held-out files (MNIST t10k-*, CIFAR-10 "
        "test-jpg.tar.gz); default ../shared/data/DOMAIN beside the "
        "repository.",
    )
    flags.DEFINE_string(
        "cache_dir",
        os.path.join(os.path.expanduser("~"), ".cache", "keras_dcgan"),
        "Where the classifiers (and the CIFAR-10 halves) are cached.",
    )
    flags.DEFINE_string(
        "results", "runs/quality/results.jsonl", "Append scores here."
    )


def parse_value(text: str, text_only: bool = False):
    """A `--set` value: JSON literal when it parses, else the string.

    `none` (any case) is None, except for a field that only takes strings
    (`text_only`), where `"none"` is itself a choice, such as
    `network.discriminator_normalization=none`.
    """
    if text_only:
        return text
    if text.lower() == "none":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _text_only_fields(cls) -> set[str]:
    """Names of `cls`'s dataclass fields annotated plain `str`."""
    return {
        field.name
        for field in dataclasses.fields(cls)
        if field.type in (str, "str")
    }


def parse_overrides(items: list[str]) -> tuple[dict, dict]:
    """`(train_overrides, network_overrides)` from `field=value` items."""
    train, network = {}, {}
    text_only = {
        "train": _text_only_fields(config_lib.TrainConfig),
        "network": _text_only_fields(config_lib.presets.NetworkConfig),
    }
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(
                f"--set={item!r} is not `field=value` (or network.field=...)."
            )
        target, kind = train, "train"
        if name.startswith("network."):
            target, kind, name = network, "network", name[len("network.") :]
        target[name] = parse_value(value, name in text_only[kind])
    return train, network


def build_classifier(recipe: dict, image_shape: tuple) -> keras.Model:
    """Three 3x3 convolutions, dense `feature_dim` ReLU, softmax 10."""
    inputs = keras.Input(image_shape, name="images")
    x = inputs
    if recipe.get("flip"):
        x = keras.layers.RandomFlip("horizontal", seed=2)(x)
    # Identity at inference; the background (-1) fills the uncovered edge.
    x = keras.layers.RandomTranslation(
        recipe["translation"],
        recipe["translation"],
        fill_mode="constant",
        fill_value=-1.0,
        seed=recipe["seed"],
    )(x)
    if recipe["zoom"]:
        x = keras.layers.RandomZoom(
            recipe["zoom"], fill_mode="constant", fill_value=-1.0, seed=1
        )(x)
    for i, (filters, strides) in enumerate(
        zip(recipe["conv_filters"], recipe["conv_strides"], strict=True)
    ):
        x = keras.layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            activation="relu",
            name=f"conv{i}",
        )(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(recipe["dropout"])(x)
    features = keras.layers.Dense(
        recipe["feature_dim"], activation="relu", name="features"
    )(x)
    x = keras.layers.Dropout(recipe["dropout"])(features)
    outputs = keras.layers.Dense(
        10, activation="softmax", name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name="domain_cnn")


def classifier_fingerprint(recipe: dict, train_images, train_labels) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    digest.update(keras.__version__.encode())
    digest.update(np.ascontiguousarray(train_images).tobytes())
    digest.update(np.ascontiguousarray(train_labels).tobytes())
    return digest.hexdigest()[:16]


def domain_classifier(domain, cache_dir, images):
    """The domain's cached classifier, trained first if missing.

    Args:
        domain: a `Domain`.
        cache_dir: where the classifier is cached.
        images: `domain.load`'s four arrays.

    Returns:
        `(model, info)`: the classifier and a dict with its held-out
        accuracy and sensitivity scores (computed once, cached beside it).
    """
    train_images, train_labels, test_images, test_labels = images
    recipe = domain.recipe
    fingerprint = classifier_fingerprint(recipe, train_images, train_labels)
    # The MNIST classifier keeps its first name: its cache stays valid.
    prefix = "digit_cnn" if domain.name == "mnist" else f"{domain.name}_cnn"
    path = pathlib.Path(cache_dir) / f"{prefix}-{fingerprint}.keras"
    info_path = path.with_suffix(".json")
    if path.is_file() and info_path.is_file():
        return keras.models.load_model(path), json.loads(info_path.read_text())
    print(f"Training the {domain.name} classifier (cached as {path}) ...")
    keras.utils.set_random_seed(recipe["seed"])
    model = build_classifier(recipe, train_images.shape[1:])
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(
                recipe["learning_rate"],
                recipe["epochs"]
                * math.ceil(len(train_images) / recipe["batch_size"]),
            )
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        train_images,
        train_labels,
        batch_size=recipe["batch_size"],
        epochs=recipe["epochs"],
        verbose=2,
    )
    _, accuracy = model.evaluate(test_images, test_labels, verbose=0)
    if accuracy < domain.min_accuracy:
        raise RuntimeError(
            f"The {domain.name} classifier reached {accuracy:.4f} held-out "
            f"accuracy, below the {domain.min_accuracy} a sensitive feature "
            "space needs."
        )
    extractor = feature_extractor(model)
    reference = extractor(test_images)
    sensitivity = {
        "train images": score(extractor, reference, train_images),
        "blurred train images": score(extractor, reference, blur(train_images)),
        "noisy train images (sd 0.5)": score(
            extractor, reference, noisy(train_images)
        ),
    }
    info = {
        "fingerprint": fingerprint,
        "test_accuracy": float(accuracy),
        "recipe": recipe,
        "sensitivity": sensitivity,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    info_path.write_text(json.dumps(info, indent=2))
    return model, info


def blur(images: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Gaussian blur (separable, 7 taps) of NHWC images."""
    taps = np.arange(-3, 4)
    kernel = np.exp(-(taps**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    padded = np.pad(images, ((0, 0), (3, 3), (3, 3), (0, 0)), mode="edge")
    rows = sum(
        w * padded[:, i : i + images.shape[1], :, :]
        for i, w in enumerate(kernel)
    )
    return sum(
        w * rows[:, :, i : i + images.shape[2], :] for i, w in enumerate(kernel)
    ).astype(np.float32)


def noisy(images: np.ndarray, sd: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, sd, images.shape)
    return np.clip(images + noise, -1.0, 1.0).astype(np.float32)


def feature_extractor(model):
    return metrics.keras_extractor(
        model,
        layer="features",
        probabilities_layer="probabilities",
        batch_size=500,
    )


def score(extractor, reference, images) -> dict:
    """FID, KID, precision/recall and class entropy of `images`."""
    real_features, _ = reference
    features, probabilities = extractor(images)
    kid, _ = metrics.kernel_distance(real_features, features)
    pr = metrics.precision_recall(real_features, features, k=3)
    coverage = metrics.mode_coverage(probabilities)
    return {
        "fid": metrics.frechet_distance(real_features, features),
        "kid_x1000": 1000 * kid,
        "precision": pr["precision"],
        "recall": pr["recall"],
        "class_entropy": coverage["normalized_entropy"],
    }


def print_table(rows: dict) -> None:
    header = (
        f"{'':34s} {'FID':>7s} {'KIDx1e3':>8s} {'prec':>6s} {'recall':>6s} "
        f"{'entropy':>7s}"
    )
    print(header)
    for name, s in rows.items():
        print(
            f"{name:34s} {s['fid']:7.2f} {s['kid_x1000']:8.2f} "
            f"{s['precision']:6.3f} {s['recall']:6.3f} "
            f"{s['class_entropy']:7.3f}"
        )


class StopAfter(keras.callbacks.Callback):
    """Stops `fit` after `steps` generator steps."""

    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step >= self.steps:
            self.model.stop_training = True


def train_configuration(domain: Domain, workdir: str):
    """Trains `--preset` with `--set` for the budget; returns the GAN."""
    if (FLAGS.steps is None) == (FLAGS.seconds is None):
        raise ValueError("Give exactly one budget: --steps or --seconds.")
    train_overrides, network = parse_overrides(FLAGS.set)
    config = config_lib.get_train_config(
        FLAGS.preset or domain.name,
        network=network,
        dataset=FLAGS.dataset
        or domain.dataset(FLAGS.data_dir, FLAGS.cache_dir),
        tensorboard=False,
        **train_overrides,
    )
    _, num_examples = trainer.load_examples(config)
    steps_per_epoch = config.steps_per_epoch or (
        num_examples // config.batch_size
    )
    if FLAGS.steps is not None:
        epochs = math.ceil(FLAGS.steps / steps_per_epoch)
    else:
        epochs = 1000  # the clock stops it
    config = config.replace(epochs=epochs, checkpoint_every_steps=1_000_000)
    start = time.monotonic()
    gan = trainer.train(
        config,
        workdir,
        overwrite=True,
        callbacks=[] if FLAGS.steps is None else [StopAfter(FLAGS.steps)],
        verbose=2,
        max_time=FLAGS.seconds,
    )
    seconds = time.monotonic() - start
    steps = int(gan.g_optimizer.iterations.numpy())
    gan.save(os.path.join(workdir, "final.keras"))
    return gan, config, {"train_seconds": seconds, "train_steps": steps}


def main(argv):
    del argv
    domain = DOMAINS[FLAGS.domain]
    images = domain.load(FLAGS.data_dir, FLAGS.cache_dir)
    test_images = images[2]
    classifier, info = domain_classifier(domain, FLAGS.cache_dir, images)
    extractor = feature_extractor(classifier)
    reference = extractor(test_images)

    if FLAGS.score_workdir:
        name = FLAGS.name or os.path.basename(FLAGS.score_workdir.rstrip("/"))
        workdir = FLAGS.workdir or os.path.dirname(FLAGS.score_workdir)
        if os.path.isdir(FLAGS.score_workdir):
            workdir = FLAGS.workdir or FLAGS.score_workdir
        gan = workdir_lib.load_gan(FLAGS.score_workdir)
        run = {"train_steps": int(gan.g_optimizer.iterations.numpy())}
        config_dict = None
    else:
        name = FLAGS.name or FLAGS.preset or domain.name
        workdir = FLAGS.workdir or os.path.join("runs", "quality", name)
        gan, config, run = train_configuration(domain, workdir)
        config_dict = config.to_dict()

    samples = gan.generate(
        FLAGS.num_samples, seed=FLAGS.sample_seed, batch_size=500
    )
    scores = score(extractor, reference, samples)
    grid = os.path.join(workdir, f"samples-{name}.png")
    images_lib.save_png(images_lib.make_grid(samples[:100], columns=10), grid)

    print(
        f"\n{domain.name} classifier {info['fingerprint']}: held-out "
        f"accuracy {info['test_accuracy']:.4f}. Against the "
        f"{len(test_images)} {domain.held_out} ({FLAGS.num_samples} "
        f"samples, seed {FLAGS.sample_seed}):"
    )
    rows = {f"[ref] {k}": v for k, v in info["sensitivity"].items()}
    rows[name] = scores
    print_table(rows)
    print(f"run: {run}; grid: {grid}")
    record = {
        "name": name,
        "domain": domain.name,
        "command": " ".join(sys.argv),
        **run,
        **scores,
        "classifier": info["fingerprint"],
        "config": config_dict,
    }
    os.makedirs(os.path.dirname(FLAGS.results) or ".", exist_ok=True)
    with open(FLAGS.results, "a") as file:
        file.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    define_flags()
    app.run(main)
