"""TrainConfig.precision: mixed-precision networks train and stay float32."""

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.training import trainer as trainer_lib
from keras_dcgan.training.config import get_train_config
from keras_dcgan.training.trainer import build_gan
from keras_dcgan.training.trainer import resolve_precision
from keras_dcgan.training.trainer import train
from tests.conftest import tiny_dataset
from tests.conftest import tiny_train_config
from tests.models.dcgan_defaults_test import random_images

TINY = {
    "image_size": 16,
    "channels": 1,
    "latent_dim": 8,
    "generator_filters": 8,
    "discriminator_filters": 8,
}


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_precision_trains_without_nan_and_keeps_float32_images(precision):
    config = get_train_config(
        network=TINY, precision=precision, r1_weight=1.0, augment="color"
    )
    gan = build_gan(config)
    compute = precision.removeprefix("mixed_")
    assert gan.generator.dtype_policy.compute_dtype == compute
    assert gan.discriminator.dtype_policy.compute_dtype == compute
    gan.run_eagerly = True  # a few steps: tracing would cost more
    history = gan.fit(random_images(8), batch_size=4, epochs=1, verbose=0)
    for name in ("d_loss", "g_loss"):
        assert np.isfinite(history.history[name]).all(), history.history
    for weight in gan.generator.weights + gan.discriminator.weights:
        assert np.isfinite(np.asarray(weight.numpy(), np.float32)).all()
    images = gan.generate(4, seed=0)
    assert images.dtype == np.float32
    assert np.isfinite(images).all()


def test_default_precision_is_float32():
    gan = build_gan(get_train_config(network=TINY))
    assert gan.generator.dtype_policy.name == "float32"
    assert gan.discriminator.dtype_policy.name == "float32"


@pytest.fixture
def device(monkeypatch):
    """Pretends the machine has these GPUs (compute capabilities) or none,
    and a CPU with or without bfloat16 units."""

    def pretend(cpu_bfloat16, gpus=()):
        monkeypatch.setattr(
            trainer_lib, "cpu_has_bfloat16", lambda: cpu_bfloat16
        )
        devices = tf.config.list_physical_devices
        names = [f"GPU:{i}" for i in range(len(gpus))]
        monkeypatch.setattr(
            tf.config,
            "list_physical_devices",
            lambda kind=None: names if kind == "GPU" else devices(kind),
        )
        details = dict(zip(names, gpus, strict=True))
        monkeypatch.setattr(
            tf.config.experimental,
            "get_device_details",
            lambda gpu: {"compute_capability": details[gpu]},
        )

    return pretend


@pytest.mark.parametrize(
    ("cpu_bfloat16", "gpus", "expected"),
    [
        (True, (), "mixed_bfloat16"),
        (False, (), "float32"),
        (False, ((8, 0),), "mixed_bfloat16"),
        (True, ((7, 5),), "float32"),
        (False, ((9, 0), (7, 0)), "float32"),
    ],
)
def test_auto_precision_is_bfloat16_where_the_device_has_its_units(
    device, cpu_bfloat16, gpus, expected
):
    device(cpu_bfloat16, gpus)
    assert resolve_precision("auto") == expected
    for precision in ("float32", "mixed_bfloat16", "mixed_float16"):
        assert resolve_precision(precision) == precision


@pytest.mark.parametrize(
    ("cpu_bfloat16", "compute"), [(True, "bfloat16"), (False, "float32")]
)
def test_auto_precision_builds_the_networks_it_resolves_to(
    device, cpu_bfloat16, compute
):
    device(cpu_bfloat16)
    gan = build_gan(get_train_config(network=TINY, precision="auto"))
    assert gan.generator.dtype_policy.compute_dtype == compute
    assert gan.discriminator.dtype_policy.compute_dtype == compute
    assert gan.ema_generator is None or (
        gan.ema_generator.dtype_policy.compute_dtype == compute
    )


def test_auto_precision_resumes_with_the_saved_networks_precision(
    device, tmp_path, capsys, monkeypatch
):
    # Started where bfloat16 pays, resumed where it does not: the networks
    # keep bfloat16 (their optimizer state is the same either way), and
    # the step takes XLA, as for bfloat16 on such a CPU.
    monkeypatch.setattr(trainer_lib, "onednn_enabled", lambda: True)
    config = tiny_train_config(precision="auto", epochs=1)
    device(True)
    train(config, str(tmp_path), dataset=tiny_dataset(), verbose=1)
    assert "Precision 'auto': mixed_bfloat16 (this device has bfloat16 " in (
        capsys.readouterr().out
    )
    device(False)
    gan = train(config.replace(epochs=2), str(tmp_path), dataset=tiny_dataset())
    out = capsys.readouterr().out
    assert gan.generator.dtype_policy.name == "mixed_bfloat16"
    assert gan.jit_compile is True
    assert (
        "Precision 'auto': mixed_bfloat16 (the precision the resumed "
        "networks were saved with)" in out
    ), out
