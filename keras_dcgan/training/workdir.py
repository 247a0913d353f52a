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

Each checkpoint's `.json` keeps a copy of `config.json` too, from which
`saved_config` recovers a damaged or missing one. Reading a run's files
imports no TensorFlow; `load_gan` loads Keras.

`.keras` files do not hold the state of `keras.random.SeedGenerator`s (the
DCGAN's training noise), so `save_checkpoint` stores it in the `.json` and
`load_gan` restores it.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import warnings

import numpy as np

from keras_dcgan import integrity
from keras_dcgan.errors import OptionError
from keras_dcgan.training.config import TrainConfig

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

    Raises:
        keras_dcgan.integrity.DamagedFileError: The `.json` is not JSON.
    """
    return integrity.read_json(path[: -len(".keras")] + ".json")


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
    # The digest lets a reader tell a whole file from a damaged one.
    digest = integrity.sha256(partial)
    os.replace(partial, path)
    state = {**state, "rng_state": rng_state(gan), "sha256": digest}
    state["checksum"] = state_checksum(state)
    state_path = path[: -len(".keras")] + ".json"
    with open(state_path + ".partial", "w") as f:
        json.dump(state, f, indent=2)
    os.replace(state_path + ".partial", state_path)
    return path


def state_checksum(state: dict) -> str:
    """The SHA-256 of a checkpoint's counters, without their `checksum`.

    Lets a reader tell a flipped digit in otherwise valid JSON.

    Args:
        state: dict. The counters of a checkpoint.

    Returns:
        64 hex digits.
    """
    content = {key: value for key, value in state.items() if key != "checksum"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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

    Raises:
        keras_dcgan.integrity.DamagedFileError: The file is not JSON.
    """
    path = os.path.join(workdir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    return integrity.read_json(path)


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


# Inside the folders train writes, the names it writes: `--overwrite`
# deletes these and leaves anything else (a user's own files) in place.
_WRITTEN_NAMES = {
    CHECKPOINT_DIR: re.compile(r"^(step-\d{8,}\.(keras|json)(\..*)?|damaged)$"),
    SAMPLES_DIR: re.compile(r"^step-\d{8,}\.png(\.partial)?$"),
    TENSORBOARD_DIR: re.compile(r"^events\.out\.tfevents\..*$"),
}


def remove_training_outputs(workdir: str) -> list[str]:
    """Deletes what `keras-dcgan train` wrote (`TRAINING_OUTPUTS`) only.

    Inside `checkpoints/`, `samples/` and `tensorboard/` only the files
    training writes are deleted (and the folder, once empty): other files
    placed there are kept.

    Args:
        workdir: str. The run's work directory.

    Returns:
        The deleted paths.
    """
    removed = []
    for name in TRAINING_OUTPUTS:
        path = os.path.join(workdir, name)
        if name in _WRITTEN_NAMES and os.path.isdir(path):
            for entry in sorted(os.listdir(path)):
                if not _WRITTEN_NAMES[name].match(entry):
                    continue
                entry_path = os.path.join(path, entry)
                if os.path.isdir(entry_path):
                    shutil.rmtree(entry_path)
                else:
                    os.remove(entry_path)
                removed.append(entry_path)
            if not os.listdir(path):
                os.rmdir(path)
                removed.append(path)
            continue
        for written in (path, path + ".partial", path + ".damaged"):
            if os.path.isdir(written) and not os.path.islink(written):
                shutil.rmtree(written)
            elif os.path.lexists(written):
                os.remove(written)
            else:
                continue
            removed.append(written)
    return removed


DAMAGED_DIR = "damaged"
# What every `.keras` file Keras writes holds.
_KERAS_MEMBERS = ("config.json", "model.weights.h5")


def checkpoint_damage(path: str) -> str | None:
    """Why a checkpoint is damaged, or None when it reads back whole.

    Checks the `.json` counters (JSON, with the step the name says) and the
    `.keras` file (a zip archive whose every member passes its CRC check and
    whose SHA-256 matches the one saved in the `.json`, when saved).

    Args:
        path: str. A checkpoint's `.keras` path.

    Returns:
        A reason (str), or None.
    """
    state_path = path[: -len(".keras")] + ".json"
    try:
        state = integrity.read_json(state_path)
    except integrity.DamagedFileError as error:
        return f"its counters {os.path.basename(state_path)} are {error.reason}"
    except OSError as error:
        return f"its counters cannot be read ({error})"
    match = _CHECKPOINT_RE.match(os.path.basename(path))
    if not isinstance(state, dict) or (
        match and state.get("step") != int(match.group(1))
    ):
        return (
            f"its counters {os.path.basename(state_path)} do not hold the "
            "step its name says"
        )
    if "checksum" in state and state["checksum"] != state_checksum(state):
        return (
            f"its counters {os.path.basename(state_path)} differ from their "
            "checksum"
        )
    damage = integrity.zip_damage(path, _KERAS_MEMBERS)
    if damage is not None:
        return damage
    expected = state.get("sha256")
    if expected is not None and integrity.sha256(path) != expected:
        return "its SHA-256 differs from the one saved when it was written"
    return None


def move_checkpoint_aside(path: str) -> str | None:
    """Moves a damaged checkpoint (`.keras` and `.json`) to `damaged/`.

    Args:
        path: str. The checkpoint's `.keras` path.

    Returns:
        The `.keras` file's new path, or None when it could not be moved.
    """
    directory = os.path.join(os.path.dirname(path), DAMAGED_DIR)
    state_path = path[: -len(".keras")] + ".json"
    moved = integrity.move_aside(path, directory)
    if moved is not None and os.path.exists(state_path):
        integrity.move_aside(state_path, directory)
    return moved


def newest_intact_checkpoint(workdir: str, move_damaged: bool = True):
    """The newest checkpoint of a workdir that reads back whole.

    Damaged checkpoints (see `checkpoint_damage`) newer than it are moved to
    `checkpoints/damaged/` (never deleted) and each is reported with a
    `keras_dcgan.integrity.DamagedFileWarning` naming the file, the reason
    and where it went.

    Args:
        workdir: str. The run's work directory.
        move_damaged: bool. Move damaged checkpoints aside; False only
            skips them (for readers that must not change the workdir).
            Defaults to True.

    Returns:
        The `.keras` path, or None when no intact checkpoint is left.
    """
    checkpoints = list_checkpoints(workdir)
    for index in range(len(checkpoints) - 1, -1, -1):
        path = checkpoints[index][1]
        reason = checkpoint_damage(path)
        if reason is None:
            return path
        moved = move_checkpoint_aside(path) if move_damaged else None
        fallback = (
            f"falling back to {checkpoints[index - 1][1]!r}"
            if index
            else "no older checkpoint is left"
        )
        integrity.warn_damaged(path, reason, moved, fallback)
    return None


def load_gan(workdir_or_file: str):
    """Loads the trained DCGAN of a workdir (its newest checkpoint).

    Args:
        workdir_or_file: str. A work directory, or a `.keras` file.

    Returns:
        The compiled `DCGAN`, with its training-noise RNG state restored
        when the checkpoint's `.json` holds it.

    Raises:
        FileNotFoundError: No intact checkpoint, or no such path.
        keras_dcgan.integrity.DamagedFileError: The `.keras` file given is
            damaged. (In a workdir, damaged checkpoints are moved aside
            with a warning and the newest intact one is loaded.)
        ValueError: The file holds a Keras model that is not a `DCGAN`.

    Example:
    >>> gan = load_gan("runs/demo")  # doctest: +SKIP
    """
    path = workdir_or_file
    if os.path.isdir(workdir_or_file):
        had_checkpoints = bool(list_checkpoints(workdir_or_file))
        path = newest_intact_checkpoint(workdir_or_file)
        if path is None:
            if had_checkpoints:
                raise FileNotFoundError(
                    f"No intact checkpoint in workdir {workdir_or_file!r}, "
                    "only damaged ones (moved to "
                    f"{CHECKPOINT_DIR}/{DAMAGED_DIR}/)."
                )
            raise FileNotFoundError(
                f"No checkpoint in workdir {workdir_or_file!r}: expected "
                f"{CHECKPOINT_DIR}/step-NNNNNNNN.keras files written by "
                "`keras-dcgan train`."
            )
    elif not os.path.isfile(path):
        raise FileNotFoundError(
            f"{workdir_or_file!r} is neither a workdir nor a .keras file."
        )
    else:
        state_path = path[: -len(".keras")] + ".json"
        reason = (
            checkpoint_damage(path)
            if os.path.exists(state_path)
            else integrity.zip_damage(path, _KERAS_MEMBERS)
        )
        if reason is not None:
            raise integrity.DamagedFileError(
                path, reason, "Load an intact checkpoint or its workdir."
            )
    # Keras loads here only: reading a run's files (`saved_config`) does
    # not import TensorFlow. The import registers the package's
    # serializable classes before deserializing.
    import keras

    from keras_dcgan.models import DCGAN

    gan = keras.models.load_model(path)
    if not isinstance(gan, DCGAN):
        raise ValueError(
            f"{path!r} holds a {type(gan).__name__} ({gan.name!r}), not a "
            "keras_dcgan DCGAN; pass a workdir or a checkpoint written by "
            "`keras-dcgan train` (WORKDIR/checkpoints/step-NNNNNNNN.keras)."
        )
    state_path = path[: -len(".keras")] + ".json"
    if os.path.exists(state_path):
        saved_rng = read_checkpoint_state(path).get("rng_state")
        if saved_rng is not None:
            restore_rng_state(gan, saved_rng)
    return gan


def saved_config(
    workdir: str, repair: bool = True
) -> tuple[dict | None, str | None]:
    """The configuration of the run in `workdir`, and where it was read.

    `config.json`, checked against the checksummed copy that each
    checkpoint keeps. The copy in the newest intact checkpoint is used
    instead when `config.json` is damaged (unreadable, not a training
    configuration, or defining another run than the copy: a flipped bit
    that leaves valid JSON) or missing while checkpoints exist; a
    `keras_dcgan.integrity.DamagedFileWarning` names the file, a damaged
    one is moved aside to `config.json.damaged` (never deleted), and
    `config.json` is written again from the copy.

    Args:
        workdir: str. The run's work directory.
        repair: bool. Move a damaged file aside, write `config.json` anew
            from the copy and warn. False only reads: nothing in the
            workdir changes and nothing is reported (for a look before the
            run takes the workdir's lock). Defaults to True.

    Returns:
        `(config, source)`: the configuration as a dict and the file it
        came from (`config.json` or a checkpoint's `.keras` path), or
        `(None, None)` when the workdir holds no run.

    Raises:
        ValueError: `config.json` is damaged or missing and no intact
            checkpoint holds a copy of the configuration; the message names
            the file and what to do.

    Example:
    >>> config, source = saved_config("runs/demo")  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        if not repair:
            warnings.simplefilter("ignore", integrity.DamagedFileWarning)
        config, source, damaged = _saved_config(workdir, repair)
    if damaged is None or not repair:
        return config, source
    exists = os.path.exists(damaged.path)
    moved = integrity.move_aside(damaged.path) if exists else None
    instead = f"using the copy of the configuration saved in {source!r}"
    if moved is not None or not exists:  # never over the damaged file
        with contextlib.suppress(OSError):  # a read-only workdir
            write_config(workdir, config)
            instead = (
                f"wrote {CONFIG_FILE} anew from the copy of the "
                f"configuration saved in {source!r}"
            )
    if exists:
        integrity.warn_damaged(damaged.path, damaged.reason, moved, instead)
    else:
        warnings.warn(
            f"{damaged.path!r} is missing; {instead}.",
            integrity.DamagedFileWarning,
            stacklevel=2,
        )
    return config, source


def _saved_config(workdir, repair):
    """`(config, source, damaged)`: `damaged` names a config.json to replace
    (a `DamagedFileError`, also for a missing one), else None."""
    path = os.path.join(workdir, CONFIG_FILE)
    try:
        saved = read_config(workdir)
        damaged = None
    except integrity.DamagedFileError as error:
        saved, damaged = None, error
    if saved is None and damaged is None:
        if not list_checkpoints(workdir):
            return None, None, None
        damaged = integrity.DamagedFileError(path, "it is missing")
    if saved is not None:
        try:
            TrainConfig.from_dict(saved)
        except (ValueError, TypeError, AttributeError) as error:
            # The first clause: not the list of every known setting.
            reason = (
                "it holds no training configuration "
                f"({str(error).split('; ')[0]})"
            )
            saved, damaged = None, integrity.DamagedFileError(path, reason)
    checkpoint, copy = _checkpoint_copy(workdir, repair)
    if saved is not None:
        if copy is None:
            return saved, path, None
        changes = TrainConfig.from_dict(copy).incompatible_changes(
            TrainConfig.from_dict(saved)
        )
        if not changes:
            return saved, path, None
        damaged = integrity.DamagedFileError(
            path,
            f"it defines another run than the copy saved with {checkpoint!r} "
            f"({'; '.join(changes)})",
        )
    if copy is None:
        raise _no_copy_error(workdir, damaged, checkpoint)
    return copy, checkpoint, damaged


def _checkpoint_copy(workdir, repair):
    """The newest intact checkpoint and its copy of the configuration."""
    checkpoint = newest_intact_checkpoint(workdir, move_damaged=repair)
    if checkpoint is None:
        return None, None
    copy = read_checkpoint_state(checkpoint).get("train_config")
    try:
        TrainConfig.from_dict(copy)
    except (ValueError, TypeError, AttributeError):
        # Written by a version whose settings this one does not know.
        return checkpoint, None
    return checkpoint, copy


def _no_copy_error(workdir, damaged, checkpoint) -> OptionError:
    """Why the run's configuration cannot be recovered, and what to do.

    `checkpoint` is the newest intact checkpoint (one without a copy of
    the configuration), or None when there is none.
    """
    path = damaged.path
    if not os.path.exists(path):
        problem = f"Workdir {workdir!r} has checkpoints but no {CONFIG_FILE}"
    else:
        problem = str(damaged).rstrip(".")
    if checkpoint is None and not list_checkpoints(workdir):
        damaged_dir = os.path.join(workdir, CHECKPOINT_DIR, DAMAGED_DIR)
        if os.path.isdir(damaged_dir):
            why = f"its checkpoints are damaged (moved to {damaged_dir!r})"
        else:
            # Nothing saved to lose: starting again is a way out.
            return OptionError(
                f"{problem}. The run saved no checkpoint, so no copy of its "
                "configuration exists and starting again loses no "
                "checkpoint: repair the file, or pass {overwrite}.",
                overwrite=True,
            )
    elif checkpoint is None:
        why = "its checkpoints are damaged"
    else:
        why = (
            f"{checkpoint!r} holds no copy of the configuration (written by "
            "an older version of keras-dcgan)"
        )
    return OptionError(
        f"{problem}; cannot tell which configuration the run's checkpoints "
        f"belong to: {why}. Write {path!r} with the settings the run "
        "started with to resume it; {overwrite} deletes the checkpoints "
        "and starts again.",
        overwrite=True,
    )
