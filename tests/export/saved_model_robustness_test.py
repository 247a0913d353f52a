"""Exports: one writer per base dir, and what killed exports left cleaned up."""

import os

import pytest

from keras_dcgan import Generator
from keras_dcgan import lockfile
from keras_dcgan.export import saved_model


@pytest.fixture(scope="module")
def generator():
    return Generator(8, image_size=16, channels=1, filters=4)


def test_stale_staging_dirs_are_removed_and_a_retired_version_restored(
    generator, tmp_path
):
    model_dir = tmp_path / "dcgan"
    # What kills at various moments leave: a half-written version 3, and
    # version 2 moved aside by an overwrite that never put the new one in.
    (model_dir / ".3-k2w05i7e" / "variables").mkdir(parents=True)
    (model_dir / ".2-old-abc_12" / "saved_model").mkdir(parents=True)
    (model_dir / ".2-old-abc_12" / "saved_model" / "saved_model.pb").write_text(
        "old 2"
    )
    (model_dir / "1").mkdir()
    (model_dir / ".hidden-by-user").mkdir()
    path = saved_model.export_saved_model(
        generator, str(tmp_path), allow_untrained=True
    )
    # Version 2 is back (nothing published is lost); the new one is 3.
    assert path == str(model_dir / "3")
    assert (model_dir / "2" / "saved_model.pb").read_text() == "old 2"
    assert sorted(os.listdir(model_dir)) == [".hidden-by-user", "1", "2", "3"]
    assert not (tmp_path / lockfile.LOCK_FILE).exists()


def test_a_second_exporter_into_one_base_dir_is_refused(generator, tmp_path):
    with (
        lockfile.DirectoryLock(str(tmp_path), "exporting"),
        pytest.raises(lockfile.DirectoryLockedError, match="exporting"),
    ):
        saved_model.export_saved_model(
            generator, str(tmp_path), allow_untrained=True
        )
    assert not (tmp_path / "dcgan").exists()


def test_an_unwritable_base_dir_fails_first(generator, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(PermissionError, match=r"base_dir=.*file/serving"):
        saved_model.export_saved_model(
            generator, str(tmp_path / "file" / "serving"), allow_untrained=True
        )


def _export_tflite(gan, base):
    from keras_dcgan.export import export_tflite

    return export_tflite(gan, os.path.join(base, "generator.tflite"))


@pytest.mark.parametrize(
    "export", [saved_model.export_saved_model, _export_tflite]
)
def test_the_dcgan_itself_is_refused_with_what_to_pass(
    tiny_gan, tmp_path, export
):
    # Before: "has no symbolic inputs and outputs", with no way out named.
    gan = tiny_gan(compiled=True)
    with pytest.raises(
        TypeError,
        match=r"received the DCGAN '.*' itself\. Pass "
        r"`gan.sampling_generator`",
    ):
        export(gan, str(tmp_path))
    assert os.listdir(tmp_path) == []
