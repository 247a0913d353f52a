"""Tests of keras_dcgan.callbacks, each in a real (tiny) DCGAN.fit."""

import csv
import io
import json
import os
import re
import types
import warnings

import keras
import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from keras_dcgan import callbacks
from keras_dcgan import images as images_lib
from keras_dcgan import integrity
from keras_dcgan.callbacks import training_curve
from keras_dcgan.callbacks._steps import StepMeans
from keras_dcgan.sampling import sample_latents
from keras_dcgan.training import workdir
from keras_dcgan.training.checkpoint import WorkdirCheckpoint


@pytest.fixture
def gan(tiny_gan):
    return tiny_gan(seed=1, ema_decay=0.9, compiled=True)


def _images(count, nan_from=None):
    data = np.random.default_rng(0).uniform(-1, 1, (count, 16, 16, 1))
    data = data.astype("float32")
    if nan_from is not None:
        data[nan_from:] = np.nan
    return data


def _fit(gan, data, callback_list, epochs=2):
    # NaN images make the NaN losses the guard tests need: skip the pixel
    # check of `fit`, which would refuse them before training.
    return gan.fit(
        data,
        batch_size=4,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=callback_list,
        check_range=not np.isnan(data).any(),
    )


def test_step_means_recovers_each_step():
    values = [4.0, 2.0, 6.0, 0.0, 3.0]
    running = np.cumsum(values) / np.arange(1, 6)
    means = StepMeans()
    got = [means.update(i, {"loss": running[i], "name": "x"}) for i in (0, 1)]
    assert got == [{"loss": 4.0}, {"loss": 2.0}]
    # Two steps at once: their mean.
    assert means.update(3, {"loss": running[3]}) == {"loss": 3.0}
    assert means.update(3, {"loss": running[3]}) == {}
    means.reset()
    assert means.update(0, {"loss": 7.0}) == {"loss": 7.0}


def test_sample_grid_pngs_and_gif(gan, tmp_path):
    grid = callbacks.SampleGrid(
        str(tmp_path / "samples"),
        num_samples=4,
        seed=5,
        gif_path=str(tmp_path / "training.gif"),
    )
    _fit(gan, _images(8), [grid])
    names = sorted(os.listdir(tmp_path / "samples"))
    assert names == ["step-00000002.png", "step-00000004.png"]
    # The last grid shows the EMA generator on the fixed latents.
    expected = images_lib.make_grid(
        gan.ema_generator(sample_latents(4, 8, 5), training=False).numpy()
    )
    with Image.open(tmp_path / "samples" / names[-1]) as image:
        last = np.asarray(image)
    # Enlarged nearest-neighbour (upscale="auto": 16x, up to 640 pixels).
    assert last.shape == (16 * (2 * 18 + 2), 16 * (2 * 18 + 2))
    np.testing.assert_array_equal(last[::16, ::16], expected[..., 0])
    np.testing.assert_array_equal(
        last, expected[..., 0].repeat(16, 0).repeat(16, 1)
    )
    with Image.open(tmp_path / "training.gif") as gif:
        assert gif.n_frames == 2
        gif.seek(1)
        np.testing.assert_array_equal(np.asarray(gif.convert("L")), last)


def test_sample_grid_every_n_steps(gan, tmp_path):
    grid = callbacks.SampleGrid(
        str(tmp_path), num_samples=2, every_n_steps=3, seed=0
    )
    _fit(gan, _images(12), [grid], epochs=2)
    assert sorted(os.listdir(tmp_path)) == [
        "step-00000003.png",
        "step-00000006.png",
    ]


def _scalars(accumulator, tag):
    return [
        (event.step, float(tensor_util.make_ndarray(event.tensor_proto)))
        for event in accumulator.Tensors(tag)
    ]


def test_tensorboard_writes_scalars_and_sample_image(gan, tmp_path):
    board = callbacks.GANTensorBoard(
        str(tmp_path), update_freq=1, num_samples=4
    )
    curve = callbacks.TrainingCurve(str(tmp_path / "curve.png"))
    history = _fit(gan, _images(8), [board, curve])
    files = [name for name in os.listdir(tmp_path) if "tfevents" in name]
    assert len(files) == 1
    accumulator = event_accumulator.EventAccumulator(
        str(tmp_path / files[0]), size_guidance={"tensors": 0}
    )
    accumulator.Reload()
    tags = set(accumulator.Tags()["tensors"])
    assert {
        "d_loss",
        "g_loss",
        "real_prob",
        "fake_prob",
        "d_learning_rate",
        "g_learning_rate",
        "epoch_d_loss",
        "samples",
    } <= tags
    d_loss = _scalars(accumulator, "d_loss")
    assert [step for step, _ in d_loss] == [1, 2, 3, 4]
    per_step = [row["d_loss"] for row in curve.history]
    np.testing.assert_allclose([v for _, v in d_loss], per_step, rtol=1e-5)
    epoch_d_loss = _scalars(accumulator, "epoch_d_loss")
    assert [step for step, _ in epoch_d_loss] == [2, 4]
    np.testing.assert_allclose(
        [v for _, v in epoch_d_loss], history.history["d_loss"], rtol=1e-6
    )
    rates = _scalars(accumulator, "g_learning_rate")
    np.testing.assert_allclose([v for _, v in rates], [2e-4] * 4, rtol=1e-6)
    images = accumulator.Tensors("samples")
    assert [event.step for event in images] == [2, 4]
    width, height, png = images[-1].tensor_proto.string_val
    decoded = np.asarray(Image.open(io.BytesIO(png)))
    assert (int(width), int(height)) == (38, 38)
    assert decoded.shape[:2] == (38, 38)


def test_training_curve_plot_csv_and_resume(gan, tmp_path):
    csv_path = str(tmp_path / "metrics.csv")
    curve = callbacks.TrainingCurve(str(tmp_path / "curve.png"), csv_path)
    history = _fit(gan, _images(12), [curve])
    with Image.open(tmp_path / "curve.png") as image:
        assert min(image.size) > 100
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert [int(row["step"]) for row in rows] == [1, 2, 3, 4, 5, 6]
    assert [int(row["epoch"]) for row in rows] == [0, 0, 0, 1, 1, 1]
    # Each epoch's logged mean is the mean of its steps' own values.
    for epoch in (0, 1):
        values = [float(r["g_loss"]) for r in rows if int(r["epoch"]) == epoch]
        np.testing.assert_allclose(
            np.mean(values), history.history["g_loss"][epoch], rtol=1e-5
        )
    # A row past the model's step (written after the last checkpoint by a
    # killed run) is dropped when a new fit starts at step 6.
    with open(csv_path, "a") as f:
        f.write("7,2,9,9,9,9\n")
    resumed = callbacks.TrainingCurve(str(tmp_path / "curve.png"), csv_path)
    _fit(gan, _images(8), [resumed], epochs=1)
    with open(csv_path) as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    assert steps == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [row["step"] for row in resumed.history] == steps
    assert resumed.history[6]["d_loss"] != 9


def test_checkpoint_every_n_steps_and_epoch_end_keeps_newest(gan, tmp_path):
    checkpoint = WorkdirCheckpoint(
        str(tmp_path), every_n_steps=2, keep=2, state={"steps_per_epoch": 3}
    )
    _fit(gan, _images(12), [checkpoint])
    assert [s for s, _ in workdir.list_checkpoints(str(tmp_path))] == [4, 6]
    state = workdir.read_checkpoint_state(
        workdir.latest_checkpoint(str(tmp_path))
    )
    assert (state["step"], state["epoch"], state["steps_per_epoch"]) == (
        6,
        2,
        3,
    )
    with open(workdir.checkpoint_path(str(tmp_path), 4)[:-6] + ".json") as f:
        assert json.load(f)["epoch"] == 1


def test_nan_guard_stops_and_keeps_last_good_checkpoint(gan, tmp_path):
    checkpoint = WorkdirCheckpoint(str(tmp_path), every_n_steps=1)
    guard = callbacks.NonFiniteGuard(
        lambda: workdir.latest_checkpoint(str(tmp_path))
    )
    good = os.path.join("checkpoints", "step-00000002.keras")
    with pytest.raises(
        callbacks.NonFiniteLossError,
        match=rf"diverged at step 3 \(epoch 1\): d_loss=nan.*"
        rf"last good checkpoint is .*{good}",
    ):
        _fit(gan, _images(16, nan_from=8), [checkpoint, guard], epochs=3)
    assert int(gan.g_optimizer.iterations) == 3  # stopped at once
    assert [s for s, _ in workdir.list_checkpoints(str(tmp_path))] == [1, 2]
    restored = workdir.load_gan(str(tmp_path))
    assert all(np.isfinite(w.numpy()).all() for w in restored.weights)


def test_nan_guard_without_raising(gan):
    guard = callbacks.NonFiniteGuard(raise_error=False)
    _fit(gan, _images(8, nan_from=0), [guard])
    assert int(gan.g_optimizer.iterations) == 1
    assert "No checkpoint" not in str(guard.error)
    assert "diverged at step 1" in str(guard.error)


def test_time_limit_stops_after_the_step_that_spends_it(gan, monkeypatch):
    # A clock that moves 10 s per training batch.
    clock = {"now": 0.0}
    monkeypatch.setattr(
        callbacks.time_limit,
        "time",
        types.SimpleNamespace(monotonic=lambda: clock["now"]),
    )

    class Tick(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            clock["now"] += 10.0

    limit = callbacks.TimeLimit(seconds=25)
    history = _fit(gan, _images(16), [Tick(), limit], epochs=3)
    # 10, 20: go on; 30 >= 25: stop after that third step, mid-epoch.
    assert int(gan.g_optimizer.iterations) == 3
    assert limit.reached
    assert limit.elapsed == 30.0
    # The epoch ended there: its logs exist, the next epoch never ran.
    assert len(history.history["g_loss"]) == 1


def test_time_limit_left_unspent_trains_every_step(gan):
    limit = callbacks.TimeLimit(seconds=3600)
    _fit(gan, _images(8), [limit])
    assert int(gan.g_optimizer.iterations) == 4
    assert not limit.reached


@pytest.mark.parametrize("seconds", [0, -5, float("inf"), "60", None, True])
def test_time_limit_refuses_a_budget_that_is_not_a_positive_number(seconds):
    expected = f"`seconds` must be a finite number > 0; received {seconds!r}."
    with pytest.raises(ValueError, match=re.escape(expected) + "$"):
        callbacks.TimeLimit(seconds)


def test_epoch_summary_prints_one_line_per_epoch(gan, tmp_path):
    grid = callbacks.SampleGrid(str(tmp_path), num_samples=2)
    lines = []
    summary = callbacks.EpochSummary(grid, print_fn=lines.append)
    history = _fit(gan, _images(8), [grid, summary])
    assert len(lines) == 2
    assert lines[1].startswith("epoch 2/2  step 4  d_loss ")
    assert f"g_loss {history.history['g_loss'][1]:.4g}" in lines[1]
    assert lines[1].endswith(os.path.join(str(tmp_path), "step-00000004.png"))


def test_gif_leaves_out_a_grid_whose_checksums_fail(tmp_path):
    # A zeroed block inside a compressible PNG still decodes; only the
    # chunk checksums show the damage.
    grids = np.zeros((2, 242, 242), "uint8")
    grids[:, ::7, ::5] = 200
    for step, grid in enumerate(grids, start=1):
        Image.fromarray(grid).save(tmp_path / f"step-{step:08d}.png")
    damaged = tmp_path / "step-00000002.png"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = bytes(16)
    damaged.write_bytes(bytes(data))
    with Image.open(damaged) as image:
        assert np.asarray(image).shape == (242, 242)  # still decodes
    with pytest.warns(integrity.DamagedFileWarning, match="step-00000002"):
        gif = callbacks.SampleGrid(
            str(tmp_path), gif_path=str(tmp_path / "grids.gif")
        ).write_gif()
    with Image.open(gif) as image:
        assert image.n_frames == 1
    assert not damaged.exists()


def test_a_metrics_log_cut_at_a_row_boundary_is_not_silent(gan, tmp_path):
    # Well-formed rows, but the checkpoint being resumed is at step 4: the
    # rows of steps 3 and 4 were lost.
    csv_path = tmp_path / "metrics.csv"
    csv_path.write_text("step,epoch,d_loss\n1,0,0.5\n2,0,0.4\n")
    gan.g_optimizer.iterations.assign(4)
    curve = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    curve.set_model(gan)
    with pytest.warns(
        integrity.DamagedFileWarning,
        match="rows end at step 2 but training resumes from step 4",
    ):
        curve.on_train_begin()
    assert [row["step"] for row in curve.history] == [1, 2]
    assert (tmp_path / "metrics.csv.damaged").exists()


@pytest.mark.parametrize(
    ("damaged_row", "reason"),
    [
        # One flipped bit turns a digit into a space: " .4" still parses.
        ("2,0, .4", "d_loss is ' .4', not a number as written"),
        ("2 ,0,0.4", "step is '2 ', not a number as written"),
        ("1,0,0.4", "step 1 follows step 1; steps only increase"),
        ("2,0,0.4,7", "a different number of fields"),
    ],
)
def test_a_metrics_row_that_still_parses_but_is_damaged_is_not_silent(
    gan, tmp_path, damaged_row, reason
):
    csv_path = tmp_path / "metrics.csv"
    csv_path.write_text(f"step,epoch,d_loss\n1,0,0.5\n{damaged_row}\n")
    gan.g_optimizer.iterations.assign(1)
    curve = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    curve.set_model(gan)
    with pytest.warns(integrity.DamagedFileWarning, match=re.escape(reason)):
        curve.on_train_begin()
    assert [row["step"] for row in curve.history] == [1]
    assert (tmp_path / "metrics.csv.damaged").exists()


@pytest.mark.parametrize(
    "text",
    [
        # Cut inside the last row: "0.49" cut to "0.4" still parses.
        "step,epoch,d_loss\r\n1,0,0.5\r\n2,0,0.4",
        "step,epoch,d_loss\r\n1,0,0.5\r\n2,0,0.49\r",
        "step,epoch,d_los",
    ],
)
def test_a_metrics_log_cut_inside_a_row_is_not_silent(gan, tmp_path, text):
    csv_path = tmp_path / "metrics.csv"
    csv_path.write_bytes(text.encode())
    gan.g_optimizer.iterations.assign(1)
    curve = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    curve.set_model(gan)
    with pytest.warns(
        integrity.DamagedFileWarning, match="ends inside it, without a line end"
    ):
        curve.on_train_begin()
    expected = [1] if "1,0" in text else []
    assert [row["step"] for row in curve.history] == expected
    assert (tmp_path / "metrics.csv.damaged").read_bytes() == text.encode()


def test_a_metrics_log_as_written_reads_back_exactly(gan, tmp_path):
    csv_path = tmp_path / "metrics.csv"
    values = [0.5, 1e-05, -2.5e20, float("inf")]
    rows = [
        {"step": i + 1, "epoch": 0, "d_loss": value}
        for i, value in enumerate(values)
    ]
    training_curve._write_csv(str(csv_path), rows)
    gan.g_optimizer.iterations.assign(len(rows))
    curve = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    curve.set_model(gan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve.on_train_begin()
    assert curve.history == rows


def test_a_metrics_log_whose_header_is_damaged_loses_no_values(gan, tmp_path):
    # One flipped bit renames a column (d_loss -> d_lmss): rows appended
    # under that header would drop this run's d_loss without a word.
    csv_path = tmp_path / "metrics.csv"
    curve = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    _fit(gan, _images(8), [curve], epochs=1)
    written = csv_path.read_text()
    assert written.startswith("step,epoch,d_loss,")
    csv_path.write_text(written.replace("d_loss", "d_lmss", 1))
    resumed = callbacks.TrainingCurve(str(tmp_path / "c.png"), str(csv_path))
    with pytest.warns(
        integrity.DamagedFileWarning,
        match=r"columns \['step', 'epoch', 'd_lmss'",
    ):
        _fit(gan, _images(8), [resumed], epochs=1)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(resumed.history[-1])
    assert [int(row["step"]) for row in rows] == [1, 2, 3, 4]
    # The old rows' d_loss is unknown under the new header (nan); this
    # run's values are all there, and the old file is kept whole.
    assert [row["d_loss"] for row in rows[:2]] == ["nan", "nan"]
    for row, logged in zip(rows[2:], resumed.history[2:], strict=True):
        assert float(row["d_loss"]) == logged["d_loss"]
    assert (
        (tmp_path / "metrics.csv.damaged")
        .read_text()
        .startswith("step,epoch,d_lmss,")
    )
