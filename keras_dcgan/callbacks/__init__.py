"""Keras callbacks for GAN training, usable in any `DCGAN.fit`.

- `SampleGrid`: a fixed-noise sample grid per epoch (or every N steps) as
  PNG, and an animated GIF of them at the end.
- `GANTensorBoard`: losses, discriminator outputs, learning rates and the
  sample grid for TensorBoard.
- `NonFiniteGuard`: stops with a clear error when a loss becomes NaN or inf.
- `TrainingCurve`: per-step metrics (and a CSV) plotted as a PNG at the end.
- `EpochSummary`: one line per epoch with the step, metrics and time.
- `StopOnSignal`: Ctrl-C or SIGTERM stops after the current step.
- `TimeLimit`: stops after the step during which a time budget runs out.
"""

from keras_dcgan.callbacks.epoch_summary import EpochSummary
from keras_dcgan.callbacks.non_finite import NonFiniteGuard
from keras_dcgan.callbacks.non_finite import NonFiniteLossError
from keras_dcgan.callbacks.sample_grid import SampleGrid
from keras_dcgan.callbacks.stop_on_signal import StopOnSignal
from keras_dcgan.callbacks.tensorboard import GANTensorBoard
from keras_dcgan.callbacks.time_limit import TimeLimit
from keras_dcgan.callbacks.training_curve import TrainingCurve
from keras_dcgan.callbacks.training_curve import plot_training_curve

__all__ = [
    "EpochSummary",
    "GANTensorBoard",
    "NonFiniteGuard",
    "NonFiniteLossError",
    "SampleGrid",
    "StopOnSignal",
    "TimeLimit",
    "TrainingCurve",
    "plot_training_curve",
]
