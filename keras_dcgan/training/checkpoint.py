"""Checkpoints in a training workdir that let a killed run resume exactly."""

import keras

from keras_dcgan.callbacks._steps import all_finite
from keras_dcgan.callbacks._steps import global_step
from keras_dcgan.checks import check_positive_int
from keras_dcgan.training import workdir as workdir_lib


class WorkdirCheckpoint(keras.callbacks.Callback):
    """Saves full DCGAN checkpoints into a workdir, keeping the newest few.

    Each checkpoint (`keras_dcgan.training.workdir.save_checkpoint`) holds both
    networks, the EMA generator, both optimizers' state and the training-noise
    RNG state, plus a `.json` with the global `step`, the completed `epoch`s
    and `state`. Files are written under a temporary name and renamed into
    place, so a process killed at any moment leaves either the previous
    checkpoint or the new one, never half of one. A checkpoint is saved every
    `every_n_steps` steps, at the end of every epoch and at the end of
    training, never twice for one step and never when a logged value is NaN or
    infinite (from then on the run has diverged, and nothing more is saved).

    Args:
        workdir: str. The run's work directory.
        every_n_steps: int or None. Steps between checkpoints; None saves at
            epoch ends only. Defaults to None.
        keep: int. Newest checkpoints to keep; older ones are deleted after
            a new one is complete. Defaults to 3.
        state: dict or None. More JSON-serialisable counters to store in
            each checkpoint's `.json`. Defaults to None.

    Example:
    >>> checkpoint = WorkdirCheckpoint("run", every_n_steps=100)
    >>> gan.fit(data, callbacks=[checkpoint])  # doctest: +SKIP
    >>> gan = keras_dcgan.training.workdir.load_gan("run")  # doctest: +SKIP
    """

    def __init__(self, workdir, every_n_steps=None, keep=3, state=None):
        super().__init__()
        if every_n_steps is not None:
            check_positive_int("every_n_steps", every_n_steps)
        check_positive_int("keep", keep)
        self.workdir = workdir
        self.every_n_steps = every_n_steps
        self.keep = keep
        self.state = dict(state or {})
        self.last_saved_step = None
        self.diverged = False
        self._epoch = 0

    def on_train_begin(self, logs=None):
        # The step a run starts (or resumes) at is already saved.
        self.last_saved_step = global_step(self.model)
        self.diverged = False

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not all_finite(logs):
            self.diverged = True
        if self.diverged or self.every_n_steps is None:
            return
        # The epoch's last step is saved by `on_epoch_end`, as a whole epoch.
        steps = (self.params or {}).get("steps")
        if steps is not None and batch + 1 >= steps:
            return
        step = global_step(self.model)
        if step % self.every_n_steps == 0:
            self.save(step, self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        if not all_finite(logs):
            self.diverged = True
        if not self.diverged:
            self.save(global_step(self.model), epoch + 1)

    def on_train_end(self, logs=None):
        if not self.diverged:
            self.save(global_step(self.model), self._epoch)

    def save(self, step: int, epoch: int) -> str | None:
        """Saves a checkpoint unless this step is already saved.

        Args:
            step: int. The global step.
            epoch: int. Epochs completed.

        Returns:
            The checkpoint's `.keras` path, or None when it already existed.
        """
        if step == self.last_saved_step:
            return None
        path = workdir_lib.save_checkpoint(
            self.model,
            self.workdir,
            step,
            {**self.state, "step": step, "epoch": epoch},
        )
        self.last_saved_step = step
        workdir_lib.remove_old_checkpoints(self.workdir, self.keep)
        return path
