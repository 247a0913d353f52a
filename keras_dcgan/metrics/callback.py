"""Evaluates a DCGAN every few epochs while it trains."""

import os

import keras
import tensorflow as tf

from keras_dcgan.checks import check_choice
from keras_dcgan.checks import check_positive_int
from keras_dcgan.metrics.evaluate import evaluate_gan

# Whether a lower value of each monitorable metric is better.
LOWER_IS_BETTER = {
    "fid": True,
    "kid": True,
    "precision": False,
    "recall": False,
    "inception_score": False,
}


class EvaluationCallback(keras.callbacks.Callback):
    """Computes sample-quality metrics every `every_n_epochs` epochs.

    At the end of every `every_n_epochs`-th epoch it generates
    `num_samples` images (always from the same latents, so epochs compare
    like with like), compares them with `reference`, adds the numbers to the
    epoch's logs as `eval_<metric>` (so `History` and later callbacks see
    them), writes them to TensorBoard under `eval/<metric>` when `log_dir` is
    set, and saves the model to `best_checkpoint` whenever `monitor`
    improves.

    Args:
        reference: FeatureStatistics. Statistics of real data with a sample,
            from `keras_dcgan.metrics.reference_statistics` with the same
            extractor.
        extractor: FeatureExtractor. The feature extractor.
        every_n_epochs: int. Evaluation period. Defaults to 1.
        num_samples: int. Generated images per evaluation. Defaults to 1000.
        seed: int. Seed of the evaluation latents. Defaults to 0.
        log_dir: str or None. TensorBoard log directory. Defaults to None.
        best_checkpoint: str or None. A `.keras` path to keep the best model
            in. Defaults to None.
        monitor: str. The metric that decides "best": one of
            `"fid"`, `"kid"`, `"precision"`, `"recall"`,
            `"inception_score"`. Defaults to `"fid"`.
        batch_size: int. Images per generator/extractor pass. Defaults to 64.

    Example:
    >>> callback = EvaluationCallback(reference, extractor, every_n_epochs=5,
    ...                               log_dir="runs/demo/tb")  # doctest: +SKIP
    >>> gan.fit(dataset, epochs=50, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(
        self,
        reference,
        extractor,
        every_n_epochs=1,
        num_samples=1000,
        seed=0,
        log_dir=None,
        best_checkpoint=None,
        monitor="fid",
        batch_size=64,
    ):
        super().__init__()
        check_positive_int("every_n_epochs", every_n_epochs)
        check_positive_int("num_samples", num_samples)
        check_choice("monitor", monitor, tuple(LOWER_IS_BETTER))
        if monitor == "inception_score" and not extractor.has_probabilities:
            raise ValueError(
                f"monitor='inception_score' needs class probabilities, but "
                f"extractor {extractor.identity!r} has none."
            )
        if best_checkpoint is not None and not best_checkpoint.endswith(
            ".keras"
        ):
            raise ValueError(
                "`best_checkpoint` must end with '.keras'; received "
                f"{best_checkpoint!r}."
            )
        if reference.extractor != extractor.identity:
            raise ValueError(
                f"The reference statistics come from extractor "
                f"{reference.extractor!r}, not {extractor.identity!r}."
            )
        self.reference = reference
        self.extractor = extractor
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.seed = seed
        self.log_dir = log_dir
        self.best_checkpoint = best_checkpoint
        self.monitor = monitor
        self.batch_size = batch_size
        self.best = None
        self.history = []
        self._writer = None

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if LOWER_IS_BETTER[self.monitor]:
            return value < self.best
        return value > self.best

    def _write_summaries(self, metrics: dict, epoch: int) -> None:
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            for name, value in metrics.items():
                if isinstance(value, float):
                    tf.summary.scalar(f"eval/{name}", value, step=epoch)
            if "mode_coverage" in metrics:
                tf.summary.scalar(
                    "eval/mode_coverage_entropy",
                    metrics["mode_coverage"]["entropy"],
                    step=epoch,
                )
        self._writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        metrics = evaluate_gan(
            self.model,
            self.reference,
            self.extractor,
            num_samples=self.num_samples,
            seed=self.seed,
            batch_size=self.batch_size,
            max_sample=self.num_samples,
        )
        self.history.append({"epoch": epoch + 1, **metrics})
        if logs is not None:
            for name, value in metrics.items():
                if isinstance(value, float):
                    logs[f"eval_{name}"] = value
        if self.log_dir:
            self._write_summaries(metrics, epoch + 1)
        value = metrics[self.monitor]
        if self._improved(value):
            self.best = value
            if self.best_checkpoint:
                directory = os.path.dirname(self.best_checkpoint)
                if directory:
                    os.makedirs(directory, exist_ok=True)
                partial = self.best_checkpoint + ".partial.keras"
                self.model.save(partial)
                os.replace(partial, self.best_checkpoint)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
