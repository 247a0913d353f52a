"""`TrainConfig.jit_compile`: XLA for single-device training, off when split.

Two logical CPU devices must be configured before TensorFlow initializes,
which has already happened in a pytest worker, so the distributed check
runs this file as a script in a child process.
"""

import subprocess
import sys

import pytest

from keras_dcgan.training import trainer as trainer_lib
from keras_dcgan.training.trainer import build_gan
from tests.conftest import child_env
from tests.conftest import tiny_dataset
from tests.conftest import tiny_train_config


def _config(**changes):
    return tiny_train_config(**{"batch_size": 8, **changes})


@pytest.fixture
def avx512(monkeypatch):
    """Pretends the CPU has AVX-512 (True) or only AVX2 (False)."""

    def pretend(has):
        monkeypatch.setattr(trainer_lib, "cpu_has_avx512", lambda: has)

    return pretend


def test_xla_is_chosen_by_image_size_unless_set(avx512):
    avx512(True)
    # 16x16 images: XLA, unless the setting says otherwise.
    assert _config().jit_compile is None
    assert build_gan(_config()).jit_compile is True
    assert build_gan(_config(jit_compile=False)).jit_compile is False
    big = _config().replace(network={"image_size": 64})
    assert build_gan(big).jit_compile is False
    assert build_gan(big.replace(jit_compile=True)).jit_compile is True


def test_64x64_networks_train_without_xla_and_28x28_with_it(avx512):
    # docs/performance.md: with AVX-512, oneDNN's graph beats XLA's CPU
    # convolutions at 64x64 (1.6x), XLA's fusion wins or ties at 28x28.
    # The choice follows the size, not the preset: a 64x64 network sized
    # from the data or set by hand gets the same as the celeba64 preset.
    avx512(True)
    from keras_dcgan.training.config import TRAIN_PRESETS
    from keras_dcgan.training.config import get_train_config

    assert build_gan(TRAIN_PRESETS["celeba64"]).jit_compile is False
    assert build_gan(TRAIN_PRESETS["mnist"]).jit_compile is True
    assert build_gan(TRAIN_PRESETS["cifar10"]).jit_compile is True
    custom = get_train_config(network={"image_size": 64, "channels": 3})
    assert build_gan(custom).jit_compile is False
    assert build_gan(custom.replace(jit_compile=True)).jit_compile is True


def test_an_avx2_only_cpu_trains_64x64_with_xla_too(avx512):
    # docs/performance.md: XLA ran 1.47x faster than the graph at 64x64
    # on an AVX2-only CPU.
    avx512(False)
    big = _config().replace(network={"image_size": 64})
    assert build_gan(big).jit_compile is True
    assert build_gan(big.replace(jit_compile=False)).jit_compile is False


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx2 fma avx512f avx512bw", True),
        ("fpu sse2 avx2 fma bmi2", False),
        # A flag that only contains the name does not count.
        ("fpu avx2 avx512_bf16x", False),
    ],
)
def test_cpu_has_avx512_reads_the_flags_line(tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\n")
    assert trainer_lib.cpu_has_avx512(str(cpuinfo)) is expected


def test_an_unreadable_cpuinfo_keeps_the_measured_choice(tmp_path):
    assert trainer_lib.cpu_has_avx512(str(tmp_path / "none")) is True


def test_jit_compile_must_be_a_bool_or_none():
    with pytest.raises(
        ValueError,
        match=r"`jit_compile` must be True, False or None; received 'yes'\.",
    ):
        _config(jit_compile="yes")


def test_the_run_says_which_step_it_chose(tmp_path, capsys):
    from keras_dcgan.training import train

    train(_config(), str(tmp_path / "run"), dataset=tiny_dataset())
    assert "Training step for 16x16 images: XLA-compiled" in (
        capsys.readouterr().out
    )


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
