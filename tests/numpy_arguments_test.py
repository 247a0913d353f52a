"""NumPy numbers in configurations and networks: accepted, stored as Python
numbers (JSON, Keras layers and `config.json` take no `np.int64`)."""

import json

import numpy as np

from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.models.presets import NetworkConfig
from keras_dcgan.training.config import TrainConfig
from keras_dcgan.training.config import get_train_config


def test_train_config_stores_numpy_numbers_as_python_numbers():
    # Before: "`epochs` must be a positive integer; received np.int64(3)."
    config = get_train_config(
        "mnist",
        epochs=np.int64(3),
        steps_per_epoch=np.int32(2),
        d_learning_rate=np.float32(0.5),
        seed=np.uint32(7),
        network={"latent_dim": np.int64(8), "num_classes": np.int64(10)},
    )
    assert (type(config.epochs), type(config.steps_per_epoch)) == (int, int)
    assert (type(config.seed), type(config.d_learning_rate)) == (int, float)
    assert type(config.network.latent_dim) is int
    assert type(config.network.num_classes) is int
    # config.json round-trips.
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config


def test_network_config_stores_numpy_numbers_as_python_numbers():
    config = NetworkConfig(image_size=np.int64(32), dropout=np.float32(0.25))
    assert type(config.image_size) is int
    assert type(config.dropout) is float


def test_networks_take_numpy_sizes():
    # Without the conversion Keras's Dense refused the np.int64 units.
    generator = Generator(
        np.int64(8),
        image_size=np.int64(16),
        channels=np.int64(1),
        filters=np.int64(4),
        num_classes=np.int64(3),
    )
    discriminator = Discriminator(
        image_size=np.int64(16),
        channels=np.int64(1),
        filters=np.int64(4),
        dropout=np.float32(0.25),
    )
    json.dumps(generator.get_config())
    json.dumps(discriminator.get_config())
    assert generator.output_shape == (None, 16, 16, 1)
