"""Tests of keras_dcgan.integrity.check_writable."""

import pytest

from keras_dcgan.integrity import check_writable


def test_a_folder_path_naming_a_file_is_refused(tmp_path):
    # Before: 'samples.png/' stepped over the file to its parent and
    # passed; `keras-dcgan sample --out=samples.png/` then failed after
    # loading the model with "[Errno 17] File exists".
    (tmp_path / "samples.png").write_bytes(b"png")
    out = f"{tmp_path}/samples.png/"
    with pytest.raises(
        PermissionError,
        match=rf"--out='{out}' cannot be written \('{tmp_path}/samples.png' "
        r"is a file",
    ):
        check_writable(out, "--out")
    assert (tmp_path / "samples.png").read_bytes() == b"png"


def test_a_new_folder_under_a_writable_one_passes(tmp_path):
    check_writable(f"{tmp_path}/new/", "--out")
    check_writable(f"{tmp_path}/new/file.png", "--out", is_dir=False)
