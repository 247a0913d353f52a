"""The layout of a training work directory, and safe reads and writes of it.

A workdir holds everything one training run produces:

    WORKDIR/
      config.json                  the resolved experiment configuration
      checkpoints/
        step-00001200.keras        full DCGAN: both networks, both optimizers
        step-00001200.json         counters and the RNG state
      samples/step-NNNNNNNN.png    fixed-noise sample grids during training
      training.gif                 those grids as an animation
      metrics.csv                  losses and discriminator outputs per step
      training_curve.png           the losses over steps
      tensorboard/                 TensorBoard event files

Checkpoints are written to a temporary name and renamed into place, so a
process killed mid-write never leaves a file that looks complete. The newest
complete checkpoint is the one with the highest step whose `.json` exists
(the `.json` is renamed into place last).

`.keras` files do not hold the state of `keras.random.SeedGenerator`s (the
DCGAN's training noise), so `save_checkpoint` stores it in the `.json` and
`load_gan` restores it.
"""

import json
import os
import re
import shutil

import keras
import numpy as np

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
TRAINING_GIF = "training.gif"
METRICS_CSV = "metrics.csv"
TRAINING_CURVE = "training_curve.png"
TENSORBOARD_DIR = "tensorboard"
# Everything `keras-dcgan train` writes; `--overwrite` removes only these.
TRAINING_OUTPUTS = (
    CONFIG_FILE,
    CHECKPOINT_DIR,
    SAMPLES_DIR,
    TRAINING_GIF,
    METRICS_CSV,
    TRAINING_CURVE,
    TENSORBOARD_DIR,
)
_CHECKPOINT_RE = re.compile(r"^step-(\d{8,})\.keras$")


def checkpoint_path(workdir: str, step: int) -> str:
    """The path of the checkpoint for `step`.

    Args:
        workdir: str. The run's work directory.
        step: int. The global training step.

    Returns:
        The `.keras` file path.

    Example:
    >>> checkpoint_path("runs/demo", 1200)
    'runs/demo/checkpoints/step-00001200.keras'
    """
    return os.path.join(workdir, CHECKPOINT_DIR, f"step-{step:08d}.keras")


def list_checkpoints(workdir: str) -> list[tuple[int, str]]:
    """The complete checkpoints of a workdir, oldest first.

    Args:
        workdir: str. The run's work directory.

    Returns:
        A list of `(step, path)`; empty when there is none.
    """
    directory = os.path.join(workdir, CHECKPOINT_DIR)
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        match = _CHECKPOINT_RE.match(name)
        path = os.path.join(directory, name)
        if match and os.path.exists(path[: -len(".keras")] + ".json"):
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(workdir: str) -> str | None:
    """The newest complete checkpoint of a workdir.

    Args:
        workdir: str. The run's work directory.

    Returns:
        The `.keras` path, or None when the workdir has no checkpoint.
    """
    checkpoints = list_checkpoints(workdir)
    return checkpoints[-1][1] if checkpoints else None


def read_checkpoint_state(path: str) -> dict:
    """The counters saved beside a checkpoint (step, epoch, ...).

    Args:
        path: str. A checkpoint's `.keras` path.

    Returns:
        The dict stored in the checkpoint's `.json` file.
    """
    with open(path[: -len(".keras")] + ".json") as f:
        return json.load(f)


def save_checkpoint(gan, workdir: str, step: int, state: dict) -> str:
    """Saves a full DCGAN checkpoint atomically.

    Args:
        gan: DCGAN. The model to save, compiled.
        workdir: str. The run's work directory.
        step: int. The global training step.
        state: dict. JSON-serialisable counters saved beside the model
            (at least `step` and `epoch`).

    Returns:
        The checkpoint's `.keras` path.
    """
    path = checkpoint_path(workdir, step)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + ".partial.keras"
    gan.save(partial)
    os.replace(partial, path)
    state = {**state, "rng_state": rng_state(gan)}
    state_path = path[: -len(".keras")] + ".json"
    with open(state_path + ".partial", "w") as f:
        json.dump(state, f, indent=2)
    os.replace(state_path + ".partial", state_path)
    return path


def rng_state(model) -> dict[str, list[int]]:
    """The states of a model's `SeedGenerator`s, by variable path.

    `model.variables` holds them but `model.weights` (what `.keras` files
    save) does not.

    Args:
        model: keras.Model. Any model.

    Returns:
        A dict from each seed state variable's path to its values.
    """
    weights = {id(weight) for weight in model.weights}
    return {
        variable.path: np.asarray(variable.numpy()).tolist()
        for variable in model.variables
        if id(variable) not in weights
    }


def restore_rng_state(model, state: dict[str, list[int]]) -> None:
    """Sets a model's `SeedGenerator` states from `rng_state` output.

    Args:
        model: keras.Model. The model to update.
        state: dict. As returned by `rng_state` for the same architecture.
    """
    current = rng_state(model)
    if set(current) != set(state):
        raise ValueError(
            f"The saved RNG state has variables {sorted(state)} but the "
            f"model has {sorted(current)}; was it saved from another model?"
        )
    for variable in model.variables:
        if variable.path in state:
            variable.assign(np.asarray(state[variable.path], variable.dtype))


def remove_partial_files(workdir: str) -> list[str]:
    """Deletes what a killed process left half-written in the checkpoints.

    Args:
        workdir: str. The run's work directory.

    Returns:
        The deleted paths.
    """
    directory = os.path.join(workdir, CHECKPOINT_DIR)
    if not os.path.isdir(directory):
        return []
    complete = {path for _, path in list_checkpoints(workdir)}
    removed = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        stem = path[: -len(".json")] + ".keras"
        orphan_state = name.endswith(".json") and not os.path.exists(stem)
        if ".partial" in name or orphan_state:
            os.remove(path)
            removed.append(path)
        elif name.endswith(".keras") and path not in complete:
            # A model renamed into place whose counters were never written.
            os.remove(path)
            removed.append(path)
    return removed


def remove_old_checkpoints(workdir: str, keep: int) -> list[str]:
    """Deletes all but the `keep` newest complete checkpoints.

    The `.json` goes first, so a process killed in between leaves a file
    `latest_checkpoint` ignores, never a checkpoint without counters.

    Args:
        workdir: str. The run's work directory.
        keep: int. How many checkpoints to keep, at least 1.

    Returns:
        The deleted `.keras` paths.
    """
    if keep < 1:
        raise ValueError(f"`keep` must be >= 1; received {keep!r}.")
    old = [path for _, path in list_checkpoints(workdir)[:-keep]]
    for path in old:
        os.remove(path[: -len(".keras")] + ".json")
        os.remove(path)
    return old


def read_config(workdir: str) -> dict | None:
    """The `config.json` of a workdir.

    Args:
        workdir: str. The run's work directory.

    Returns:
        The parsed JSON, or None when the workdir has none.
    """
    path = os.path.join(workdir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_config(workdir: str, config: dict) -> str:
    """Writes `config.json` atomically.

    Args:
        workdir: str. The run's work directory; created if missing.
        config: dict. JSON-serialisable configuration.

    Returns:
        The path written.
    """
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, CONFIG_FILE)
    with open(path + ".partial", "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    os.replace(path + ".partial", path)
    return path


def remove_training_outputs(workdir: str) -> list[str]:
    """Deletes what `keras-dcgan train` wrote (`TRAINING_OUTPUTS`) only.

    Args:
        workdir: str. The run's work directory.

    Returns:
        The deleted paths.
    """
    removed = []
    for name in TRAINING_OUTPUTS:
        path = os.path.join(workdir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
        else:
            continue
        removed.append(path)
    return removed


def load_gan(workdir_or_file: str):
    """Loads the trained DCGAN of a workdir (its newest checkpoint).

    Args:
        workdir_or_file: str. A work directory, or a `.keras` file.

    Returns:
        The compiled `DCGAN`, with its training-noise RNG state restored
        when the checkpoint's `.json` holds it.

    Example:
    >>> gan = load_gan("runs/demo")  # doctest: +SKIP
    """
    path = workdir_or_file
    if os.path.isdir(workdir_or_file):
        path = latest_checkpoint(workdir_or_file)
        if path is None:
            raise FileNotFoundError(
                f"No checkpoint in workdir {workdir_or_file!r}: expected "
                f"{CHECKPOINT_DIR}/step-NNNNNNNN.keras files written by "
                "`keras-dcgan train`."
            )
    elif not os.path.isfile(path):
        raise FileNotFoundError(
            f"{workdir_or_file!r} is neither a workdir nor a .keras file."
        )
    # Registers the package's serializable classes before deserializing
    # (`import keras_dcgan` alone imports nothing: the package is lazy).
    import keras_dcgan.models.dcgan  # noqa: F401

    gan = keras.models.load_model(path)
    state_path = path[: -len(".keras")] + ".json"
    if os.path.exists(state_path):
        saved_rng = read_checkpoint_state(path).get("rng_state")
        if saved_rng is not None:
            restore_rng_state(gan, saved_rng)
    return gan
