"""`TrainConfig.jit_compile`: XLA for single-device training, off when split.

Two logical CPU devices must be configured before TensorFlow initializes,
which has already happened in a pytest worker, so the distributed check
runs this file as a script in a child process.
"""

import subprocess
import sys

import pytest

from keras_dcgan.training.trainer import build_gan
from tests.conftest import child_env
from tests.conftest import tiny_dataset
from tests.conftest import tiny_train_config


def _config(**changes):
    return tiny_train_config(**{"batch_size": 8, **changes})


def test_xla_is_on_by_default_and_can_be_turned_off():
    assert _config().jit_compile is True
    assert build_gan(_config()).jit_compile is True
    assert build_gan(_config(jit_compile=False)).jit_compile is False


def test_the_64x64_preset_trains_without_xla():
    # docs/performance.md: oneDNN's graph beats XLA's CPU convolutions at
    # 64x64 (1.6x), XLA's fusion wins or ties at 28x28.
    from keras_dcgan.training.config import TRAIN_PRESETS

    assert TRAIN_PRESETS["celeba64"].jit_compile is False
    assert TRAIN_PRESETS["mnist"].jit_compile is True
    assert build_gan(TRAIN_PRESETS["celeba64"]).jit_compile is False


def test_jit_compile_must_be_a_bool():
    with pytest.raises(ValueError, match="`jit_compile` must be True or Fa"):
        _config(jit_compile="yes")


def test_a_resumed_run_takes_the_setting_it_is_given(tmp_path):
    from keras_dcgan.training import train

    dataset = tiny_dataset()
    run = str(tmp_path / "run")
    gan = train(_config(jit_compile=False), run, dataset=dataset, verbose=0)
    assert gan.jit_compile is False
    gan = train(_config(epochs=2), run, dataset=dataset, verbose=0)
    assert gan.jit_compile is True
    assert int(gan.g_optimizer.iterations.numpy()) == 4


def test_a_run_split_over_two_replicas_trains_without_xla_and_says_so(
    tmp_path,
):
    done = subprocess.run(
        [sys.executable, __file__, str(tmp_path / "run")],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Training without XLA: the step is distributed over 2" in (
        done.stdout
    )
    assert done.stdout.strip().splitlines()[-1] == "jit_compile=False step=2"


def _child(workdir):
    import tensorflow as tf

    from keras_dcgan.training import train

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    gan = train(_config(), workdir, dataset=tiny_dataset(), strategy=strategy)
    step = int(gan.g_optimizer.iterations.numpy())
    print(f"jit_compile={gan.jit_compile} step={step}")


if __name__ == "__main__":
    _child(sys.argv[1])
