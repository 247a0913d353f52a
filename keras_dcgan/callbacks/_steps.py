"""Step bookkeeping shared by the callbacks."""

import math


def global_step(model) -> int:
    """The number of training steps a model has taken, across all fits.

    A DCGAN updates its generator once per step, so the generator
    optimizer's `iterations` counts steps; it is saved in checkpoints, so the
    count continues after a resume.

    Args:
        model: keras.Model. A compiled DCGAN, or any model with `optimizer`.

    Returns:
        The step count.
    """
    optimizer = getattr(model, "g_optimizer", None) or model.optimizer
    return int(optimizer.iterations.numpy())


def all_finite(logs: dict | None) -> bool:
    """Whether every numeric value in Keras logs is finite."""
    return all(
        math.isfinite(float(value))
        for value in (logs or {}).values()
        if _is_number(value)
    )


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


class StepMeans:
    """Recovers per-step metric values from Keras's running epoch means.

    During an epoch Keras logs each metric's mean over the epoch so far. With
    `batch` steps done, `mean * (batch + 1)` is the sum so far, so the
    difference of two sums divided by the steps between them is the mean
    over just those steps. This assumes every step weighs the same, which
    holds for batches of one size (`drop_remainder=True`).

    Example:
    >>> means = StepMeans()
    >>> means.update(0, {"loss": 4.0})
    {'loss': 4.0}
    >>> means.update(1, {"loss": 3.0})
    {'loss': 2.0}
    """

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Forgets the sums; call it when Keras resets metrics (each epoch)."""
        self._steps = 0
        self._sums = {}

    def update(self, batch: int, logs: dict | None) -> dict:
        """The mean of each metric over the steps since the last update.

        Args:
            batch: int. Keras's 0-based index of the last step done in the
                current epoch.
            logs: dict. Keras's logs at that step.

        Returns:
            A dict of floats; empty when no step was done since the last
            update.
        """
        steps = batch + 1
        if steps <= self._steps:
            return {}
        means = {}
        for name, value in (logs or {}).items():
            if not _is_number(value):
                continue
            total = float(value) * steps
            means[name] = (total - self._sums.get(name, 0.0)) / (
                steps - self._steps
            )
            self._sums[name] = total
        self._steps = steps
        return means
