"""TFDS sources, offline: mocked data, and clear errors for missing data."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_dcgan import data


def first_batch(dataset):
    return tf.nest.map_structure(np.asarray, next(iter(dataset)))


@pytest.mark.parametrize("source", ["mnist", "tfds:mnist", "tfds:mnist:test"])
def test_mnist_names(source):
    with tfds.testing.mock_data(num_examples=8):
        images, labels = first_batch(
            data.load(source, batch_size=4, seed=0, with_labels=True)
        )
    assert images.shape == (4, 28, 28, 1)
    assert images.dtype == np.float32
    assert images.min() >= -1
    assert images.max() <= 1
    assert labels.dtype == np.int32
    assert set(labels.tolist()) <= set(range(10))


def test_describe_tfds():
    with tfds.testing.mock_data(num_examples=8):
        info = data.describe("cifar10")
    assert info.image_shape == (32, 32, 3)
    assert info.num_classes == 10
    assert len(info.class_names) == 10
    assert info.num_examples == 8


def test_celeba_is_center_cropped_and_shrunk():
    with tfds.testing.mock_data(num_examples=4):
        assert data.describe("celeba").image_shape == (218, 178, 3)
        images = first_batch(data.load("celeba", image_size=64, batch_size=2))
        assert images.shape == (2, 64, 64, 3)
        with pytest.raises(ValueError, match=r"has no labels"):
            data.load("celeba", image_size=64, batch_size=2, with_labels=True)


def test_seeded_tfds_pipeline_repeats():
    with tfds.testing.mock_data(num_examples=16):
        first = [first_batch(data.load("mnist", batch_size=4, seed=3))]
        second = [first_batch(data.load("mnist", batch_size=4, seed=3))]
    np.testing.assert_array_equal(first, second)


def test_missing_dataset_says_how_to_prepare_it(tmp_path):
    with pytest.raises(ValueError, match=r"not prepared") as error:
        data.load("mnist", data_dir=str(tmp_path), batch_size=4)
    message = str(error.value)
    assert "tfds build mnist --data_dir=DIR" in message
    assert str(tmp_path) in message
    assert "download=True" in message


def test_unknown_tfds_dataset_suggests_a_name():
    with pytest.raises(ValueError, match=r"Unknown TFDS dataset 'mnst'.*mnist"):
        data.load("tfds:mnst", batch_size=4)


def test_unknown_short_name_lists_the_choices():
    with pytest.raises(
        ValueError, match=r"Unknown dataset or source 'mnist_sample'.*celeba"
    ):
        data.load("mnist_sample", batch_size=4)


def test_two_splits_are_an_error():
    with pytest.raises(ValueError, match=r"Two splits given: 'test'.*'train'"):
        data.load("tfds:mnist:test", split="train", batch_size=4)


def test_unknown_image_key_lists_features():
    with pytest.raises(
        ValueError, match=r"no image feature 'img'.*\['image'\]"
    ):
        data.load("mnist", image_key="img", batch_size=4)


def test_tfds_options_only_for_tfds():
    with pytest.raises(ValueError, match=r"split='test' applies to TFDS"):
        data.load("mnist-sample", split="test", batch_size=4)
    with pytest.raises(ValueError, match=r"\['data_dir'\] only apply to TFDS"):
        data.load("mnist-sample", data_dir="/tmp", batch_size=4)
