"""One line per epoch: step, metrics, time and the newest files."""

import time

import keras

from keras_dcgan.callbacks._steps import global_step


class EpochSummary(keras.callbacks.Callback):
    """Prints a one-line summary at the end of every epoch.

    For example `epoch 3/10  step 468  d_loss 1.21  g_loss 0.93
    real_prob 0.58  fake_prob 0.41  12.3s  samples/step-00000468.png`: the
    global step (which continues across resumed runs), the epoch's mean
    metrics, the epoch's wall time and, when a `SampleGrid` callback is
    given, the grid it just wrote.

    Args:
        sample_grid: SampleGrid or None. Names its newest grid in the line.
            Defaults to None.
        print_fn: callable. Receives the line. Defaults to `print`.

    Example:
    >>> gan.fit(data, epochs=5, callbacks=[EpochSummary()])  # doctest: +SKIP
    """

    def __init__(self, sample_grid=None, print_fn=print):
        super().__init__()
        self.sample_grid = sample_grid
        self.print_fn = print_fn
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        parts = [
            f"epoch {epoch + 1}/{self.params.get('epochs', '?')}",
            f"step {global_step(self.model)}",
        ]
        for name, value in (logs or {}).items():
            try:
                parts.append(f"{name} {float(value):.4g}")
            except (TypeError, ValueError):
                continue
        parts.append(f"{time.perf_counter() - self._start:.1f}s")
        if self.sample_grid is not None and self.sample_grid.last_path:
            parts.append(self.sample_grid.last_path)
        self.print_fn("  ".join(parts))
