"""Tests of strategies by name (the multi-device runs are in subprocesses:
models/dcgan_distributed_test.py and distribute_multi_worker_test.py)."""

import pytest
import tensorflow as tf

from keras_dcgan import distribute


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
