"""Tests of the evaluation callback."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.metrics import DomainClassifier
from keras_dcgan.metrics import EvaluationCallback
from keras_dcgan.metrics import classifier_extractor
from keras_dcgan.metrics import evaluate_gan
from keras_dcgan.metrics import reference_statistics

SIZE = 16


def _setup(tiny_gan):
    gan = tiny_gan(image_size=SIZE, seed=0, compiled=True)
    extractor = classifier_extractor(
        DomainClassifier(
            image_size=SIZE, num_classes=4, filters=4, feature_dim=8
        )
    )
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (64, SIZE, SIZE, 1)).astype("float32")
    reference = reference_statistics([images], extractor, 64)
    return gan, extractor, images, reference


def _scalars(log_dir, tag):
    values = {}
    for path in glob.glob(
        f"{log_dir}/**/events.out.tfevents.*", recursive=True
    ):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values


def test_evaluates_every_n_epochs_logs_and_keeps_the_best(tmp_path, tiny_gan):
    gan, extractor, images, reference = _setup(tiny_gan)
    log_dir = str(tmp_path / "tb")
    best = str(tmp_path / "best.keras")
    callback = EvaluationCallback(
        reference,
        extractor,
        every_n_epochs=2,
        num_samples=32,
        log_dir=log_dir,
        best_checkpoint=best,
    )
    history = gan.fit(
        images, batch_size=16, epochs=4, verbose=0, callbacks=[callback]
    )
    assert [entry["epoch"] for entry in callback.history] == [2, 4]
    fids = [entry["fid"] for entry in callback.history]
    assert "eval_fid" in history.history
    logged = _scalars(log_dir, "eval/fid")
    assert sorted(logged) == [2, 4]
    np.testing.assert_allclose([logged[2], logged[4]], fids, rtol=1e-5)
    assert callback.best == min(fids)
    # The kept checkpoint is the model of the best evaluation.
    kept = keras.models.load_model(best)
    again = evaluate_gan(kept, reference, extractor, num_samples=32)
    assert again["fid"] == pytest.approx(min(fids), rel=1e-4)


def test_rejects_bad_arguments(tiny_gan):
    _, extractor, _, reference = _setup(tiny_gan)
    with pytest.raises(ValueError, match="`every_n_epochs` must be a positive"):
        EvaluationCallback(reference, extractor, every_n_epochs=0)
    with pytest.raises(ValueError, match="Unknown monitor 'ssim'"):
        EvaluationCallback(reference, extractor, monitor="ssim")
    with pytest.raises(ValueError, match=r"must end with '\.keras'"):
        EvaluationCallback(reference, extractor, best_checkpoint="best.h5")
    other = classifier_extractor(DomainClassifier(image_size=SIZE))
    with pytest.raises(ValueError, match="come from extractor"):
        EvaluationCallback(reference, other)
