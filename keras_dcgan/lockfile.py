"""One writer per directory: an advisory lock file naming its holder.

Two processes training into one workdir, or exporting into one SavedModel
base directory, would interleave their files. `DirectoryLock` makes the
second one fail at once with a message naming the first (its process id,
host and start time).

The lock is an `fcntl.flock` on `DIRECTORY/.keras-dcgan.lock`, which the
kernel releases when the holding process ends in any way, `kill -9`
included: a lock file left by a dead process is therefore taken over
without any guess about whether its holder still runs. (On network file
systems without `flock` support, the lock is only as good as theirs.)
"""

import contextlib
import datetime
import fcntl
import json
import os
import socket
import sys

LOCK_FILE = ".keras-dcgan.lock"


class DirectoryLockedError(FileExistsError):
    """Another process holds the lock of a directory.

    Attributes:
        directory: str. The locked directory.
        holder: dict. What the holder wrote: `pid`, `host`, `started`,
            `purpose` (may be empty if it had not written it yet).
    """

    def __init__(self, directory: str, holder: dict):
        self.directory = directory
        self.holder = holder
        if holder:
            who = (
                f"process {holder.get('pid')} on host "
                f"{holder.get('host')!r} ({holder.get('purpose', 'writing')}"
                f", since {holder.get('started')})"
            )
        else:
            who = "another process (which had not yet written its name)"
        super().__init__(
            f"{directory!r} is in use by {who}. Two writers would mix their "
            "files: wait for it to finish, stop it, or use another "
            "directory."
        )


class DirectoryLock:
    """An exclusive, non-blocking lock on a directory for one process.

    Args:
        directory: str. The directory to lock; created if missing.
        purpose: str. What the holder does, shown to a process refused the
            lock (e.g. `"training"`). Defaults to `"writing"`.

    Example:
    >>> import tempfile
    >>> with DirectoryLock(tempfile.mkdtemp(), "training") as lock:
    ...     pass
    """

    def __init__(self, directory: str, purpose: str = "writing"):
        self.directory = directory
        self.purpose = purpose
        self.path = os.path.join(directory, LOCK_FILE)
        self._fd = None

    def acquire(self) -> "DirectoryLock":
        """Takes the lock.

        Returns:
            self.

        Raises:
            DirectoryLockedError: Another process holds it.
        """
        if self._fd is not None:
            return self
        os.makedirs(self.directory, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise DirectoryLockedError(self.directory, holder) from None
            # The holder before us may have removed the file between our
            # open and our lock: then we locked a file nobody else sees.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.datetime.now(datetime.UTC)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "purpose": self.purpose,
            "command": " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(holder).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Releases the lock and removes the lock file; safe to call twice."""
        if self._fd is None:
            return
        # Unlink while still holding the lock: a process waiting on the old
        # file then sees it is gone (the inode check in `acquire`).
        with contextlib.suppress(OSError):
            os.remove(self.path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def _read_holder(fd: int) -> dict:
    try:
        raw = os.pread(fd, 65536, 0)
        holder = json.loads(raw.decode()) if raw else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}
