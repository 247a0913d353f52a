"""Tests of keras_dcgan.training.evaluate: extractor specs."""

import pytest

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
