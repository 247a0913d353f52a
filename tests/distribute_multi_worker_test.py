"""DCGAN.fit under MultiWorkerMirroredStrategy with two local workers.

Each worker is this file run as a script in its own process, told its place
in the cluster by `TF_CONFIG` (127.0.0.1, free ports). Workers start from
*different* random initial weights (no seed): the strategy broadcasts the
first worker's values, so identical final weights show that initialization,
gradients and the noise seed are all kept in sync.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

NUM_IMAGES = 16
GLOBAL_BATCH_SIZE = 8
WORKER_TIMEOUT = 240


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _start_workers(tmp_path, run, **options):
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
        )
        job = dict(
            options,
            index=index,
            out=str(tmp_path / f"{run}-worker{index}.npz"),
            backup_dir=str(tmp_path / f"backup-worker{index}"),
        )
        log = open(tmp_path / f"{run}-worker{index}.log", "w")  # noqa: SIM115
        workers.append(
            subprocess.Popen(
                [sys.executable, __file__, json.dumps(job)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def _wait(workers, tmp_path, run):
    codes = []
    for index, worker in enumerate(workers):
        try:
            codes.append(worker.wait(timeout=WORKER_TIMEOUT))
        except subprocess.TimeoutExpired:
            worker.kill()
            codes.append(worker.wait())
        if codes[-1] != 0:
            log = (tmp_path / f"{run}-worker{index}.log").read_text()
            codes[-1] = (codes[-1], log[-2000:])
    return codes


def _weights(tmp_path, run, index):
    return dict(np.load(tmp_path / f"{run}-worker{index}.npz"))


def _assert_identical(first, second):
    assert sorted(first) == sorted(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)


def test_two_workers_fit_to_identical_weights(tmp_path):
    workers = _start_workers(tmp_path, "fit", epochs=2)
    assert _wait(workers, tmp_path, "fit") == [0, 0]
    first, second = _weights(tmp_path, "fit", 0), _weights(tmp_path, "fit", 1)
    _assert_identical(first, second)
    # 2 epochs of 16 images at a global batch of 8.
    assert first["steps"] == 4
    assert np.isfinite(first["d_loss"]).all()


@pytest.mark.slow
def test_dead_worker_stops_the_job_and_a_restart_resumes(tmp_path):
    # Worker 1 dies at the end of epoch 2 of 4 (after the backup is written).
    workers = _start_workers(tmp_path, "crash", epochs=4, die_after_epoch=1)
    codes = _wait(workers, tmp_path, "crash")
    assert codes[1][0] == 3, codes  # the worker that died
    # The survivor cannot train on alone: the strategy's heartbeat sees the
    # dead peer, aborts the collective ops and fit raises (about 40 s here),
    # rather than hanging (_wait would have killed it: -9).
    assert codes[0][0] == 1, codes
    assert "UnavailableError" in codes[0][1], codes
    assert "unhealthy" in codes[0][1], codes
    # Restarting the whole job resumes from the backup at epoch 3.
    workers = _start_workers(tmp_path, "resume", epochs=4)
    assert _wait(workers, tmp_path, "resume") == [0, 0]
    first = _weights(tmp_path, "resume", 0)
    _assert_identical(first, _weights(tmp_path, "resume", 1))
    np.testing.assert_array_equal(first["epochs_run"], [2, 3])
    assert first["steps"] == 8


# --- The worker process ------------------------------------------------------


def _worker(job):
    import tensorflow as tf

    from keras_dcgan import distribute

    # First, before any other TensorFlow work.
    strategy = distribute.get_strategy("multi_worker")
    import keras

    from keras_dcgan import DCGAN

    images = np.random.default_rng(0).uniform(-1, 1, (NUM_IMAGES, 16, 16, 1))
    dataset = tf.data.Dataset.from_tensor_slices(images.astype("float32"))
    options = tf.data.Options()
    # In-memory data: shard the elements of each global batch, not files.
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    dataset = dataset.batch(GLOBAL_BATCH_SIZE).with_options(options)
    with strategy.scope():
        gan = DCGAN.from_preset(
            "mnist",
            image_size=16,
            latent_dim=8,
            generator_filters=4,
            discriminator_filters=4,
        )
        gan.compile()

    class Die(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == job.get("die_after_epoch") and job["index"] == 1:
                os._exit(3)

    history = gan.fit(
        dataset,
        epochs=job["epochs"],
        verbose=0,
        callbacks=[
            keras.callbacks.BackupAndRestore(job["backup_dir"]),
            Die(),
        ],
    )
    arrays = {weight.path: weight.numpy() for weight in gan.weights}
    arrays["noise_seed"] = gan.seed_generator.state.numpy()
    arrays["steps"] = gan.d_optimizer.iterations.numpy()
    arrays["epochs_run"] = np.array(history.epoch)
    arrays["d_loss"] = np.array(history.history["d_loss"])
    np.savez(job["out"], **arrays)


if __name__ == "__main__":
    _worker(json.loads(sys.argv[1]))
