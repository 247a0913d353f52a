"""Tests of keras_dcgan.training.evaluate: extractor specs, the output."""

import json
import os
import re

import pytest

from keras_dcgan.training import evaluate_workdir
from keras_dcgan.training import load_extractor


def test_missing_classifier_file_says_how_to_make_one():
    with pytest.raises(FileNotFoundError, match="train_domain_classifier"):
        load_extractor("classifier:/no/digits.keras")


def test_unknown_extractor_spec():
    with pytest.raises(ValueError, match="Unknown extractor 'vgg'; expected"):
        load_extractor("vgg")


def test_missing_keras_model_names_the_extractor_and_the_path():
    # Before: Keras's "File format not supported" for a missing file.
    with pytest.raises(
        FileNotFoundError,
        match=r"`extractor` 'keras:/no/model.keras:features': no such file "
        r"'/no/model.keras'",
    ):
        load_extractor("keras:/no/model.keras:features")


def test_evaluate_workdir_refuses_a_folder_as_output(tmp_path):
    # Before: the whole evaluation ran, then "[Errno 20] Not a directory:
    # '.../.partial' -> '.../'" and a stray '.partial' file in the folder.
    out = str(tmp_path) + "/"
    with pytest.raises(
        IsADirectoryError,
        match=re.escape(
            f"output={out!r} is a directory; pass the path of a JSON file, "
            f"e.g. {out + 'evaluation.json'!r}."
        ),
    ):
        evaluate_workdir(str(tmp_path / "run"), "mnist-sample", output=out)
    assert os.listdir(tmp_path) == []


def test_evaluate_workdir_checks_the_seed_first(tmp_path):
    # Before: after loading the model and the data, NumPy's "expected
    # non-negative integer" (`keras-dcgan evaluate --seed=-1`).
    with pytest.raises(
        ValueError, match=r"`seed` must be an int >= 0; received -1\."
    ):
        evaluate_workdir(str(tmp_path / "run"), "mnist-sample", seed=-1)


def _fake_run(path):
    """A workdir's files, as bytes an evaluation must leave alone."""
    files = {
        "config.json": b'{"dataset": "mnist-sample"}\n',
        "checkpoints/step-00000002.keras": b"PK model",
        "checkpoints/step-00000002.json": b'{"step": 2}',
        "notes.json": b'{"mine": 1}',
        "broken.json": b"{",
    }
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content)
    return files


# Before: `keras-dcgan evaluate --output=RUN/checkpoints/step-00000002.keras`
# replaced the checkpoint with a 400-byte JSON (rc 0), and
# `--output=RUN/config.json` the run's configuration.
@pytest.mark.parametrize(
    ("output", "error", "text"),
    [
        (
            "checkpoints/step-00000002.keras",
            ValueError,
            "output='RUN/checkpoints/step-00000002.keras' does not end in "
            ".json; the result is a JSON file, such as "
            "'RUN/evaluation.json' (the default).",
        ),
        (
            "config.json",
            ValueError,
            "output='RUN/config.json' is the run's config.json, which "
            "training reads back; pass another path, such as "
            "'RUN/evaluation.json' (the default).",
        ),
        (
            "checkpoints/step-00000002.json",
            ValueError,
            "output='RUN/checkpoints/step-00000002.json' is inside the run's "
            "checkpoints/ folder, which training writes and cleans up; pass "
            "a path outside it, such as 'RUN/evaluation.json' (the default).",
        ),
        (
            "checkpoints/scores.json",
            ValueError,
            "output='RUN/checkpoints/scores.json' is inside the run's "
            "checkpoints/ folder",
        ),
        (
            "notes.json",
            FileExistsError,
            "output='RUN/notes.json' already exists and is not an earlier "
            "evaluation result (it lacks the keys ['checkpoint', 'step', "
            "'dataset', 'split', 'extractor', 'seed']); it is not replaced. "
            "Pass another `output` path, or move the file away.",
        ),
        (
            "broken.json",
            FileExistsError,
            "output='RUN/broken.json' already exists and is not an earlier "
            "evaluation result (not a JSON object)",
        ),
    ],
)
def test_evaluate_workdir_replaces_no_file_it_did_not_write(
    tmp_path, output, error, text
):
    run = tmp_path / "run"
    files = _fake_run(run)
    with pytest.raises(error, match=re.escape(text.replace("RUN", str(run)))):
        evaluate_workdir(str(run), "mnist-sample", output=str(run / output))
    for name, content in files.items():
        assert (run / name).read_bytes() == content
    assert sorted(os.listdir(run)) == sorted(
        ["checkpoints", "config.json", "notes.json", "broken.json"]
    )


def test_evaluate_workdir_keeps_a_default_output_it_did_not_write(tmp_path):
    run = tmp_path / "run"
    _fake_run(run)
    (run / "evaluation.json").write_text("my own notes")
    with pytest.raises(
        FileExistsError,
        match=re.escape(
            f"The default output {str(run / 'evaluation.json')!r} already "
            "exists and is not an earlier evaluation result (not a JSON "
            "object); it is not replaced. Pass another `output` path"
        ),
    ):
        evaluate_workdir(str(run), "mnist-sample")
    assert (run / "evaluation.json").read_text() == "my own notes"


def test_evaluate_workdir_replaces_its_own_earlier_result(tmp_path):
    import keras
    import numpy as np

    from keras_dcgan.training import workdir as workdir_lib
    from tests.conftest import build_tiny_gan

    run = tmp_path / "run"
    checkpoint = workdir_lib.save_checkpoint(
        build_tiny_gan(compiled=True), str(run), 2, {"step": 2}
    )
    inputs = keras.Input((16, 16, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    keras.Model(inputs, pooled).save(tmp_path / "features.keras")
    images = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 1))
    np.save(tmp_path / "real.npy", images.astype(np.uint8))
    settings = {
        "dataset": str(tmp_path / "real.npy"),
        "num_samples": 8,
        "extractor": f"keras:{tmp_path / 'features.keras'}",
    }
    first = evaluate_workdir(str(run), **settings, seed=0)
    # Given as a file, a checkpoint's result goes to its workdir, not
    # beside it in checkpoints/ (where training deletes a stray .json).
    second = evaluate_workdir(checkpoint, **settings, seed=1)
    with open(run / "evaluation.json") as f:
        assert json.load(f) == second != first
    assert sorted(os.listdir(run / "checkpoints")) == [
        "step-00000002.json",
        "step-00000002.keras",
    ]
    # No temporary file left beside the result.
    assert sorted(os.listdir(run)) == ["checkpoints", "eval", "evaluation.json"]
