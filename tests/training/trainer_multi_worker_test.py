"""`train` with two local workers: one set of files, written by the chief.

Each worker is this file run as a script with its own `TF_CONFIG`; both are
given the same workdir, as `keras-dcgan train --strategy=multi_worker` on
two machines sharing a file system would be.
"""

import csv
import json
import os
import socket
import subprocess
import sys

import pytest

WORKER_TIMEOUT = 300


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.slow
def test_two_workers_write_one_set_of_files(tmp_path):
    run = str(tmp_path / "run")
    ports = _free_ports(2)
    workers = []
    for index in range(2):
        tf_config = {
            "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index},
        }
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps(tf_config),
            TF_CPP_MIN_LOG_LEVEL="3",
            TMPDIR=str(tmp_path / f"tmp{index}"),
        )
        os.makedirs(env["TMPDIR"])
        log = open(tmp_path / f"worker{index}.log", "w")  # noqa: SIM115
        workers.append(
            subprocess.Popen(
                [sys.executable, __file__, run],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    for index, worker in enumerate(workers):
        try:
            code = worker.wait(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            code = worker.wait()
        log = (tmp_path / f"worker{index}.log").read_text()
        assert code == 0, log[-3000:]

    # 2 epochs of 16 images at a global batch of 8: steps 1 to 4, once each.
    checkpoints = sorted(os.listdir(os.path.join(run, "checkpoints")))
    assert checkpoints == [
        f"step-0000000{step}.{ext}"
        for step in (2, 3, 4)
        for ext in ("json", "keras")
    ]
    with open(os.path.join(run, "metrics.csv")) as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    assert steps == [1, 2, 3, 4]
    assert sorted(os.listdir(os.path.join(run, "samples"))) == [
        "step-00000002.png",
        "step-00000004.png",
    ]
    assert not os.path.exists(os.path.join(run, ".keras-dcgan.lock"))
    # The other worker's temporary folder is gone.
    assert os.listdir(tmp_path / "tmp1") == []


def _worker(run):
    import numpy as np
    import tensorflow as tf

    from keras_dcgan import distribute

    # First, before any other TensorFlow work.
    strategy = distribute.get_strategy("multi_worker")
    from keras_dcgan.training import get_train_config
    from keras_dcgan.training import train

    config = get_train_config(
        "mnist",
        network={
            "image_size": 16,
            "latent_dim": 8,
            "generator_filters": 4,
            "discriminator_filters": 4,
        },
        dataset="test-images",
        epochs=2,
        batch_size=8,
        checkpoint_every_steps=1,
        num_samples=4,
        tensorboard=False,
    )
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1))
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    dataset = tf.data.Dataset.from_tensor_slices(
        images.astype("float32")
    ).with_options(options)
    train(config, run, dataset=dataset, strategy=strategy, verbose=0)


if __name__ == "__main__":
    _worker(sys.argv[1])
