"""Evaluation of a training run: `keras-dcgan evaluate` as a library call.

`load_extractor` turns the command line's short extractor specs into a
`keras_dcgan.metrics.FeatureExtractor`; `evaluate_workdir` scores a workdir's
newest checkpoint against a dataset with `keras_dcgan.metrics.evaluate_gan`,
caching the reference statistics in the workdir.
"""

import hashlib
import json
import os
import tempfile

import keras

from keras_dcgan import data
from keras_dcgan import integrity
from keras_dcgan.checks import check_non_negative_int
from keras_dcgan.errors import OptionError
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
    shape, sample count and extractor. The result is written atomically
    (a temporary file renamed into place), and never over a file that is
    not an earlier evaluation result.

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
        output: str or None. The JSON file to write, ending in `.json`;
            an existing file there is replaced only if it is an earlier
            result of this function (see `check_output`). None writes
            `WORKDIR/evaluation.json` (for a `.keras` file, beside it, or
            in its workdir for a checkpoint in `WORKDIR/checkpoints/`).
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
    base = _run_dir(workdir)
    # A bad output fails before the work: a folder only at the end (leaving
    # a stray temporary file), a model or config after replacing it.
    output = check_output(output, base)
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
    # Again: the file may have appeared while the metrics were computed.
    check_output(output, base)
    _write_json(output, result)
    return result


# The keys `evaluate_workdir` writes besides the metrics: a file holding
# them all is an earlier result, which a new evaluation may replace.
RESULT_KEYS = ("checkpoint", "step", "dataset", "split", "extractor", "seed")
DEFAULT_OUTPUT = "evaluation.json"


def _run_dir(workdir: str) -> str:
    """The folder of the run: `workdir`, or the workdir of a checkpoint."""
    if os.path.isdir(workdir):
        return workdir
    directory = os.path.dirname(workdir)
    if os.path.basename(directory) == workdir_lib.CHECKPOINT_DIR:
        # A checkpoint's workdir; training deletes a stray .json beside it.
        return os.path.dirname(directory)
    return directory


def check_output(output: str | None, run_dir: str) -> str:
    """The JSON file an evaluation writes, checked before any work.

    The evaluation replaces no file it did not write: the path must end in
    `.json`, lie outside the folders training writes (`checkpoints/`,
    `samples/`, `tensorboard/`) and not be the run's `config.json`; a file
    already there must be an earlier evaluation result (a JSON object with
    all of `RESULT_KEYS`).

    Args:
        output: str or None. The path asked for; None is
            `RUN_DIR/evaluation.json`.
        run_dir: str. The folder of the evaluated run.

    Returns:
        The path to write.

    Raises:
        ValueError: A path that does not end in `.json`, or one of the
            run's own files or folders.
        IsADirectoryError: `output` is a folder.
        FileExistsError: A file other than an earlier result is there.
        PermissionError: The path cannot be written.
    """
    default = os.path.join(run_dir, DEFAULT_OUTPUT)
    if output is None:
        output, name = default, f"The default output {default!r}"
    else:
        name = f"output={output!r}"
    if os.path.isdir(output) or os.fspath(output).endswith(("/", os.sep)):
        raise IsADirectoryError(
            f"{name} is a directory; pass the path of a JSON file, "
            f"e.g. {os.path.join(output, DEFAULT_OUTPUT)!r}."
        )
    if not output.lower().endswith(".json"):
        raise ValueError(
            f"{name} does not end in .json; the result is a JSON file, such "
            f"as {default!r} (the default)."
        )
    real = os.path.realpath(output)
    run = os.path.realpath(run_dir)
    for folder in (
        workdir_lib.CHECKPOINT_DIR,
        workdir_lib.SAMPLES_DIR,
        workdir_lib.TENSORBOARD_DIR,
    ):
        if real.startswith(os.path.join(run, folder) + os.sep):
            raise ValueError(
                f"{name} is inside the run's {folder}/ folder, which "
                "training writes and cleans up; pass a path outside it, "
                f"such as {default!r} (the default)."
            )
    if real == os.path.join(run, workdir_lib.CONFIG_FILE):
        raise ValueError(
            f"{name} is the run's {workdir_lib.CONFIG_FILE}, which "
            f"training reads back; pass another path, such as {default!r} "
            "(the default)."
        )
    if os.path.lexists(output):
        why = _not_a_result(output)
        if why is not None:
            raise FileExistsError(
                f"{name} already exists and is not an earlier evaluation "
                f"result ({why}); it is not replaced. Pass another `output` "
                "path, or move the file away."
            )
    integrity.check_writable(output, "output", is_dir=False)
    return output


def _not_a_result(path: str) -> str | None:
    """Why the file at `path` is not an earlier result, or None if it is."""
    try:
        with open(path, "rb") as f:
            content = json.loads(f.read(1 << 20).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "not a JSON object"
    if not isinstance(content, dict):
        return "not a JSON object"
    missing = [key for key in RESULT_KEYS if key not in content]
    if missing:
        return f"it lacks the keys {missing}"
    return None


def _write_json(path: str, content: dict) -> None:
    """Writes `content` to `path` atomically: temporary file, then rename."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, partial = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".partial", dir=directory
    )
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(content, f, indent=2)
            f.write("\n")
        os.replace(partial, path)
    except BaseException:
        os.remove(partial)
        raise


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
    # `allow_conversion=True` in Python, `--allow_conversion` on the
    # command line.
    raise OptionError(
        f"The model makes {size}x{size}x{channels} images but {dataset!r} "
        f"holds {height}x{width}x{native_channels} ones; scoring would "
        f"convert the real images ({', '.join(changes)}) and compare "
        "different things. Evaluate against the data the model was trained "
        f"on{trained}, or pass "
        "{allow_conversion} to convert them anyway.",
        allow_conversion=True,
    )
