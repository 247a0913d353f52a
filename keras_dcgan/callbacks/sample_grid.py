"""A fixed-noise sample grid saved during training, and a GIF of them."""

import glob
import os

import keras
import numpy as np
from PIL import Image

from keras_dcgan import images as images_lib
from keras_dcgan import integrity
from keras_dcgan.callbacks._steps import global_step
from keras_dcgan.checks import check_gif_frame_ms
from keras_dcgan.checks import check_positive_int
from keras_dcgan.models.conditioning import is_conditional
from keras_dcgan.sampling import class_grid_labels
from keras_dcgan.sampling import sample_latents


def sampling_generator(model):
    """The generator to draw pictures with: the EMA copy when there is one."""
    generator = getattr(model, "sampling_generator", None)
    return generator if generator is not None else model.generator


def grid_inputs(generator, num_samples: int, seed: int):
    """Fixed generator inputs for a sample grid, and its number of columns.

    An unconditional generator gets `num_samples` latents and a square grid
    (columns None). A conditional one gets one row per class of
    `max(1, num_samples // num_classes)` images: `[latents, labels]`.
    """
    latent_dim = int(generator.inputs[0].shape[-1])
    if not is_conditional(generator):
        return sample_latents(num_samples, latent_dim, seed), None
    per_class = max(1, num_samples // generator.num_classes)
    labels = class_grid_labels(generator.num_classes, per_class)
    latents = sample_latents(len(labels), latent_dim, seed)
    # Keras calls take all-tensor (not mixed numpy) nested inputs.
    return [latents, keras.ops.convert_to_tensor(labels)], per_class


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of samples from fixed latents as training goes on.

    The same latents every time show how the generator learns: each grid is
    written to `directory/step-NNNNNNNN.png` at the end of every epoch (or
    every `every_n_steps` steps), and at the end of training all grids in
    `directory` become an animated GIF. Works with any model that has a
    `generator` (and uses its `sampling_generator`, the EMA copy, if set),
    such as a `DCGAN`. A class-conditional generator's grid has one row per
    class (`num_samples // num_classes` images each).

    Args:
        directory: str. Folder of the PNG grids; created when needed.
        num_samples: int. Images per grid. Defaults to 64.
        seed: int. Seed of the fixed latents. Defaults to 0.
        every_n_steps: int or None. Save every this many steps; None saves
            at the end of each epoch. Defaults to None.
        gif_path: str or None. Where to write the animated GIF of all grids
            in `directory` at the end of training; None writes none.
            Defaults to None.
        frame_ms: int. GIF frame duration in milliseconds, a multiple of
            10 from 10 to 655350. Defaults to 250.
        upscale: int or str. Nearest-neighbour enlargement of each grid: a
            factor, or `"auto"` (longer side up to 640 pixels; see
            `keras_dcgan.images.upscale_factor`). Defaults to `"auto"`.

    Example:
    >>> gan = DCGAN.from_preset("mnist")  # doctest: +SKIP
    >>> gan.compile()  # doctest: +SKIP
    >>> gan.fit(images, epochs=5, callbacks=[
    ...     SampleGrid("run/samples", gif_path="run/training.gif")
    ... ])  # doctest: +SKIP
    """

    def __init__(
        self,
        directory,
        num_samples=64,
        seed=0,
        every_n_steps=None,
        gif_path=None,
        frame_ms=250,
        upscale="auto",
    ):
        super().__init__()
        check_positive_int("num_samples", num_samples)
        if every_n_steps is not None:
            check_positive_int("every_n_steps", every_n_steps)
        check_gif_frame_ms("frame_ms", frame_ms)
        images_lib.upscale_factor(1, 1, upscale)  # checks it
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.every_n_steps = every_n_steps
        self.gif_path = gif_path
        self.frame_ms = frame_ms
        self.upscale = upscale
        self.last_path = None
        self._inputs = None
        self._columns = None

    def on_train_begin(self, logs=None):
        self._inputs, self._columns = grid_inputs(
            sampling_generator(self.model), self.num_samples, self.seed
        )

    def on_train_batch_end(self, batch, logs=None):
        if self.every_n_steps is not None:
            step = global_step(self.model)
            if step % self.every_n_steps == 0:
                self.save(step)

    def on_epoch_end(self, epoch, logs=None):
        if self.every_n_steps is None:
            self.save(global_step(self.model))

    def on_train_end(self, logs=None):
        if self.gif_path is not None:
            self.write_gif()

    def grid(self) -> np.ndarray:
        """The current grid of samples from the fixed latents, uint8 HWC."""
        generator = sampling_generator(self.model)
        images = generator(self._inputs, training=False)
        return images_lib.make_grid(
            keras.ops.convert_to_numpy(images), columns=self._columns
        )

    def save(self, step: int) -> str:
        """Writes the current grid as `directory/step-NNNNNNNN.png`.

        Args:
            step: int. The global step, used in the file name.

        Returns:
            The path written.
        """
        path = os.path.join(self.directory, f"step-{step:08d}.png")
        self.last_path = images_lib.save_png(
            self.grid(), path, upscale=self.upscale
        )
        return path

    def write_gif(self) -> str | None:
        """Writes all grids in `directory`, in step order, as the GIF.

        Returns:
            The GIF path, or None when there is no grid yet.
        """
        paths = sorted(glob.glob(os.path.join(self.directory, "step-*.png")))
        if not paths:
            return None
        frames = []
        for path in paths:
            try:
                # verify() checks the PNG chunk checksums, which decoding
                # skips: a zeroed block inside the data decodes "fine".
                with Image.open(path) as image:
                    image.verify()
                with Image.open(path) as image:
                    frames.append(np.asarray(image))
            except (OSError, SyntaxError, ValueError) as error:
                moved = integrity.move_aside(path)
                integrity.warn_damaged(
                    path, str(error), moved, "leaving it out of the GIF"
                )
        if not frames:
            return None
        # A resumed run may have changed `num_samples`; animate the grids of
        # the current size.
        frames = [frame for frame in frames if frame.shape == frames[-1].shape]
        return images_lib.save_gif(
            frames, self.gif_path, duration_ms=self.frame_ms
        )
