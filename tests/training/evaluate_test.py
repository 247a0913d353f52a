"""Tests of keras_dcgan.training.evaluate: extractor specs."""

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
