"""`TrainConfig.jit_compile`: the faster step here; no XLA when split.

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
def onednn(monkeypatch):
    """Pretends TensorFlow's oneDNN kernels are on (True) or off (False)."""

    def pretend(on):
        monkeypatch.setattr(trainer_lib, "onednn_enabled", lambda: on)

    return pretend


def test_with_onednn_kernels_the_step_runs_in_the_graph_unless_set(onednn):
    # docs/performance.md: with TensorFlow's oneDNN kernels its graph beat
    # XLA at 28x28 and by 1.6-2x at 64x64, on AVX2 and AVX-512 CPUs.
    onednn(True)
    assert _config().jit_compile is None
    assert build_gan(_config()).jit_compile is False
    assert build_gan(_config(jit_compile=True)).jit_compile is True
    from keras_dcgan.training.config import TRAIN_PRESETS

    for preset in ("mnist", "cifar10", "celeba64"):
        assert build_gan(TRAIN_PRESETS[preset]).jit_compile is False


def test_without_onednn_kernels_the_step_is_xla_compiled_unless_set(onednn):
    # docs/performance.md: XLA ran 1.4-1.5x faster than TensorFlow's
    # default (Eigen) kernels at 28x28 and 64x64 on an AVX2 CPU.
    onednn(False)
    assert build_gan(_config()).jit_compile is True
    big = _config().replace(network={"image_size": 64})
    assert build_gan(big).jit_compile is True
    assert build_gan(big.replace(jit_compile=False)).jit_compile is False


def test_with_a_gpu_the_step_is_xla_compiled(onednn, monkeypatch):
    import tensorflow as tf

    onednn(True)
    devices = tf.config.list_physical_devices
    monkeypatch.setattr(
        tf.config,
        "list_physical_devices",
        lambda kind=None: ["GPU:0"] if kind == "GPU" else devices(kind),
    )
    assert build_gan(_config()).jit_compile is True
    assert build_gan(_config(jit_compile=False)).jit_compile is False


def test_mixed_precision_is_xla_compiled_without_bfloat16_units(
    onednn, monkeypatch
):
    # docs/performance.md: on an AVX2 CPU the graph's bfloat16 kernels ran
    # 11x slower than XLA; with AVX512-BF16 the graph was 1.44x float32.
    onednn(True)
    wants = trainer_lib.wants_xla
    monkeypatch.setattr(trainer_lib, "cpu_has_bfloat16", lambda: False)
    assert wants(_config(precision="mixed_bfloat16")) is True
    assert wants(_config(precision="mixed_float16")) is True
    assert wants(_config(precision="float32")) is False
    assert wants(_config(precision="mixed_bfloat16", jit_compile=False)) is (
        False
    )
    monkeypatch.setattr(trainer_lib, "cpu_has_bfloat16", lambda: True)
    assert wants(_config(precision="mixed_bfloat16")) is False
    assert wants(_config(precision="mixed_float16")) is True


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False)])
def test_onednn_enabled_reports_what_tensorflow_was_started_with(
    value, expected
):
    # TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, when imported: a child.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from keras_dcgan.training.trainer import onednn_enabled; "
            "print(onednn_enabled())",
        ],
        env=child_env(TF_ENABLE_ONEDNN_OPTS=value),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == str(expected)


@pytest.mark.parametrize(
    ("check", "flags", "expected"),
    [
        ("cpu_has_avx512", "fpu sse2 avx2 fma avx512f avx512bw", True),
        ("cpu_has_avx512", "fpu sse2 avx2 fma bmi2", False),
        # A flag that only contains the name does not count.
        ("cpu_has_avx512", "fpu avx2 avx512_bf16x", False),
        ("cpu_has_bfloat16", "fpu avx2 avx512f avx512_bf16", True),
        ("cpu_has_bfloat16", "fpu avx2 amx_bf16 amx_tile", True),
        ("cpu_has_bfloat16", "fpu avx2 avx512f avx512_vnni", False),
    ],
)
def test_cpu_checks_read_the_flags_line(tmp_path, check, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\n")
    assert getattr(trainer_lib, check)(str(cpuinfo)) is expected


def test_an_unreadable_cpuinfo_reads_as_no_avx512(tmp_path):
    assert trainer_lib.cpu_has_avx512(str(tmp_path / "none")) is False


def test_jit_compile_must_be_a_bool_or_none():
    with pytest.raises(
        ValueError,
        match=r"`jit_compile` must be True, False or None; received 'yes'\.",
    ):
        _config(jit_compile="yes")


def test_the_run_says_which_step_it_chose_and_how_to_get_the_faster_one(
    tmp_path, capsys, onednn
):
    from keras_dcgan.training import train

    onednn(False)
    train(_config(), str(tmp_path / "xla"), dataset=tiny_dataset())
    assert (
        "Training step for 16x16 images: XLA-compiled: TensorFlow's oneDNN "
        "kernels are off, and TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is "
        "imported turns them on for the faster graph (set jit_compile to "
        "choose)."
    ) in capsys.readouterr().out.replace("\n", " ")
    onednn(True)
    train(_config(), str(tmp_path / "graph"), dataset=tiny_dataset())
    assert (
        "Training step for 16x16 images: TensorFlow's graph with its oneDNN "
        "kernels (set jit_compile to choose)."
    ) in capsys.readouterr().out.replace("\n", " ")


def test_the_run_says_why_mixed_precision_is_xla_compiled(
    tmp_path, capsys, onednn, monkeypatch
):
    from keras_dcgan.training import train

    onednn(True)
    monkeypatch.setattr(trainer_lib, "cpu_has_bfloat16", lambda: False)
    config = _config(precision="mixed_bfloat16")
    gan = train(config, str(tmp_path / "run"), dataset=tiny_dataset())
    assert gan.jit_compile is True
    assert (
        "Training step for 16x16 images: XLA-compiled: mixed_bfloat16 runs "
        "slower in TensorFlow's graph on a CPU without bfloat16 units (set "
        "jit_compile to choose)."
    ) in capsys.readouterr().out.replace("\n", " ")


def test_a_resumed_run_takes_the_setting_it_is_given(tmp_path, onednn):
    from keras_dcgan.training import train

    onednn(False)

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
        # Without oneDNN a single device would train with XLA.
        env=child_env(TF_ENABLE_ONEDNN_OPTS="0"),
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
