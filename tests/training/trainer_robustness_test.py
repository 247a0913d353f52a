"""Nothing lost, nothing silent: locks, interrupts, damaged files in `train`."""

import json
import os
import re
import signal
import subprocess
import sys
import types
import warnings

import keras
import pytest

from keras_dcgan import callbacks as callbacks_lib
from keras_dcgan import integrity
from keras_dcgan import lockfile
from keras_dcgan.errors import OptionError
from keras_dcgan.training import train
from keras_dcgan.training import trainer as trainer_lib
from keras_dcgan.training import workdir
from keras_dcgan.training.trainer import TrainingInterrupted
from tests.conftest import TINY_NETWORK
from tests.conftest import tiny_dataset
from tests.conftest import tiny_train_config

_config = tiny_train_config
_dataset = tiny_dataset


def _train(run, max_time=None, **changes):
    return train(
        _config(**changes),
        run,
        dataset=_dataset(),
        verbose=0,
        max_time=max_time,
    )


# --- One writer per workdir ---------------------------------------------------


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    run = str(tmp_path / "run")
    with (
        lockfile.DirectoryLock(run, "training"),
        pytest.raises(lockfile.DirectoryLockedError) as error,
    ):
        _train(run)
    message = str(error.value)
    assert f"process {os.getpid()} on host" in message
    assert "(training, since " in message
    # Refused before writing anything.
    assert os.listdir(run) == []


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    directory = str(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from keras_dcgan.lockfile import DirectoryLock;"
            f"DirectoryLock({directory!r}).acquire(); print('held', "
            "flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(lockfile.DirectoryLockedError, match=str(holder.pid)):
        lockfile.DirectoryLock(directory).acquire()
    holder.kill()
    holder.wait()
    stale = json.loads((tmp_path / lockfile.LOCK_FILE).read_text())
    assert stale["pid"] == holder.pid
    with lockfile.DirectoryLock(directory, "exporting") as lock:
        mine = json.loads((tmp_path / lockfile.LOCK_FILE).read_text())
        assert mine["pid"] == os.getpid()
        assert lock.path == str(tmp_path / lockfile.LOCK_FILE)
    assert not (tmp_path / lockfile.LOCK_FILE).exists()


# --- Interrupts keep the work -------------------------------------------------


class _SignalAt(keras.callbacks.Callback):
    def __init__(self, step, signum):
        super().__init__()
        self.step, self.signum, self.sent = step, signum, False

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step == self.step and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)


@pytest.mark.parametrize(
    "signum",
    [signal.SIGTERM, pytest.param(signal.SIGINT, marks=pytest.mark.slow)],
)
def test_a_signal_saves_the_current_step_and_resume_continues(tmp_path, signum):
    run = str(tmp_path)
    config = _config(epochs=2, checkpoint_every_steps=100)
    previous = signal.getsignal(signum)
    with pytest.raises(TrainingInterrupted) as error:
        train(
            config,
            run,
            dataset=_dataset(),
            callbacks=[_SignalAt(3, signum)],
            verbose=0,
        )
    # Handlers are restored.
    assert signal.getsignal(signum) is previous
    assert error.value.signal_name == signal.Signals(signum).name
    assert error.value.step == 3
    saved = workdir.checkpoint_path(run, 3)
    assert error.value.checkpoint == saved
    assert workdir.read_checkpoint_state(saved)["step"] == 3
    assert "Call `train` again" in str(error.value)
    gan = train(config, run, dataset=_dataset(), verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 8


def test_max_time_saves_the_step_it_stops_at_and_the_run_continues(
    tmp_path, monkeypatch, capsys
):
    # A clock that moves 10 s per training batch, shared by `train` (which
    # starts the budget) and the callback.
    clock = types.SimpleNamespace(now=0.0)
    fake_time = types.SimpleNamespace(monotonic=lambda: clock.now)
    monkeypatch.setattr(trainer_lib, "time", fake_time)
    monkeypatch.setattr(callbacks_lib.time_limit, "time", fake_time)

    class Tick(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            clock.now += 10.0

    run = str(tmp_path)
    config = _config(epochs=2, checkpoint_every_steps=100)
    gan = train(
        config,
        run,
        dataset=_dataset(),
        callbacks=[Tick()],
        verbose=2,
        max_time=55,
    )
    # 10, ..., 50 s: go on; 60 >= 55 s: stop after step 6 (epoch 2).
    assert int(gan.g_optimizer.iterations.numpy()) == 6
    saved = workdir.checkpoint_path(run, 6)
    assert workdir.read_checkpoint_state(saved)["step"] == 6
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith(
            f"Stopped by the time limit (55 s) at step 6 of 8: saved {saved}. "
            "Train again with the same workdir to continue."
        )
    )
    # Called again (a new budget), it finishes the run.
    clock.now = 0.0
    gan = train(config, run, dataset=_dataset(), verbose=0, max_time=55)
    assert int(gan.g_optimizer.iterations.numpy()) == 8


@pytest.mark.parametrize("max_time", [0, -1.0, float("nan"), "10m"])
def test_a_bad_max_time_fails_before_any_work(tmp_path, max_time):
    run = tmp_path / "run"
    expected = f"`max_time` must be a finite number > 0; received {max_time!r}."
    with pytest.raises(ValueError, match=re.escape(expected) + "$"):
        _train(str(run), max_time=max_time)
    assert not run.exists()


def test_the_cli_says_where_the_work_is_and_the_exact_resume_command(
    monkeypatch,
):
    from keras_dcgan.cli import train as cli_train

    error = TrainingInterrupted(signal.SIGTERM, 37, "r/checkpoints/s.keras")
    argv = ["x", "train", "--workdir=my run", "--overwrite", "--epochs=3"]
    monkeypatch.setattr(sys, "argv", argv)
    message = cli_train._interrupted_message(error)
    assert "stopped by SIGTERM at step 37; saved r/checkpoints/s.keras" in (
        message
    )
    # --overwrite would delete the run instead of resuming it.
    assert message.endswith(
        "Resume with:\n  keras-dcgan train '--workdir=my run' --epochs=3"
    )


# --- Damaged files the run reads back ----------------------------------------


@pytest.mark.slow
def test_train_resumes_from_the_newest_intact_checkpoint(tmp_path):
    run = str(tmp_path)
    _train(run)  # 4 steps, checkpoints at 2 and 4
    newest = workdir.checkpoint_path(run, 4)
    with open(newest, "r+b") as f:
        f.truncate(100)
    with pytest.warns(integrity.DamagedFileWarning, match="step-00000002"):
        gan = _train(run, epochs=2)
    assert int(gan.g_optimizer.iterations.numpy()) == 8
    damaged = os.path.join(run, "checkpoints", "damaged")
    assert sorted(os.listdir(damaged)) == [
        "step-00000004.json",
        "step-00000004.keras",
    ]


@pytest.mark.slow
def test_a_damaged_config_json_is_recovered_from_the_checkpoint(tmp_path):
    run = str(tmp_path)
    _train(run)
    (tmp_path / "config.json").write_text('{"dataset": "test-im')
    with pytest.warns(
        integrity.DamagedFileWarning, match="copy of the configuration"
    ):
        gan = _train(run, epochs=2)
    assert int(gan.g_optimizer.iterations.numpy()) == 8
    assert (tmp_path / "config.json.damaged").read_text().startswith("{")
    assert json.loads((tmp_path / "config.json").read_text())["epochs"] == 2


def test_a_damaged_config_json_without_a_copy_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_bytes(b"")
    with pytest.raises(ValueError, match=r"config\.json' is damaged: it is em"):
        _train(str(tmp_path))


@pytest.mark.slow
def test_a_damaged_metrics_csv_keeps_its_good_rows(tmp_path):
    run = str(tmp_path)
    _train(run)
    csv_path = tmp_path / "metrics.csv"
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join([*lines[:3], "3,0,0.5,garb"]) + "\n")
    with pytest.warns(integrity.DamagedFileWarning, match="metrics.csv"):
        _train(run, epochs=2)
    steps = [line.split(",")[0] for line in csv_path.read_text().splitlines()]
    assert steps == ["step", "1", "2", "5", "6", "7", "8"]
    assert (tmp_path / "metrics.csv.damaged").exists()


# --- Only what the run wrote --------------------------------------------------


def test_overwrite_keeps_the_users_own_files(tmp_path):
    run = str(tmp_path)
    _train(run)
    (tmp_path / "samples" / "my_notes.txt").write_text("mine")
    (tmp_path / "README.md").write_text("mine")
    removed = workdir.remove_training_outputs(run)
    assert os.path.join(run, "samples", "step-00000004.png") in removed
    assert (tmp_path / "samples" / "my_notes.txt").read_text() == "mine"
    assert sorted(os.listdir(run)) == ["README.md", "samples"]
    assert os.listdir(tmp_path / "samples") == ["my_notes.txt"]


def test_a_workdir_that_cannot_be_written_fails_before_any_work(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(PermissionError, match=r"workdir=.*a_file/run"):
        train(_config(), str(blocker / "run"), dataset=None, verbose=0)


def test_check_writable_names_the_argument(tmp_path):
    integrity.check_writable(str(tmp_path / "new" / "dir"), "out")
    (tmp_path / "f").write_text("")
    with pytest.raises(PermissionError, match=r"--out='.*f/x\.png'"):
        integrity.check_writable(str(tmp_path / "f" / "x.png"), "--out", False)


def test_read_csv_keeps_the_rows_before_a_damaged_one(tmp_path):
    from keras_dcgan.callbacks.training_curve import _read_csv

    path = tmp_path / "metrics.csv"
    path.write_text("step,epoch,d_loss\n1,0,0.5\n2,0,0.4\n3,0,0.\x00\n4,0,1\n")
    with pytest.warns(integrity.DamagedFileWarning, match="row 3 is unread"):
        rows = _read_csv(str(path))
    assert [row["step"] for row in rows] == [1, 2]
    assert (tmp_path / "metrics.csv.damaged").exists()


def test_read_saved_config_falls_back_to_the_checkpoint_copy(tmp_path):
    from keras_dcgan.models import DCGAN
    from keras_dcgan.training.trainer import _read_saved_config

    gan = DCGAN.from_preset("mnist", **TINY_NETWORK)
    gan.compile()
    config = _config().to_dict()
    workdir.save_checkpoint(
        gan, str(tmp_path), 1, {"step": 1, "train_config": config}
    )
    (tmp_path / "config.json").write_text('{"dataset": "test-im')
    with pytest.warns(
        integrity.DamagedFileWarning, match="copy of the configuration"
    ):
        assert _read_saved_config(str(tmp_path)) == config
    assert (tmp_path / "config.json.damaged").exists()
    # Valid JSON, but a bit flipped in a setting that defines the run.
    (tmp_path / "config.json").write_text(json.dumps({**config, "seed": 16}))
    with pytest.warns(integrity.DamagedFileWarning, match="defines another"):
        assert _read_saved_config(str(tmp_path)) == config
    # A setting a resumed run may change is not damage.
    (tmp_path / "config.json").write_text(json.dumps({**config, "epochs": 9}))
    assert _read_saved_config(str(tmp_path))["epochs"] == 9


def _run_with_a_checkpoint(path, state=None):
    """A workdir whose one checkpoint keeps a copy of the configuration."""
    from keras_dcgan.models import DCGAN

    gan = DCGAN.from_preset("mnist", **TINY_NETWORK)
    gan.compile()
    config = _config().to_dict()
    if state is None:
        state = {"step": 2, "train_config": config}
    checkpoint = workdir.save_checkpoint(gan, str(path), 2, state)
    workdir.write_config(str(path), config)
    return config, checkpoint


# Each way `keras-dcgan train --workdir=DIR` met a damaged config.json:
# before, the command line's own reading failed first ("Unterminated string
# starting at: line 13 column 29", "Unknown training option(s)") or, for a
# changed setting, the recovered run was refused as "another configuration".
@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda text: text[: text.index('"test-im') + 8],
            r"not valid JSON \(Unterminated string starting at",
        ),
        (lambda text: "", r"it is empty \(0 bytes\)"),
        (
            lambda text: '{"foo": 1}',
            r"it holds no training configuration \(Unknown training "
            r"option\(s\) \['foo'\]\)",
        ),
        (lambda text: "[1, 2]", "it holds no training configuration"),
        (
            lambda text: text.replace('"batch_size": 4', '"batch_size": 5'),
            r"it defines another run than the copy saved with '.*step-0000"
            r"0002.keras' \(batch_size: 4 -> 5\)",
        ),
    ],
)
def test_saved_config_recovers_a_damaged_config_json(tmp_path, damage, reason):
    config, checkpoint = _run_with_a_checkpoint(tmp_path)
    path = tmp_path / "config.json"
    text = path.read_text()
    path.write_text(damage(text))
    damaged = path.read_text()
    # A look before the run takes the lock changes and reports nothing.
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        looked = workdir.saved_config(str(tmp_path), repair=False)
    assert looked == (config, checkpoint)
    assert not [w for w in seen if w.category is integrity.DamagedFileWarning]
    assert path.read_text() == damaged
    with pytest.warns(integrity.DamagedFileWarning) as caught:
        assert workdir.saved_config(str(tmp_path)) == (config, checkpoint)
    message = str(caught[0].message)
    assert re.match(
        rf"'{re.escape(str(path))}' is damaged \({reason}.*\); moved it to "
        rf"'{re.escape(str(path))}\.damaged'; wrote config\.json anew from "
        rf"the copy of the configuration saved in '{re.escape(checkpoint)}'"
        r"\.$",
        message,
    ), message
    assert (tmp_path / "config.json.damaged").read_text() == damaged
    assert json.loads(path.read_text()) == config
    # The run resumes with the copy (same settings, so not refused), and
    # the repaired workdir warns no more.
    with warnings.catch_warnings():
        warnings.simplefilter("error", integrity.DamagedFileWarning)
        resume_from = trainer_lib.prepare_workdir(
            str(tmp_path), _config(epochs=2)
        )
    assert resume_from == checkpoint
    assert json.loads(path.read_text())["epochs"] == 2


def test_a_missing_config_json_is_taken_from_the_checkpoint(tmp_path):
    config, checkpoint = _run_with_a_checkpoint(tmp_path)
    os.remove(tmp_path / "config.json")
    with pytest.warns(
        integrity.DamagedFileWarning,
        match=rf"config\.json' is missing; wrote config\.json anew from the "
        rf"copy of the configuration saved in '{re.escape(checkpoint)}'\.$",
    ):
        resume_from = trainer_lib.prepare_workdir(str(tmp_path), _config())
    assert resume_from == checkpoint
    assert workdir.read_config(str(tmp_path)) == config


def test_a_config_without_a_copy_is_a_clear_error(tmp_path):
    # Checkpoints of an older version kept no copy of the configuration.
    _, checkpoint = _run_with_a_checkpoint(tmp_path, state={"step": 2})
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(OptionError) as error:
        trainer_lib.prepare_workdir(str(tmp_path), _config())
    path = str(tmp_path / "config.json")
    assert str(error.value) == (
        f"{path!r} is damaged: not valid JSON (Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1)); cannot tell "
        "which configuration the run's checkpoints belong to: "
        f"{checkpoint!r} holds no copy of the configuration (written by an "
        f"older version of keras-dcgan). Write {path!r} with the settings "
        "the run started with to resume it; overwrite=True deletes the "
        "checkpoints and starts again."
    )
    # In the command line's words, and nothing moved or deleted.
    assert "; --overwrite deletes the checkpoints" in error.value.for_flags()
    assert (tmp_path / "config.json").read_text() == "{"
    assert workdir.list_checkpoints(str(tmp_path)) == [(2, checkpoint)]


def test_a_damaged_config_without_checkpoints_may_start_again(tmp_path):
    (tmp_path / "config.json").write_text("")
    with pytest.raises(
        ValueError,
        match=r"config\.json' is damaged: it is empty \(0 bytes\)\. The run "
        r"saved no checkpoint, so no copy of its configuration exists and "
        r"starting again loses no checkpoint: repair the file, or pass "
        r"overwrite=True\.$",
    ):
        workdir.saved_config(str(tmp_path))
