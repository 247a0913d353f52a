"""Evaluation of a training run: `keras-dcgan evaluate` as a library call.

`load_extractor` turns the command line's short extractor specs into a
`keras_dcgan.metrics.FeatureExtractor`; `evaluate_workdir` scores a workdir's
newest checkpoint against a dataset with `keras_dcgan.metrics.evaluate_gan`,
caching the reference statistics in the workdir.
"""

import hashlib
import json
import os

import keras

from keras_dcgan import data
from keras_dcgan import integrity
from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.metrics import evaluate_gan
from keras_dcgan.metrics import reference_statistics
from keras_dcgan.metrics.extractors import FeatureExtractor
from keras_dcgan.metrics.extractors import classifier_extractor
from keras_dcgan.metrics.extractors import inception_v3_extractor
from keras_dcgan.metrics.extractors import keras_extractor
from keras_dcgan.training import workdir as workdir_lib

EXTRACTOR_SPECS = (
    "inception",
    "inception:PATH",
    "classifier:PATH",
    "keras:PATH",
    "keras:PATH:LAYER",
)


def load_extractor(spec: str) -> FeatureExtractor:
    """An extractor from a text spec, as the command line takes it.

    Args:
        spec: str. `"inception"` (ImageNet weights from the Keras cache or a
            download), `"inception:PATH"` (InceptionV3 weights file),
            `"classifier:PATH"` (a saved `DomainClassifier`),
            `"keras:PATH"` or `"keras:PATH:LAYER"` (a saved Keras model,
            optionally one of its layers).

    Returns:
        A `FeatureExtractor`.

    Raises:
        FileNotFoundError: A model or weights file is missing.
        ValueError: An unknown spec, or a file that holds no extractor.

    Example:
    >>> extractor = load_extractor("classifier:digits.keras")  # doctest: +SKIP
    """
    kind, _, rest = spec.partition(":")
    path = rest.partition(":")[0]
    if kind == "keras" and path and not os.path.isfile(path):
        raise FileNotFoundError(
            f"`extractor` {spec!r}: no such file {path!r}; pass the path of "
            "a saved Keras model (keras:PATH or keras:PATH:LAYER)."
        )
    if kind == "inception":
        return inception_v3_extractor(rest or "imagenet")
    if kind == "classifier" and rest:
        return classifier_extractor(rest)
    if kind == "keras" and rest:
        path, _, layer = rest.partition(":")
        model = keras.models.load_model(path)
        if not hasattr(model, "inputs"):
            raise ValueError(
                f"{path!r} holds a {type(model).__name__}, not a feature "
                "extractor (a functional Keras model of images). To score a "
                "DCGAN, evaluate its workdir with extractor 'inception' or "
                "'classifier:PATH' (a classifier trained on the real data)."
            )
        return keras_extractor(model, layer or None)
    raise ValueError(
        f"Unknown extractor {spec!r}; expected one of {list(EXTRACTOR_SPECS)}."
    )


def evaluate_workdir(
    workdir: str,
    dataset: str,
    num_samples: int = 10000,
    extractor: str = "inception",
    seed: int = 0,
    batch_size: int = 64,
    split: str = "train",
    output: str | None = None,
    allow_conversion: bool = False,
) -> dict:
    """Evaluates a training run's newest checkpoint; `keras-dcgan evaluate`.

    Reference statistics of the data are cached in
    `WORKDIR/eval/reference-<hash>.npz`, keyed by dataset, split, image
    shape, sample count and extractor.

    Args:
        workdir: str. A training work directory (or a `.keras` file).
        dataset: str. A `keras_dcgan.data.load` source, e.g. `"mnist"`.
        num_samples: int. Generated and real images each. Defaults to 10000.
        extractor: str. A `load_extractor` spec: `"inception"`,
            `"inception:PATH"`, `"classifier:PATH"`, `"keras:PATH[:LAYER]"`.
            Defaults to `"inception"`.
        seed: int. Seed of the generated samples, >= 0. Defaults to 0.
        batch_size: int. Defaults to 64.
        split: str. Dataset split of the real images. Defaults to `"train"`.
        output: str or None. The JSON file to write; None writes
            `WORKDIR/evaluation.json` (beside the `.keras` file for a file).
            Defaults to None.
        allow_conversion: bool. Evaluate against a dataset whose images
            differ from the model's (size or channels) and that the run was
            not trained on, converting the real images to the model's
            shape. Defaults to False: such a mismatch is an error, since
            scores of converted data mislead (a grayscale 28x28 model
            scored against colour 32x32 data converted to gray 28x28).

    Returns:
        The dict written: the metrics plus `checkpoint`, `step`, `dataset`,
        `split`, `extractor` and `seed`.

    Example:
    >>> result = evaluate_workdir(
    ...     "runs/demo", "mnist-sample", num_samples=2000,
    ...     extractor="classifier:digits.keras")  # doctest: +SKIP
    >>> result["fid"]  # doctest: +SKIP
    """
    # The seed also draws the KID subsets, which NumPy seeds only with an
    # int >= 0: checked before the model and the data load.
    check_non_negative_int("seed", seed)
    # An output that cannot be written fails before the work: a folder
    # would fail only at the end, leaving a stray '.partial' file in it.
    if output is not None and (
        os.path.isdir(output) or os.fspath(output).endswith(("/", os.sep))
    ):
        raise IsADirectoryError(
            f"output={output!r} is a directory; pass the path of a JSON file, "
            f"e.g. {os.path.join(output, 'evaluation.json')!r}."
        )
    base = workdir if os.path.isdir(workdir) else os.path.dirname(workdir)
    integrity.check_writable(
        output or os.path.join(base, "evaluation.json"), "output", False
    )
    checkpoint = workdir
    if os.path.isdir(workdir):
        # Damaged checkpoints are set aside (with a warning) first.
        checkpoint = workdir_lib.newest_intact_checkpoint(workdir) or workdir
    gan = workdir_lib.load_gan(checkpoint)
    # The data is checked before the extractor loads: a wrong --dataset is
    # the first error to report, not the missing Inception weights.
    _check_data_matches(gan, dataset, split, workdir, allow_conversion)
    feature_extractor = load_extractor(extractor)
    size, _, channels = gan.image_shape
    key = json.dumps(
        [
            dataset,
            split,
            size,
            channels,
            num_samples,
            feature_extractor.identity,
        ]
    )
    base = workdir if os.path.isdir(workdir) else os.path.dirname(workdir)
    cache = os.path.join(
        base,
        "eval",
        f"reference-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz",
    )
    # `data.load` drops a last partial batch, right for training; evaluation
    # wants every image, so batch by one and regroup.
    real = (
        data.load(
            dataset,
            image_size=size,
            channels=channels,
            batch_size=1,
            split=split,
            shuffle=False,
            with_labels=False,
        )
        .unbatch()
        .batch(batch_size)
    )
    reference = reference_statistics(
        real, feature_extractor, num_samples, cache_path=cache, seed=seed
    )
    metrics = evaluate_gan(
        gan,
        reference,
        feature_extractor,
        num_samples=num_samples,
        seed=seed,
        batch_size=batch_size,
    )
    state = {}
    if (
        checkpoint
        and checkpoint.endswith(".keras")
        and os.path.exists(checkpoint[: -len(".keras")] + ".json")
    ):
        state = workdir_lib.read_checkpoint_state(checkpoint)
    result = {
        "checkpoint": checkpoint,
        "step": state.get("step"),
        "dataset": dataset,
        "split": split,
        "extractor": feature_extractor.identity,
        "seed": seed,
        **metrics,
    }
    output = output or os.path.join(base, "evaluation.json")
    directory = os.path.dirname(output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(output + ".partial", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(output + ".partial", output)
    return result


def _check_data_matches(gan, dataset, split, workdir, allow_conversion):
    """Refuses real images of another shape than the model's.

    Unless the run was trained on that dataset (and so converted it the same
    way) or `allow_conversion` is set.
    """
    size, _, channels = gan.image_shape
    height, width, native_channels = data.describe(
        dataset, split=split
    ).image_shape
    changes = []
    if native_channels != channels:
        changes.append(f"{native_channels} -> {channels} channels")
    if (height, width) != (size, size) and None not in (height, width):
        changes.append(f"{height}x{width} -> {size}x{size} pixels")
    if not changes or allow_conversion:
        return
    trained_on = None
    if os.path.isdir(workdir):
        try:
            trained_on = (workdir_lib.read_config(workdir) or {}).get("dataset")
        except integrity.DamagedFileError:
            trained_on = None
    if trained_on == dataset:
        return  # converted as in training
    trained = f" ({trained_on!r})" if trained_on else ""
    raise ValueError(
        f"The model makes {size}x{size}x{channels} images but {dataset!r} "
        f"holds {height}x{width}x{native_channels} ones; scoring would "
        f"convert the real images ({', '.join(changes)}) and compare "
        "different things. Evaluate against the data the model was trained "
        f"on{trained}, or pass allow_conversion=True to convert them anyway."
    )
