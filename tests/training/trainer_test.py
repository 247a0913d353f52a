"""Tests of keras_dcgan.training.train on tiny in-memory data."""

import csv
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_dcgan.callbacks import NonFiniteLossError
from keras_dcgan.training import get_train_config
from keras_dcgan.training import train
from keras_dcgan.training import workdir
from keras_dcgan.training.trainer import prepare_workdir

TINY = {
    "image_size": 16,
    "latent_dim": 8,
    "generator_filters": 4,
    "discriminator_filters": 4,
}


def _config(network=None, **changes):
    settings = {
        "dataset": "test-images",
        "epochs": 1,
        "batch_size": 4,
        "checkpoint_every_steps": 2,
        "num_samples": 4,
        **changes,
    }
    return get_train_config("mnist", network=network or TINY, **settings)


def _dataset(count=16, size=16, value=None):
    images = np.random.default_rng(0).uniform(-1, 1, (count, size, size, 1))
    if value is not None:
        images[:] = value
    return tf.data.Dataset.from_tensor_slices(images.astype("float32"))


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_train_writes_the_workdir_and_continues_to_more_epochs(
    tmp_path, capsys
):
    run = str(tmp_path / "run")
    config = _config()
    gan = train(config, run, dataset=_dataset(), verbose=2)
    assert int(gan.g_optimizer.iterations) == 4
    assert gan.ema_generator is not None
    assert workdir.read_config(run) == config.to_dict()
    assert workdir.latest_checkpoint(run).endswith("step-00000004.keras")
    assert os.listdir(os.path.join(run, "samples")) == ["step-00000004.png"]
    for name in ("training.gif", "training_curve.png"):
        with Image.open(os.path.join(run, name)) as image:
            assert image.size[0] > 0
    assert len(_rows(os.path.join(run, "metrics.csv"))) == 4
    assert os.listdir(os.path.join(run, "tensorboard"))
    printed = capsys.readouterr().out
    assert "latent_dim=8" in printed  # the settings changed from defaults
    assert "Resumed" not in printed

    gan = train(config.replace(epochs=2), run, dataset=_dataset(), verbose=2)
    printed = capsys.readouterr().out
    assert "step-00000004.keras: step 4 of 8 (epoch 2, batch 0 of 4)" in printed
    assert int(gan.g_optimizer.iterations) == 8
    assert workdir.read_config(run)["epochs"] == 2
    steps = [
        int(row["step"]) for row in _rows(os.path.join(run, "metrics.csv"))
    ]
    assert steps == list(range(1, 9))
    assert sorted(os.listdir(os.path.join(run, "samples"))) == [
        "step-00000004.png",
        "step-00000008.png",
    ]

    train(config.replace(epochs=2), run, dataset=_dataset(), verbose=1)
    assert "Already trained 8 steps, at least the 2 epochs" in (
        capsys.readouterr().out
    )


class _KilledError(Exception):
    pass


class _KillAtStep(keras.callbacks.Callback):
    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations) == self.step:
            raise _KilledError


# Slow (70 s): the default suite keeps the kill -9 mid-epoch resume
# (tests/training/resume_test.py), which checks the same exactness.
@pytest.mark.slow
def test_a_run_stopped_mid_epoch_resumes_exactly(tmp_path):
    config = _config(epochs=2, checkpoint_every_steps=3)
    whole = train(
        config, str(tmp_path / "whole"), dataset=_dataset(), verbose=0
    )

    parts = str(tmp_path / "parts")
    with pytest.raises(_KilledError):
        # Stopped after step 4; the newest checkpoint is step 3, mid-epoch 1.
        train(
            config,
            parts,
            dataset=_dataset(),
            callbacks=[_KillAtStep(4)],
            verbose=0,
        )
    assert workdir.latest_checkpoint(parts).endswith("step-00000003.keras")
    resumed = train(config, parts, dataset=_dataset(), verbose=0)

    assert int(resumed.g_optimizer.iterations) == 8
    for name, a, b in (
        ("model", whole.variables, resumed.variables),
        (
            "d_optimizer",
            whole.d_optimizer.variables,
            resumed.d_optimizer.variables,
        ),
        (
            "g_optimizer",
            whole.g_optimizer.variables,
            resumed.g_optimizer.variables,
        ),
    ):
        assert len(a) == len(b), name
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=x.path)
    # The per-step history matches too, with no step twice.
    rows_whole = _rows(str(tmp_path / "whole" / "metrics.csv"))
    rows_parts = _rows(os.path.join(parts, "metrics.csv"))
    assert [r["step"] for r in rows_parts] == [r["step"] for r in rows_whole]
    np.testing.assert_allclose(
        [float(r["d_loss"]) for r in rows_parts],
        [float(r["d_loss"]) for r in rows_whole],
        rtol=1e-5,
    )


def test_the_workdir_refuses_another_run_unless_overwrite(tmp_path):
    run = str(tmp_path / "run")
    prepare_workdir(run, _config())
    os.makedirs(os.path.join(run, "samples"))
    for changes, match in (
        (
            {"network": {**TINY, "latent_dim": 16}},
            r"network.latent_dim: 8 -> 16",
        ),
        ({"dataset": "other"}, r"dataset: 'test-images' -> 'other'"),
    ):
        with pytest.raises(ValueError, match=match):
            train(_config(**changes), run, dataset=_dataset(), verbose=0)
    # --overwrite deletes the old run's outputs and writes the new config.
    assert (
        prepare_workdir(run, _config(dataset="other"), overwrite=True) is None
    )
    assert workdir.read_config(run)["dataset"] == "other"
    assert os.listdir(run) == ["config.json"]


def test_checkpoints_without_config_are_refused(tmp_path):
    os.makedirs(tmp_path / "checkpoints")
    (tmp_path / "checkpoints" / "step-00000001.keras").write_bytes(b"")
    (tmp_path / "checkpoints" / "step-00000001.json").write_text("{}")
    with pytest.raises(
        ValueError, match=r"has checkpoints but no config\.json"
    ):
        prepare_workdir(str(tmp_path), _config())


class _PoisonWeights(keras.callbacks.Callback):
    # NaN images are refused before training; NaN weights diverge in it.
    def on_train_batch_begin(self, batch, logs=None):
        kernel = self.model.discriminator.trainable_variables[0]
        kernel.assign(np.full(kernel.shape, np.nan, kernel.dtype))


def test_nan_loss_stops_training_with_a_clear_error(tmp_path):
    with pytest.raises(
        NonFiniteLossError,
        match=r"diverged at step 1 \(epoch 1\).*nan.*No checkpoint was saved",
    ):
        train(
            _config(),
            str(tmp_path),
            dataset=_dataset(),
            callbacks=[_PoisonWeights()],
            verbose=0,
        )
    assert workdir.latest_checkpoint(str(tmp_path)) is None


def test_nan_images_past_the_first_checked_stop_training_clearly(tmp_path):
    # Only the first 256 images are read before training; a NaN image
    # after them stopped training as a divergence ("lower the learning
    # rates"). Now every image is checked as it is read.
    images = np.random.default_rng(0).uniform(-1, 1, (300, 16, 16, 1))
    images[290] = np.nan
    dataset = tf.data.Dataset.from_tensor_slices(images.astype("float32"))
    with pytest.raises(
        ValueError,
        match=r"A batch of the training data holds NaN or inf pixel values",
    ):
        train(_config(shuffle_buffer=1), str(tmp_path), dataset=dataset)
    # The checkpoints written before it are kept.
    assert workdir.latest_checkpoint(str(tmp_path)).endswith(
        "step-00000072.keras"
    )


@pytest.mark.parametrize(
    ("changes", "dataset", "match"),
    [
        ({"batch_size": 32}, _dataset, "batch_size=32 is larger than the 16"),
        ({"steps_per_epoch": 5}, _dataset, r"steps_per_epoch=5 is more than"),
        ({}, lambda: _dataset(size=28), r"shape \(28, 28, 1\) but the network"),
    ],
)
def test_data_the_config_cannot_use_is_refused(
    tmp_path, changes, dataset, match
):
    with pytest.raises(ValueError, match=match):
        train(_config(**changes), str(tmp_path), dataset=dataset(), verbose=0)
    # Nothing was written: fixing the flag and running again just works.
    assert not os.path.exists(tmp_path / "config.json")


def test_an_image_size_the_data_cannot_give_is_refused(tmp_path):
    config = _config(dataset="mnist-sample", network={**TINY, "image_size": 64})
    with pytest.raises(ValueError, match="image_size=64 would enlarge"):
        train(config, str(tmp_path), verbose=0)


def test_config_json_is_the_resolved_config(tmp_path):
    prepare_workdir(str(tmp_path), _config(loss="hinge"))
    with open(tmp_path / "config.json") as f:
        saved = json.load(f)
    assert saved["loss"] == "hinge"
    assert saved["network"]["upsampling"] == "transposed"
    assert saved["preset"] == "mnist"
