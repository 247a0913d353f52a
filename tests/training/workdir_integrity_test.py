"""Damaged workdir files: detected, named, set aside, and an intact one used."""

import json
import os

import keras
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import integrity
from keras_dcgan.training import workdir


@pytest.fixture(scope="module")
def gan():
    model = DCGAN.from_preset(
        "mnist",
        seed=3,
        image_size=16,
        latent_dim=8,
        generator_filters=4,
        discriminator_filters=4,
    )
    model.compile()
    return model


def truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def empty(path):
    open(path, "wb").close()


def zero_bytes(path):
    # Zeroes a block in the middle, keeping the size.
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 3)
        f.write(bytes(min(4096, size // 3)))


def flip_bit(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        byte = f.read(1)[0]
        f.seek(size // 2)
        f.write(bytes([byte ^ 0x10]))


def garble_json(path):
    json_path = path[: -len(".keras")] + ".json"
    with open(json_path, "r+") as f:
        f.truncate(os.path.getsize(json_path) // 2)


def change_json_digit(path):
    # Still valid JSON: only the checksum tells.
    json_path = path[: -len(".keras")] + ".json"
    with open(json_path) as f:
        text = f.read()
    index = max(i for i, c in enumerate(text) if c.isdigit() and c != "9")
    with open(json_path, "w") as f:
        f.write(text[:index] + str(int(text[index]) + 1) + text[index + 1 :])


CORRUPTIONS = [
    truncate,
    empty,
    zero_bytes,
    flip_bit,
    garble_json,
    change_json_digit,
]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__)
def test_a_damaged_newest_checkpoint_falls_back_and_is_moved_aside(
    gan, tmp_path, corrupt
):
    run = str(tmp_path)
    good = workdir.save_checkpoint(gan, run, 1, {"step": 1})
    bad = workdir.save_checkpoint(gan, run, 2, {"step": 2})
    corrupt(bad)

    with pytest.warns(integrity.DamagedFileWarning) as record:
        loaded = workdir.load_gan(run)
    message = str(record[0].message)
    damaged_dir = os.path.join(run, "checkpoints", "damaged")
    assert f"{bad!r} is damaged" in message
    assert os.path.join(damaged_dir, "step-00000002.keras") in message
    assert f"falling back to {good!r}" in message
    assert isinstance(loaded, DCGAN)
    # Nothing deleted: both files of the damaged checkpoint were moved.
    assert sorted(os.listdir(damaged_dir)) == [
        "step-00000002.json",
        "step-00000002.keras",
    ]
    assert workdir.latest_checkpoint(run) == good


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__)
def test_a_damaged_checkpoint_file_is_a_clear_error(gan, tmp_path, corrupt):
    path = workdir.save_checkpoint(gan, str(tmp_path), 1, {"step": 1})
    corrupt(path)
    with pytest.raises(integrity.DamagedFileError, match="is damaged: "):
        workdir.load_gan(path)


def test_only_damaged_checkpoints_is_a_clear_error(gan, tmp_path):
    path = workdir.save_checkpoint(gan, str(tmp_path), 1, {"step": 1})
    truncate(path)
    with (
        pytest.warns(integrity.DamagedFileWarning, match="no older"),
        pytest.raises(FileNotFoundError, match="only damaged ones"),
    ):
        workdir.load_gan(str(tmp_path))


def test_a_keras_file_that_is_not_a_dcgan_is_refused(tmp_path):
    path = str(tmp_path / "classifier.keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    with pytest.raises(ValueError, match=r"holds a Sequential .* not a "):
        workdir.load_gan(path)


def test_damaged_config_json_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text('{"preset": "mn')
    with pytest.raises(
        integrity.DamagedFileError, match=r"config\.json' is damaged: not valid"
    ):
        workdir.read_config(str(tmp_path))


def test_read_json_names_empty_and_garbled_files(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b"")
    with pytest.raises(integrity.DamagedFileError, match="empty"):
        integrity.read_json(str(path))
    path.write_bytes(b"\xff\xfe{")
    with pytest.raises(integrity.DamagedFileError, match="not valid JSON"):
        integrity.read_json(str(path))


def test_move_aside_never_overwrites(tmp_path):
    for text in ("one", "two"):
        (tmp_path / "f.csv").write_text(text)
        integrity.move_aside(str(tmp_path / "f.csv"))
    assert (tmp_path / "f.csv.damaged").read_text() == "one"
    assert (tmp_path / "f.csv.damaged-2").read_text() == "two"


def test_checkpoint_state_holds_the_file_digest(gan, tmp_path):
    path = workdir.save_checkpoint(gan, str(tmp_path), 1, {"step": 1})
    with open(path[: -len(".keras")] + ".json") as f:
        state = json.load(f)
    assert state["sha256"] == integrity.sha256(path)
    assert workdir.checkpoint_damage(path) is None
