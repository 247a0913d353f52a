"""Tests of strategies by name (the multi-device runs are in subprocesses:
models/dcgan_distributed_test.py and distribute_multi_worker_test.py)."""

import json
import re
import subprocess
import sys
import textwrap

import pytest
import tensorflow as tf

from keras_dcgan import distribute
from tests.conftest import child_env


def test_default_is_tensorflows_default_strategy():
    strategy = distribute.get_strategy("default")
    assert strategy is tf.distribute.get_strategy()
    assert not distribute.is_multi_worker(strategy)


def test_one_device_on_the_cpu():
    strategy = distribute.get_strategy("one_device", devices=["CPU:0"])
    assert isinstance(strategy, tf.distribute.OneDeviceStrategy)
    assert strategy.num_replicas_in_sync == 1
    assert strategy.extended.worker_devices[0].endswith("CPU:0")


def test_one_device_without_devices_picks_the_cpu_here():
    strategy = distribute.get_strategy("one_device")
    assert strategy.extended.worker_devices[0].endswith("CPU:0")


def test_mirrored_over_given_devices():
    strategy = distribute.get_strategy("mirrored", devices=["CPU:0"])
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 1


def test_multi_worker_without_cluster_runs_as_one_local_worker():
    strategy = distribute.get_strategy("multi_worker", communication="ring")
    assert isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    # One worker: Keras reduces logs locally, no rank-1 workaround needed.
    assert not distribute.is_multi_worker(strategy)


def test_unknown_strategy_fails_loudly():
    with pytest.raises(ValueError, match=r"Unknown strategy 'mirror'.*tpu"):
        distribute.get_strategy("mirror")


def test_unknown_communication_fails_loudly():
    with pytest.raises(ValueError, match=r"Unknown communication 'mpi'"):
        distribute.get_strategy("multi_worker", communication="mpi")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "default", "devices": ["CPU:0"]}, "takes no `devices`"),
        ({"name": "tpu", "devices": ["CPU:0"]}, "takes no `devices`"),
        ({"name": "mirrored", "tpu": "my-tpu"}, "only applies to strategy"),
        ({"name": "mirrored", "communication": "nccl"}, "only applies to"),
        ({"name": "one_device", "devices": ["CPU:0", "CPU:1"]}, "exactly one"),
        ({"name": "mirrored", "devices": []}, "at least one device"),
    ],
)
def test_options_that_do_not_apply_fail_loudly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        distribute.get_strategy(**kwargs)


def test_tpu_without_a_tpu_says_so():
    with pytest.raises(ValueError, match="No TPU found for tpu='no-such-tpu'"):
        distribute.get_strategy("tpu", tpu="no-such-tpu")


# --- Devices that do not exist ------------------------------------------------
# Before: `mirrored` over a missing device waited forever in its first
# all-reduce (deaf to SIGTERM and Ctrl-C); `one_device` over a missing GPU
# trained on the CPU without a word.


@pytest.mark.parametrize(
    "device",
    [
        "CPU:0",
        "cpu:0",
        "/cpu:0",
        "/CPU:0",
        "/device:CPU:0",
        "/job:localhost/replica:0/task:0/device:CPU:0",
        "/cpu",  # no index: any CPU
    ],
)
def test_every_spelling_of_an_existing_device_is_accepted(device):
    strategy = distribute.get_strategy("one_device", devices=[device])
    assert strategy.extended.worker_devices[0].endswith("CPU:0")


@pytest.mark.parametrize("name", ["one_device", "mirrored"])
@pytest.mark.parametrize(
    "device",
    ["GPU:99", "/gpu:99", "/device:CPU:99", "/job:worker/task:1/device:CPU:0"],
)
def test_a_device_this_machine_lacks_fails_before_the_strategy(name, device):
    available = ", ".join(
        device.name.removeprefix("/device:")
        for device in tf.config.list_logical_devices()
    )
    devices = [device] if name == "one_device" else ["CPU:0", device]
    message = (
        f"`devices`: {device!r} is not a device of this machine; "
        f"available: {available}."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        distribute.get_strategy(name, devices=devices)


@pytest.mark.parametrize("device", ["gpu0", "GPU:x", "", "  ", 0, None])
def test_what_is_not_a_device_name_says_so(device):
    with pytest.raises(
        ValueError,
        match=rf"^`devices`: {re.escape(repr(device))} is not a device name "
        r"such as 'GPU:0' or 'CPU:0'; available: .*CPU:0",
    ):
        distribute.get_strategy("mirrored", devices=[device])


def test_one_device_named_twice_fails():
    # Before: MirroredStrategy's bare AssertionError, a traceback.
    with pytest.raises(
        ValueError,
        match=r"^`devices` names one device twice \('CPU:0' and '/cpu:0'\); "
        "list each device once.$",
    ):
        distribute.get_strategy("mirrored", devices=["CPU:0", "/cpu:0"])


def test_devices_as_one_string_fails():
    # Before: read letter by letter, a device per character.
    with pytest.raises(
        ValueError,
        match=r"^`devices` must be a list of device names such as "
        r"\['GPU:0', 'GPU:1'\]; received the string 'CPU:0'.$",
    ):
        distribute.get_strategy("mirrored", devices="CPU:0")


def test_logical_cpus_count_as_devices():
    # Tests stand in two logical CPUs for two GPUs; they must stay usable,
    # and the third that is not there must be refused. Logical devices are
    # set before TensorFlow starts: a new process.
    script = textwrap.dedent(
        """
        import json
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        from keras_dcgan import distribute
        strategy = distribute.get_strategy(
            "mirrored", devices=["CPU:0", "/device:CPU:1"]
        )
        try:
            distribute.get_strategy("mirrored", devices=["CPU:0", "CPU:2"])
            error = None
        except ValueError as caught:
            error = str(caught)
        print(json.dumps([strategy.num_replicas_in_sync, error]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    replicas, error = json.loads(result.stdout.strip().splitlines()[-1])
    assert replicas == 2
    assert error == (
        "`devices`: 'CPU:2' is not a device of this machine; "
        "available: CPU:0, CPU:1."
    )


def test_train_command_names_the_flag_and_the_missing_device(tmp_path, cli):
    # Before: hung in a collective_ops futex wait; only SIGKILL ended it.
    workdir = tmp_path / "run"
    result = cli(
        "train",
        "--dataset=mnist-sample",
        "--epochs=1",
        "--steps_per_epoch=2",
        "--batch_size=8",
        "--image_size=16",
        "--generator_filters=8",
        "--discriminator_filters=8",
        f"--workdir={workdir}",
        "--strategy=mirrored",
        "--devices=CPU:0,CPU:1",
        timeout=120,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (
        "keras-dcgan train: error: --devices: 'CPU:1' is not a device of "
        "this machine; available: CPU:0." in result.stderr
    )
    assert not workdir.exists()
