"""The layout of a training work directory, and safe reads and writes of it.

A workdir holds everything one training run produces:

    WORKDIR/
      config.json                  the resolved experiment configuration
      checkpoints/
        step-00001200.keras        full DCGAN: both networks, both optimizers,
        step-00001200.json         RNG state; the json holds the counters
      ...                          samples, curves, TensorBoard logs

Checkpoints are written to a temporary name and renamed into place, so a
process killed mid-write never leaves a file that looks complete. The newest
complete checkpoint is the one with the highest step whose `.json` exists
(the `.json` is renamed into place last).
"""

import json
import os
import re

import keras

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
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
    state_path = path[: -len(".keras")] + ".json"
    with open(state_path + ".partial", "w") as f:
        json.dump(state, f, indent=2)
    os.replace(state_path + ".partial", state_path)
    return path


def load_gan(workdir_or_file: str):
    """Loads the trained DCGAN of a workdir (its newest checkpoint).

    Args:
        workdir_or_file: str. A work directory, or a `.keras` file.

    Returns:
        The compiled `DCGAN`.

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
    # Registers the package's serializable classes before deserializing.
    import keras_dcgan  # noqa: F401

    return keras.models.load_model(path)
