"""TensorBoard logs of a GAN: losses, discriminator outputs, rates, samples."""

import keras
import numpy as np
import tensorflow as tf

from keras_dcgan import images as images_lib
from keras_dcgan.callbacks._steps import StepMeans
from keras_dcgan.callbacks._steps import global_step
from keras_dcgan.callbacks.sample_grid import grid_inputs
from keras_dcgan.callbacks.sample_grid import sampling_generator
from keras_dcgan.checks import check_positive_int


def _learning_rate(optimizer) -> float:
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class GANTensorBoard(keras.callbacks.Callback):
    """Writes a GAN's training curves and samples for TensorBoard.

    Every `update_freq` steps it writes, at the global step: each logged
    metric averaged over the steps since the last write (for a `DCGAN`:
    `d_loss`, `g_loss`, and `real_prob` / `fake_prob`, the discriminator's
    mean output on real and generated images), and the learning rates
    `d_learning_rate` and `g_learning_rate`. At the end of each epoch it
    writes the epoch means as `epoch_<name>` and a grid of samples from fixed
    latents as the image `samples`.

    Args:
        log_dir: str. Folder of the event files.
        update_freq: int. Steps between scalar writes. Defaults to 10.
        num_samples: int. Images in the sample grid. Defaults to 16.
        seed: int. Seed of the sample grid's fixed latents. Defaults to 0.

    Example:
    >>> gan.fit(images, callbacks=[GANTensorBoard("run/tb")])  # doctest: +SKIP

    Then `tensorboard --logdir run/tb`.
    """

    def __init__(self, log_dir, update_freq=10, num_samples=16, seed=0):
        super().__init__()
        check_positive_int("update_freq", update_freq)
        check_positive_int("num_samples", num_samples)
        self.log_dir = log_dir
        self.update_freq = update_freq
        self.num_samples = num_samples
        self.seed = seed
        self._means = StepMeans()
        self._writer = None
        self._inputs = None
        self._columns = None

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(self.log_dir)
        self._inputs, self._columns = grid_inputs(
            sampling_generator(self.model), self.num_samples, self.seed
        )

    def on_epoch_begin(self, epoch, logs=None):
        self._means.reset()

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self.model)
        if step % self.update_freq:
            return
        values = self._means.update(batch, logs)
        values.update(self._learning_rates())
        with self._writer.as_default(step=step):
            for name, value in values.items():
                tf.summary.scalar(name, value)

    def on_epoch_end(self, epoch, logs=None):
        step = global_step(self.model)
        generator = sampling_generator(self.model)
        images = keras.ops.convert_to_numpy(
            generator(self._inputs, training=False)
        )
        grid = images_lib.make_grid(images, columns=self._columns)
        with self._writer.as_default(step=step):
            for name, value in (logs or {}).items():
                tf.summary.scalar(f"epoch_{name}", float(value))
            tf.summary.image("samples", grid[np.newaxis])
        self._writer.flush()

    def on_train_end(self, logs=None):
        self._writer.close()

    def _learning_rates(self) -> dict:
        optimizers = {
            "d_learning_rate": getattr(self.model, "d_optimizer", None),
            "g_learning_rate": getattr(self.model, "g_optimizer", None),
        }
        if not any(optimizers.values()):
            optimizers = {"learning_rate": self.model.optimizer}
        return {
            name: _learning_rate(optimizer)
            for name, optimizer in optimizers.items()
            if optimizer is not None
        }
