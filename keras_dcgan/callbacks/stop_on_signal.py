"""Stops training cleanly after the current step on Ctrl-C or SIGTERM."""

import signal
import threading

import keras


class StopOnSignal(keras.callbacks.Callback):
    """Turns SIGINT (Ctrl-C) and SIGTERM into a stop after the current step.

    Schedulers and preemptible cloud machines send SIGTERM before they kill
    a job. While `installed()` is active, the first such signal does not
    raise in the middle of a step: training stops after the step in progress,
    so the other callbacks' `on_train_end` run (a checkpoint callback saves
    that step). A second signal acts as it would without this callback
    (Ctrl-C raises `KeyboardInterrupt`, SIGTERM ends the process).

    Signal handlers can only be set in the main thread; elsewhere
    `installed()` does nothing.

    Args:
        signals: tuple of int. The signals to catch. Defaults to
            `(signal.SIGINT, signal.SIGTERM)`.

    Attributes:
        received: int or None. The signal caught, if any.

    Example:
    >>> stop = StopOnSignal()
    >>> with stop.installed():  # doctest: +SKIP
    ...     gan.fit(data, callbacks=[stop, checkpoint])
    >>> stop.received  # doctest: +SKIP
    """

    def __init__(self, signals=(signal.SIGINT, signal.SIGTERM)):
        super().__init__()
        self.signals = tuple(signals)
        self.received = None
        self._previous = {}

    def installed(self):
        """A context manager that catches `signals` while it is active."""
        return _Installed(self)

    def _handle(self, signum, frame):
        self.received = signum
        # The next one is not caught: a user pressing Ctrl-C twice means it.
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous = {}
        if self.model is not None:
            self.model.stop_training = True

    def on_train_begin(self, logs=None):
        if self.received is not None:
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True


class _Installed:
    def __init__(self, callback):
        self.callback = callback

    def __enter__(self):
        callback = self.callback
        if threading.current_thread() is threading.main_thread():
            for sig in callback.signals:
                callback._previous[sig] = signal.signal(sig, callback._handle)
        return callback

    def __exit__(self, *exc_info):
        for sig, previous in self.callback._previous.items():
            signal.signal(sig, previous)
        self.callback._previous = {}
