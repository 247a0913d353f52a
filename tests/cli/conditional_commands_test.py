"""`keras-dcgan train --conditional` and `sample --label`, and class grids.

Commands run in subprocesses, as in commands_test.py (absl flags are
process-wide).
"""

import json
import os

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import images as images_lib
from keras_dcgan import sampling
from keras_dcgan.training import workdir

TINY = [
    "--image_size=16",
    "--latent_dim=8",
    "--generator_filters=4",
    "--discriminator_filters=4",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, cli):
    """A tiny conditional run trained by `keras-dcgan train --conditional`."""
    run = str(tmp_path_factory.mktemp("cli") / "run")
    result = cli(
        "train",
        "--conditional",
        "--preset=mnist",
        "--dataset=mnist-sample",
        f"--workdir={run}",
        *TINY,
        "--conditioning=channels",
        "--batch_size=4",
        "--epochs=1",
        "--steps_per_epoch=2",
        "--num_samples=20",
        "--notensorboard",
        "--progress=none",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run


def test_train_conditional_reads_the_classes_from_the_data(run_dir):
    with open(os.path.join(run_dir, "config.json")) as f:
        network = json.load(f)["network"]
    assert network["num_classes"] == 10
    assert network["conditioning"] == "channels"
    gan = workdir.load_gan(run_dir)
    assert gan.num_classes == 10
    # The training grid: 20 samples // 10 classes, one class per row.
    (grid,) = os.listdir(os.path.join(run_dir, "samples"))
    shape = np.asarray(Image.open(os.path.join(run_dir, "samples", grid))).shape
    # Enlarged 3x for viewing (upscale="auto": up to 640 pixels).
    assert shape[:2] == (3 * (10 * 18 + 2), 3 * (2 * 18 + 2))


def test_sample_label_is_generate_for_that_class(run_dir, tmp_path, cli):
    out = str(tmp_path / "threes.npy")
    result = cli(
        "sample",
        f"--workdir={run_dir}",
        "--label=3",
        "--num=4",
        "--seed=1",
        f"--out={out}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = images_lib.to_uint8(
        workdir.load_gan(run_dir).generate(4, labels=3, seed=1)
    )
    np.testing.assert_array_equal(np.load(out), expected)


@pytest.mark.slow  # write_class_grid itself is tested in-process below
def test_sample_png_is_a_class_grid(run_dir, tmp_path, cli):
    out = str(tmp_path / "grid.png")
    result = cli(
        "sample", f"--workdir={run_dir}", "--num=30", "--seed=2", f"--out={out}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "class grid of 10 classes x 3 samples" in result.stdout
    grid = np.asarray(Image.open(out))
    gan = workdir.load_gan(run_dir)
    expected = str(tmp_path / "expected.png")
    sampling.write_class_grid(gan, expected, per_class=3, seed=2)
    np.testing.assert_array_equal(grid, np.asarray(Image.open(expected)))
    assert grid.shape[:2] == (3 * (10 * 18 + 2), 3 * (3 * 18 + 2))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "text"),
    [("10", "--label=10 is not a class of this model; expected 0 to 9")],
)
def test_sample_refuses_a_label_out_of_range(
    run_dir, tmp_path, label, text, cli
):
    result = cli(
        "sample",
        f"--workdir={run_dir}",
        f"--label={label}",
        f"--out={tmp_path / 'x.png'}",
    )
    assert result.returncode != 0
    assert text in result.stderr


def test_interpolate_walks_a_conditional_model(run_dir, tmp_path, cli):
    # What `make demo` runs after training a conditional model.
    out = tmp_path / "walk.gif"
    result = cli("interpolate", f"--workdir={run_dir}", f"--out={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    # --num_points x --steps frames of 80 ms (Pillow may merge identical
    # frames of this barely trained model into longer ones).
    durations = []
    with Image.open(out) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert sum(durations) == 4 * 10 * 80
    result = cli(
        "interpolate",
        f"--workdir={run_dir}",
        "--label=10",
        f"--out={tmp_path / 'w.png'}",
    )
    assert result.returncode != 0
    assert "--label=10 is not a class of this model; expected 0 to 9" in (
        result.stderr
    )


def test_class_grid_rows_are_the_classes(tmp_path, tiny_gan):
    gan = tiny_gan(num_classes=3)
    grid_path = str(tmp_path / "grid.png")
    sampling.write_class_grid(gan, grid_path, per_class=2, seed=0, upscale=1)
    grid = np.asarray(Image.open(grid_path))
    images = gan.generate(6, labels=[0, 0, 1, 1, 2, 2], seed=0)
    # A grayscale PNG reads back without its channel axis.
    expected = images_lib.make_grid(images, columns=2)[..., 0]
    np.testing.assert_array_equal(grid, expected)


def test_class_grid_needs_a_conditional_model(tmp_path, tiny_gan):
    gan = tiny_gan()
    with pytest.raises(ValueError, match="needs a class-conditional DCGAN"):
        sampling.write_class_grid(gan, str(tmp_path / "g.png"))
