"""Stops training cleanly once a wall-clock time budget is spent."""

import time

import keras

from keras_dcgan.checks import check_number


class TimeLimit(keras.callbacks.Callback):
    """Stops `fit` after the step during which `seconds` have passed.

    Training ends at a step boundary, as if the last epoch had ended there:
    the other callbacks' `on_epoch_end` and `on_train_end` run, so a
    checkpoint callback saves the last step and the run can be resumed.
    The same callback passed to several `fit` calls keeps one budget, the
    time counted from `start` (or from the first `on_train_begin`). The
    check happens after each training batch, so the stop comes at most one
    step (one execution of `steps_per_execution` steps) late. Like TF
    Addons' `TimeStopping`, which checks only between epochs.

    Args:
        seconds: float. The budget in seconds of wall-clock time, > 0.
        start: float or None. `time.monotonic()` when the budget started;
            None starts it at the first `on_train_begin`. Defaults to None.

    Attributes:
        reached: bool. Whether the budget ran out and stopped training.
        elapsed: float. Seconds from the start to the last check.

    Raises:
        ValueError: `seconds` is not a finite number > 0.

    Example:
    >>> limit = TimeLimit(seconds=600)
    >>> gan.fit(data, epochs=100, callbacks=[limit])  # doctest: +SKIP
    >>> limit.reached  # doctest: +SKIP
    """

    def __init__(self, seconds: float, start: float | None = None):
        super().__init__()
        check_number("seconds", seconds, "> 0")
        self.seconds = float(seconds)
        self.start = start
        self.reached = False
        self.elapsed = 0.0

    def _out_of_time(self) -> bool:
        self.elapsed = time.monotonic() - self.start
        self.reached = self.reached or self.elapsed >= self.seconds
        return self.reached

    def on_train_begin(self, logs=None):
        if self.start is None:
            self.start = time.monotonic()
        if self._out_of_time():
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self._out_of_time():
            self.model.stop_training = True
