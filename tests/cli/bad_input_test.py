"""Bad input on the command line: one line naming the flag, the value and
what is allowed, before the model loads and before anything is written."""

import os
import types

import pytest

from keras_dcgan.cli import main


def _fake_command(error):
    """A subcommand module whose `main` raises `error`."""

    def raise_it(argv):
        raise error

    return types.SimpleNamespace(__name__="fake_command", main=raise_it)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        # Before: a traceback (not among the user errors).
        (
            IsADirectoryError("path='out/' is a directory"),
            "keras-dcgan fake: error: path='out/' is a directory\n",
        ),
        (
            NotADirectoryError("'a.txt' is a file"),
            "keras-dcgan fake: error: 'a.txt' is a file\n",
        ),
        # Before: numpy's or TensorFlow's allocation traceback.
        (
            MemoryError("Unable to allocate 74.5 GiB for an array"),
            "keras-dcgan fake: error: out of memory (Unable to allocate "
            "74.5 GiB for an array); ask for less.\n",
        ),
    ],
)
def test_user_errors_print_one_line(capsys, error, text):
    wrapped = main._main_with_clear_errors("fake", _fake_command(error), False)
    assert wrapped(["fake"]) == 1
    assert capsys.readouterr().err == text


def test_tensorflow_out_of_memory_names_the_allocation(capsys):
    import tensorflow as tf

    error = tf.errors.ResourceExhaustedError(
        None,
        None,
        "{{function_node __wrapped__StatelessRandomNormalV2}} OOM when "
        "allocating tensor with shape[100000000,100] and type float",
    )
    wrapped = main._main_with_clear_errors("fake", _fake_command(error), False)
    assert wrapped(["fake"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err == (
        "keras-dcgan fake: error: out of memory (OOM when allocating tensor "
        "with shape[100000000,100]); ask for less.\n"
    )


def test_other_errors_keep_their_traceback():
    wrapped = main._main_with_clear_errors(
        "fake", _fake_command(KeyError("bug")), False
    )
    with pytest.raises(KeyError):
        wrapped(["fake"])


def _run(cli, *args):
    result = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


# One process start each (seconds of TensorFlow import); every case fails
# before a model is loaded, so an empty folder serves as --workdir.
@pytest.mark.parametrize(
    ("args", "text"),
    [
        # Before: written as a TFLite model named .png.
        (
            ["export", "--tflite=OUT/g.png"],
            "--tflite=OUT/g.png does not end in .tflite",
        ),
        # Before: an IsADirectoryError traceback after loading the model.
        (
            ["export", "--tflite=OUT/"],
            "--tflite='OUT/' is a directory; pass the path of a .tflite "
            "file in it, e.g. 'OUT/generator.tflite'.",
        ),
        # Before: silently ignored without --tflite.
        (
            ["export", "--saved_model_dir=OUT/s", "--quantization=int8"],
            "--quantization only applies to the TFLite model; pass "
            "--tflite=FILE.tflite too",
        ),
        # Before: silently skipped, exporting only the SavedModel.
        (
            ["export", "--saved_model_dir=OUT/s", "--tflite="],
            "--tflite is empty; pass a path or leave it out.",
        ),
        # Before: `batch_size` must be an int >= 1, after loading the model.
        (
            ["export", "--tflite=OUT/g.tflite", "--tflite_batch=0"],
            "--tflite_batch=0",
        ),
    ],
)
@pytest.mark.slow
def test_export_checks_outputs_before_loading(tmp_path, cli, args, text):
    workdir = tmp_path / "run"
    workdir.mkdir()
    out = str(tmp_path / "out")
    args = [arg.replace("OUT", out) for arg in args]
    result = _run(cli, *args, f"--workdir={workdir}")
    assert result.returncode in (1, 2)
    assert text.replace("OUT", out) in result.stderr
    assert not os.path.exists(out)


def test_export_refuses_an_existing_version_before_loading(tmp_path, cli):
    # Before: found only after loading the model (and the version check
    # came after the max_samples check had created the base directory).
    workdir = tmp_path / "run"
    workdir.mkdir()
    (tmp_path / "serving" / "dcgan" / "3").mkdir(parents=True)
    result = _run(
        cli,
        "export",
        f"--workdir={workdir}",
        f"--saved_model_dir={tmp_path / 'serving'}",
        "--version=3",
    )
    assert result.returncode == 1
    # Not "No checkpoint in workdir": the model was never loaded.
    assert "Version 3 already exists" in result.stderr
    assert "--overwrite" in result.stderr


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ["sample", "--out=OUT.npy", "--upscale=3"],
            "--upscale=3 enlarges a .png grid only; --out=OUT.npy writes a "
            "uint8 NHWC array",
        ),
        (
            ["interpolate", "--out=OUT.png", "--num_points=5"],
            "--num_points=5 only applies to a .gif",
        ),
        # Before: checked only after loading, and the message named the
        # hidden 'OUT.gif.partial' file.
        (
            ["interpolate", "--out=/proc/OUT.gif"],
            "--out='/proc/OUT.gif' cannot be written",
        ),
        (
            ["sample", "--out=OUT"],
            "--out: Cannot tell the output format of 'OUT'",
        ),
        # Before: 85 was written as 80 ms (GIFs store hundredths of a
        # second); 10**8 raised PIL's OverflowError after generating.
        (
            ["interpolate", "--out=OUT.gif", "--frame_ms=85"],
            "--frame_ms must be a multiple of 10 from 10 to 655350",
        ),
    ],
)
@pytest.mark.slow
def test_outputs_are_checked_before_loading(tmp_path, cli, args, text):
    workdir = tmp_path / "run"
    workdir.mkdir()
    out = "x"
    args = [arg.replace("OUT", out) for arg in args]
    result = _run(cli, *args, f"--workdir={workdir}")
    assert result.returncode in (1, 2)
    assert text.replace("OUT", out) in result.stderr
    assert "No checkpoint" not in result.stderr


def test_sample_refuses_a_folder_of_earlier_samples_before_loading(
    tmp_path, cli
):
    # Before: 100 new PNGs over 1,000 old ones left a silent mix of both.
    workdir = tmp_path / "run"
    workdir.mkdir()
    out = tmp_path / "samples"
    out.mkdir()
    (out / "000000.png").write_bytes(b"old")
    (out / "000001.png").write_bytes(b"old")
    result = _run(cli, "sample", f"--workdir={workdir}", f"--out={out}/")
    assert result.returncode == 2
    assert f"--out: '{out}/' already holds 2 numbered sample PNG(s)" in (
        result.stderr
    )
    assert (out / "000000.png").read_bytes() == b"old"


def test_evaluate_output_never_replaces_a_checkpoint(tmp_path, cli):
    # Before: rc 0, and the checkpoint became a 400-byte JSON: the run lost.
    checkpoint = tmp_path / "run" / "checkpoints" / "step-00000002.keras"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"PK model")
    result = _run(
        cli,
        "evaluate",
        f"--workdir={tmp_path / 'run'}",
        "--dataset=mnist-sample",
        f"--output={checkpoint}",
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"keras-dcgan evaluate: error: --output='{checkpoint}' does not end "
        "in .json; the result is a JSON file, such as "
        f"'{tmp_path / 'run' / 'evaluation.json'}' (the default).\n"
    ), result.stderr
    assert checkpoint.read_bytes() == b"PK model"
