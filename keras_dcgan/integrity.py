"""Checks that files read back from disk are whole, and sets damaged ones aside.

A disk that fills up, a copy that stops half-way or a flipped bit leaves a
file that exists but cannot be what was written. Every file this package
reads back (checkpoints, their counters, configurations, logs) goes through
these checks, so that a damaged file is named, with the reason, and moved
aside rather than crashing a run with an unrelated error or being deleted.
"""

import hashlib
import json
import os
import tempfile
import warnings
import zipfile


class DamagedFileError(ValueError):
    """A file exists but its content is not what was written.

    Attributes:
        path: str. The damaged file.
        reason: str. What is wrong with it.
    """

    def __init__(self, path: str, reason: str, advice: str = ""):
        self.path = path
        self.reason = reason
        message = f"{path!r} is damaged: {reason}."
        super().__init__(f"{message} {advice}".strip())


class DamagedFileWarning(UserWarning):
    """A damaged file was set aside and an intact one used instead."""


def sha256(path: str) -> str:
    """The SHA-256 digest of a file, as 64 hex digits.

    Args:
        path: str. The file.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zip_damage(path: str, members: tuple[str, ...] = ()) -> str | None:
    """Why a zip file (such as a `.keras` file) is damaged, or None if whole.

    Reads the whole file and checks every member's CRC-32, so truncation,
    zeroed bytes and flipped bits are found.

    Args:
        path: str. The zip file.
        members: tuple of str. Names the archive must hold. Defaults to ().

    Returns:
        A reason (str), or None when the archive reads back intact.
    """
    try:
        size = os.path.getsize(path)
        if size == 0:
            return "it is empty (0 bytes)"
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        return f"not a readable zip archive ({error})"
    except Exception as error:  # zlib and struct errors on garbled headers
        return f"not a readable zip archive ({type(error).__name__}: {error})"
    if bad is not None:
        return f"member {bad!r} fails its CRC check"
    missing = [name for name in members if name not in names]
    if missing:
        return f"it lacks {missing}"
    return None


def read_json(path: str, advice: str = ""):
    """Parses a JSON file, raising `DamagedFileError` if it is not JSON.

    Args:
        path: str. The file.
        advice: str. What the caller can do, appended to the error message.
            Defaults to "".

    Returns:
        The parsed value.

    Raises:
        DamagedFileError: The file is empty, truncated or not UTF-8 JSON.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if not raw:
            raise DamagedFileError(path, "it is empty (0 bytes)", advice)
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = f"not valid JSON ({error})"
        raise DamagedFileError(path, reason, advice) from None


def move_aside(path: str, directory: str | None = None) -> str | None:
    """Moves a damaged file out of the way, never overwriting another.

    Args:
        path: str. The damaged file.
        directory: str or None. Where to put it. Defaults to None: beside
            the file, as `NAME.damaged` (`NAME.damaged-2`, ... if taken).

    Returns:
        The new path, or None when the file could not be moved (read-only
        directory); the caller then says so.
    """
    if directory is None:
        directory = os.path.dirname(path)
        name = os.path.basename(path) + ".damaged"
    else:
        name = os.path.basename(path)
    try:
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, name)
        count = 1
        while os.path.lexists(target):
            count += 1
            target = os.path.join(directory, f"{name}-{count}")
        os.rename(path, target)
    except OSError:
        return None
    return target


def warn_damaged(path: str, reason: str, moved_to: str | None, then: str):
    """Warns (`DamagedFileWarning`) that `path` was damaged and set aside.

    Args:
        path: str. The damaged file.
        reason: str. What is wrong with it.
        moved_to: str or None. Where it went; None if it could not be moved.
        then: str. What is done instead, e.g. "resuming from step-...".
    """
    where = (
        f"moved it to {moved_to!r}"
        if moved_to
        else "could not move it aside (read-only?), left it in place"
    )
    warnings.warn(
        f"{path!r} is damaged ({reason}); {where}; {then}.",
        DamagedFileWarning,
        stacklevel=3,
    )


def check_writable(path: str, name: str, is_dir: bool = True) -> None:
    """Checks, before any work, that `path` can be written.

    Creates and removes a probe file in `path` (or, when it does not exist
    yet, in its nearest existing parent), so read-only file systems and
    missing permissions are caught as well as a file in the way.

    Args:
        path: str. A directory to write into, or a file to write when
            `is_dir` is False.
        name: str. What the caller calls `path` (an argument or flag name),
            for the message.
        is_dir: bool. `path` is a directory. Defaults to True.

    Raises:
        PermissionError: `path` cannot be written, naming it and why.
    """
    directory = path if is_dir else os.path.dirname(path) or "."
    # Without a trailing separator: 'out.png/' naming an existing file must
    # stop the walk at that file, not step over it to its parent.
    probe_dir = os.path.normpath(directory)
    while not os.path.exists(probe_dir):
        parent = os.path.dirname(os.path.abspath(probe_dir))
        if parent == os.path.abspath(probe_dir):
            break
        probe_dir = parent
    try:
        if not os.path.isdir(probe_dir):
            raise NotADirectoryError(f"{probe_dir!r} is a file")
        fd, probe = tempfile.mkstemp(
            prefix=".keras-dcgan-probe-", dir=probe_dir
        )
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        if isinstance(error, NotADirectoryError):
            reason = str(error)
        raise PermissionError(
            f"{name}={path!r} cannot be written ({reason} at {probe_dir!r}); "
            "choose a writable location."
        ) from None
