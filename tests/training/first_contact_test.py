"""The library side of first contact: networks sized from the data, every
setting checked before a workdir is written, data options that reach
`data.load`, and errors that advise Python arguments."""

import dataclasses
import inspect
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import data
from keras_dcgan.errors import OptionError
from keras_dcgan.training import TrainConfig
from keras_dcgan.training import get_train_config
from keras_dcgan.training import train
from keras_dcgan.training.trainer import load_examples


def _folder(path, size, count=4, channels=3):
    path.mkdir()
    rng = np.random.default_rng(0)
    for index in range(count):
        shape = (*size, channels) if channels == 3 else size
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        Image.fromarray(pixels).save(path / f"{index}.png")
    return str(path)


def test_dataset_without_preset_sizes_the_networks(capsys):
    config = get_train_config(dataset="mnist-sample", epochs=1)
    assert (config.network.image_size, config.network.channels) == (28, 1)
    assert config.epochs == 1
    printed = capsys.readouterr().out
    assert "Sized the networks from 'mnist-sample': image_size=28, " in printed
    assert "channels=1 (native 28x28x1)" in printed
    # What the caller sets is kept; only the rest comes from the data.
    config = get_train_config(dataset="mnist-sample", network={"channels": 3})
    assert (config.network.image_size, config.network.channels) == (28, 3)
    # A preset keeps its own sizes.
    assert get_train_config("cifar10", dataset="mnist-sample").network == (
        get_train_config("cifar10").network
    )


@pytest.mark.parametrize(
    ("size", "channels", "expected"),
    [
        ((30, 30), 3, (28, 3)),  # rounded down, never enlarged
        ((40, 36), 1, (36, 1)),  # the shorter side (centre crop)
        ((100, 100), 3, (64, 3)),  # at most the paper's 64
        ((16, 16), 1, (16, 1)),
    ],
)
def test_sizes_from_an_image_folder(tmp_path, size, channels, expected):
    folder = _folder(tmp_path / "images", size, channels=channels)
    config = get_train_config(dataset=folder)
    assert (config.network.image_size, config.network.channels) == expected


def test_images_too_small_to_size_from(tmp_path):
    folder = _folder(tmp_path / "tiny", (12, 12))
    with pytest.raises(OptionError, match="12 pixels") as error:
        get_train_config(dataset=folder)
    assert "pass image_size (e.g. 16) with resize='bilinear'" in str(
        error.value
    )
    assert "--image_size (e.g. 16) with --resize=bilinear" in (
        error.value.for_flags()
    )


@pytest.mark.parametrize(
    "network",
    [{"image_size": 7}, {"latent_dim": 0}, {"dropout": 1.5}],
)
def test_rejected_settings_write_nothing(tmp_path, network):
    # The configuration checks itself when it is made, so `train` (which
    # also builds both networks before writing) never sees it.
    name, value = next(iter(network.items()))
    with pytest.raises(ValueError, match=rf"{name}`?=?.*{value}"):
        get_train_config("mnist", dataset="mnist-sample", network=network)
    config = get_train_config("mnist", dataset="mnist-sample")
    with pytest.raises(ValueError, match=name):
        config.replace(network=network)
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="batch_size"):
        train(config.replace(batch_size=20000), str(run), verbose=0)
    assert not run.exists()


# `data.load` arguments the trainer sets itself, or that are not about the
# data's content.
_NOT_SETTINGS = {
    "source",  # TrainConfig.dataset
    "image_size",  # NetworkConfig
    "channels",  # NetworkConfig
    "batch_size",
    "shuffle",
    "seed",
    "cache",
    "with_labels",  # NetworkConfig.num_classes
    "download",  # never at training time: data is prepared beforehand
}


def test_every_data_option_is_a_train_setting():
    fields = {field.name for field in dataclasses.fields(TrainConfig)}
    options = set(inspect.signature(data.load).parameters) - _NOT_SETTINGS
    assert options <= fields, sorted(options - fields)


def test_data_options_reach_the_data(tmp_path):
    folder = _folder(tmp_path / "images", (20, 20), count=5)
    with open(os.path.join(folder, "broken.png"), "wb") as file:
        file.write(b"not a png")
    config = get_train_config(
        "mnist",
        dataset=folder,
        batch_size=2,
        network={"image_size": 32, "channels": 3},
    )
    with pytest.raises(OptionError, match="skip_corrupt=True"):
        load_examples(config)
    with pytest.raises(OptionError, match="resize='bilinear'"):
        load_examples(config.replace(skip_corrupt=True))
    with warnings.catch_warnings():  # "Skipped 1 corrupt image file(s)"
        warnings.simplefilter("ignore")
        examples, count = load_examples(
            config.replace(skip_corrupt=True, resize="bilinear")
        )
    assert count == 4  # 5 images, batches of 2
    assert tuple(examples.element_spec.shape) == (32, 32, 3)


def test_value_range_round_trips_through_json():
    config = TrainConfig(value_range=[0, 1])
    assert config.value_range == (0.0, 1.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="black < white"):
        TrainConfig(value_range=(1, 0))


def test_summary_lists_the_changed_settings():
    config = get_train_config("mnist", dataset="mnist-sample")
    summary = config.summary()
    assert "preset='mnist'" in summary
    assert "image_size=28" in summary
    assert "loss=" not in summary  # unchanged from the default
    assert max(len(line) for line in summary.splitlines()) <= 76
