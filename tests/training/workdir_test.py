"""Tests of keras_dcgan.training.workdir: atomic checkpoints, the layout."""

import json
import os

import numpy as np
import pytest

from keras_dcgan.training import workdir


@pytest.fixture
def gan(tiny_gan):
    return tiny_gan(seed=3, compiled=True)


def test_checkpoints_round_trip_with_rng_state(gan, tmp_path):
    images = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1))
    gan.fit(images.astype("float32"), batch_size=4, epochs=1, verbose=0)
    path = workdir.save_checkpoint(gan, str(tmp_path), 2, {"step": 2})
    assert path == workdir.checkpoint_path(str(tmp_path), 2)
    assert workdir.latest_checkpoint(str(tmp_path)) == path
    assert workdir.read_checkpoint_state(path)["step"] == 2

    loaded = workdir.load_gan(str(tmp_path))
    for saved, restored in zip(gan.variables, loaded.variables, strict=True):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
    # The noise seed moved during training and is restored too.
    assert gan.seed_generator.state.numpy()[1] != 0
    np.testing.assert_array_equal(
        loaded.seed_generator.state.numpy(), gan.seed_generator.state.numpy()
    )
    assert int(loaded.g_optimizer.iterations) == 2


def test_half_written_checkpoints_are_ignored_and_removed(gan, tmp_path):
    good = workdir.save_checkpoint(gan, str(tmp_path), 1, {"step": 1})
    directory = tmp_path / workdir.CHECKPOINT_DIR
    # A kill while writing step 2's model, and one before step 3's counters.
    (directory / "step-00000002.keras.partial.keras").write_bytes(b"x")
    (directory / "step-00000003.keras").write_bytes(b"not a zip")
    (directory / "step-00000004.json.partial").write_text("{")
    assert workdir.latest_checkpoint(str(tmp_path)) == good
    removed = workdir.remove_partial_files(str(tmp_path))
    assert sorted(os.path.basename(path) for path in removed) == [
        "step-00000002.keras.partial.keras",
        "step-00000003.keras",
        "step-00000004.json.partial",
    ]
    assert sorted(os.listdir(directory)) == [
        "step-00000001.json",
        "step-00000001.keras",
    ]


def test_remove_old_checkpoints_keeps_newest(gan, tmp_path):
    for step in (5, 10, 15, 20):
        workdir.save_checkpoint(gan, str(tmp_path), step, {"step": step})
    removed = workdir.remove_old_checkpoints(str(tmp_path), keep=2)
    assert [os.path.basename(path) for path in removed] == [
        "step-00000005.keras",
        "step-00000010.keras",
    ]
    assert [step for step, _ in workdir.list_checkpoints(str(tmp_path))] == [
        15,
        20,
    ]
    assert len(os.listdir(tmp_path / workdir.CHECKPOINT_DIR)) == 4
    with pytest.raises(ValueError, match="keep"):
        workdir.remove_old_checkpoints(str(tmp_path), keep=0)


def test_restore_rng_state_rejects_other_model(gan):
    with pytest.raises(ValueError, match="saved from another model"):
        workdir.restore_rng_state(gan, {"other/seed_generator_state": [0, 1]})


def test_config_and_outputs(tmp_path):
    assert workdir.read_config(str(tmp_path)) is None
    workdir.write_config(str(tmp_path / "run"), {"a": 1})
    assert workdir.read_config(str(tmp_path / "run")) == {"a": 1}
    with open(tmp_path / "run" / workdir.CONFIG_FILE) as f:
        assert json.load(f) == {"a": 1}
    (tmp_path / "run" / workdir.SAMPLES_DIR).mkdir()
    (tmp_path / "run" / workdir.METRICS_CSV).write_text("step\n")
    (tmp_path / "run" / "samples.png").write_bytes(b"mine")
    removed = workdir.remove_training_outputs(str(tmp_path / "run"))
    assert len(removed) == 3
    # Files the user wrote (e.g. `keras-dcgan sample` outputs) stay.
    assert os.listdir(tmp_path / "run") == ["samples.png"]


def test_load_gan_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint in workdir"):
        workdir.load_gan(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="neither a workdir"):
        workdir.load_gan(str(tmp_path / "missing.keras"))
