"""Stops training when a loss becomes NaN or infinite."""

import math

import keras

from keras_dcgan.callbacks._steps import global_step


class NonFiniteLossError(RuntimeError):
    """Training stopped because a logged loss became NaN or infinite."""


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training at the first step with a NaN or infinite metric.

    Training stops after that step; the other callbacks still finish (the
    checkpoint callback saves nothing from a diverged step), and then the
    guard raises `NonFiniteLossError` with a message naming the step, the
    values and the last good checkpoint.

    Args:
        latest_checkpoint: callable or None. Called without arguments when
            training diverges; returns the path of the last good checkpoint
            (or None if none was saved), which the message names. Defaults
            to None (the message names no checkpoint).
        raise_error: bool. Raise `NonFiniteLossError` at the end of training;
            False only stops training, like `keras.callbacks.TerminateOnNaN`,
            and leaves the message in `error`. Defaults to True.

    Example:
    >>> gan.fit(data, callbacks=[NonFiniteGuard()])  # doctest: +SKIP
    """

    def __init__(self, latest_checkpoint=None, raise_error=True):
        super().__init__()
        self.latest_checkpoint = latest_checkpoint
        self.raise_error = raise_error
        self.error = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.error = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {}
        for name, value in (logs or {}).items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                bad[name] = value
        if bad and self.error is None:
            self.model.stop_training = True
            self.error = NonFiniteLossError(self._message(bad))

    def on_train_end(self, logs=None):
        if self.error is not None and self.raise_error:
            raise self.error

    def _message(self, bad: dict) -> str:
        values = ", ".join(f"{name}={value}" for name, value in bad.items())
        message = (
            f"Training diverged at step {global_step(self.model)} (epoch "
            f"{self._epoch + 1}): {values}, so training stopped."
        )
        if self.latest_checkpoint is not None:
            latest = self.latest_checkpoint()
            if latest is None:
                message += " No checkpoint was saved before it."
            else:
                message += f" The last good checkpoint is {latest}."
        return message + (
            " Lower the learning rates, try another loss or a smaller model, "
            "and start again."
        )
