"""Tests of the `keras-dcgan` command line.

Subcommands run in subprocesses (each defines absl flags at import, and
absl flags are process-wide); the dispatcher's own messages run in-process.
"""

import json
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import images as images_lib
from keras_dcgan.cli import main
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


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A workdir with a tiny trained DCGAN (EMA on)."""
    run = str(tmp_path_factory.mktemp("cli") / "run")
    config = get_train_config(
        "mnist",
        dataset="mnist-sample",
        network=TINY,
        batch_size=4,
        epochs=1,
        steps_per_epoch=2,
        num_samples=4,
        tensorboard=False,
    )
    train(config, run, verbose=0)
    return run


@pytest.mark.parametrize(
    ("argv", "code", "stream", "text"),
    [
        ([], 2, "err", "usage: keras-dcgan [-v] SUBCOMMAND"),
        (["--help"], 0, "out", "evaluate"),
        (["trian"], 2, "err", "unknown subcommand 'trian'; expected one of"),
    ],
)
def test_dispatcher_messages(capsys, argv, code, stream, text):
    with pytest.raises(SystemExit) as exit_info:
        main.run(["keras-dcgan", *argv])
    assert exit_info.value.code == code
    printed = capsys.readouterr()
    assert text in (printed.out if stream == "out" else printed.err)


def test_usage_lists_every_subcommand():
    for name in ("train", "sample", "interpolate", "export", "evaluate"):
        assert f"  {name}" in main.usage()


def test_sample_npy_is_generate_as_uint8(run_dir, tmp_path, cli):
    out = str(tmp_path / "s.npy")
    result = cli(
        "sample", f"--workdir={run_dir}", "--num=5", "--seed=3", f"--out={out}"
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote 5 samples to {out}" in result.stdout
    gan = workdir.load_gan(run_dir)
    expected = images_lib.to_uint8(gan.generate(5, seed=3))
    # The EMA generator draws the samples; it differs from the raw one.
    assert gan.ema_generator is not None
    np.testing.assert_array_equal(np.load(out), expected)


@pytest.mark.slow
def test_sample_png_grid_and_folder(run_dir, tmp_path, cli):
    result = cli(
        "sample", f"--workdir={run_dir}", "--num=3", f"--out={tmp_path}/d/"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "d")) == [
        "000000.png",
        "000001.png",
        "000002.png",
    ]
    result = cli(
        "sample", f"--workdir={run_dir}", "--num=9", f"--out={tmp_path}/g.png"
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "g.png") as grid:
        # 3x3 16-pixel images, enlarged 11x (upscale="auto": up to 640).
        assert grid.size == (11 * (3 * 18 + 2), 11 * (3 * 18 + 2))
        pixels = np.asarray(grid)
    # Nearest-neighbour: each generated pixel is an 11x11 block.
    assert (pixels[::11, ::11].repeat(11, 0).repeat(11, 1) == pixels).all()


def test_interpolate_gif(run_dir, tmp_path, cli):
    result = cli(
        "interpolate",
        f"--workdir={run_dir}",
        f"--out={tmp_path}/w.gif",
        "--num_walks=4",
        "--steps=3",
        "--num_points=2",
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "w.gif") as gif:
        assert gif.size == (16 * (2 * 18 + 2), 16 * (2 * 18 + 2))
        # A closed loop through 2 points, 3 frames per segment, shown for
        # 6 frame durations. (Pillow merges identical consecutive frames of
        # this barely trained model into one longer frame, so the number of
        # stored frames may be smaller; the timing is what a viewer sees.)
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert sum(durations) == 6 * 80  # write_interpolation's frame_ms


@pytest.mark.slow
def test_interpolate_png(run_dir, tmp_path, cli):
    result = cli(
        "interpolate",
        f"--workdir={run_dir}",
        f"--out={tmp_path}/w.png",
        "--num_walks=2",
        "--steps=5",
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "w.png") as grid:
        assert grid.size == (6 * (5 * 18 + 2), 6 * (2 * 18 + 2))


# Each case is a process start (seconds of TensorFlow import); the library
# raises the same messages in the fast in-process tests.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ["train", "--preset=imagenet", "--workdir=x"],
            "value should be one of <mnist|fashion_mnist|cifar10|celeba64>",
        ),
        (
            ["sample", "--workdir=WORKDIR", "--out=x.jpg"],
            "keras-dcgan sample: error: --out: Cannot tell the output "
            "format of 'x.jpg'",
        ),
        (
            [
                "train",
                "--preset=mnist",
                "--dataset=mnist-sample",
                "--image_size=64",
                "--workdir=NEW",
            ],
            "keras-dcgan train: error: --image_size=64 would enlarge the "
            "images of mnist-sample (shortest side 28) 2.3x, inventing "
            "detail. Pass --resize=bilinear",
        ),
    ],
)
def test_bad_flags_fail_with_clear_messages(run_dir, tmp_path, args, text, cli):
    new = str(tmp_path / "new")
    args = [a.replace("WORKDIR", run_dir).replace("NEW", new) for a in args]
    result = cli(*args)
    assert result.returncode in (1, 2)  # 2: a flag's value
    assert "Traceback" not in result.stderr
    assert text in result.stderr
    assert not os.path.exists(new)


def test_train_refuses_a_workdir_of_another_architecture(tmp_path, cli):
    config = get_train_config("mnist", dataset="mnist-sample", network=TINY)
    prepare_workdir(str(tmp_path), config)
    flags = [f"--{name}={value}" for name, value in TINY.items()]
    result = cli(
        "train",
        "--preset=mnist",
        "--dataset=mnist-sample",
        f"--workdir={tmp_path}",
        *flags,
        "--latent_dim=16",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(
        r"keras-dcgan train: error: Workdir '.*' holds a run with another "
        r"configuration.*\n  network.latent_dim: 8 -> 16\n.*--overwrite",
        result.stderr,
        flags=re.DOTALL,
    )


def test_train_resumes_a_run_whose_config_json_was_changed(
    run_dir, tmp_path, cli
):
    # Before: the trainer set the changed config.json aside, then refused
    # the run as "another configuration: batch_size: 4 -> 5", blaming the
    # user; run again, "holds no run", with only --overwrite (deleting the
    # checkpoints that keep the configuration) offered.
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    config = run / "config.json"
    config.write_text(
        config.read_text().replace('"batch_size": 4', '"batch_size": 5')
    )
    changed = config.read_text()
    result = cli("train", f"--workdir={run}", "--epochs=2", "--progress=none")
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint = os.path.join(run, "checkpoints", "step-00000002.keras")
    assert f"(the copy of its configuration saved in {checkpoint})" in (
        result.stdout
    )
    assert (
        f"DamagedFileWarning: '{config}' is damaged (it defines another run "
        f"than the copy saved with '{checkpoint}' (batch_size: 4 -> 5)); "
        f"moved it to '{config}.damaged'; wrote config.json anew from the "
        f"copy of the configuration saved in '{checkpoint}'."
    ) in result.stderr
    assert (run / "config.json.damaged").read_text() == changed
    saved = json.loads(config.read_text())
    assert (saved["batch_size"], saved["epochs"]) == (4, 2)
    assert workdir.latest_checkpoint(str(run)).endswith("step-00000004.keras")


def test_train_names_a_damaged_config_json_it_cannot_recover(tmp_path, cli):
    (tmp_path / "config.json").write_text("")
    result = cli("train", f"--workdir={tmp_path}", "--epochs=2")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"keras-dcgan train: error: '{tmp_path / 'config.json'}' is damaged: "
        "it is empty (0 bytes). The run saved no checkpoint, so no copy of "
        "its configuration exists and starting again loses no checkpoint: "
        "repair the file, or pass --overwrite.\n"
    ), result.stderr
    assert os.listdir(tmp_path) == ["config.json"]
