"""DCGAN training on 2 replicas equals training on 1 device, numerically.

Two logical CPU devices stand in for two GPUs (as in Keras's own
distribute_test.py). They must be configured before TensorFlow initializes,
which has already happened in a pytest worker, so each check runs in a child
process: this file run as a script. The child trains one step with
`DCGAN.fit` on one device and on a `MirroredStrategy` over both devices from
the same initial weights, seed and global batch, and saves the weights; the
test compares them.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

BATCH_SIZE = 4
LEARNING_RATE = 0.1


def _run_child(tmp_path, *cases):
    out = tmp_path / "result.npz"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, __file__, json.dumps(cases), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    arrays = np.load(out)
    return [
        {
            key.split("/", 1)[1]: arrays[key]
            for key in arrays
            if key.startswith(f"{index}/")
        }
        for index in range(len(cases))
    ]


def _assert_runs_equal(result, label=""):
    names = sorted(
        key[len("single/") :] for key in result if key.startswith("single/")
    )
    assert len(names) > 10  # both networks' weights and the logs
    for name in names:
        np.testing.assert_allclose(
            result[f"mirrored/{name}"],
            result[f"single/{name}"],
            rtol=1e-5,
            atol=1e-5,
            err_msg=f"{label} {name}",
        )


LOSSES = ["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"]


# Slow (65 s): the default suite checks two replicas against one device
# with the default loss in the tests below.
@pytest.mark.slow
def test_two_replicas_give_single_device_gradients_for_every_loss(tmp_path):
    # One child process for all losses: starting TensorFlow dominates the
    # cost of these tiny steps. Plain SGD makes each weight change
    # lr * gradient, so equal updated weights mean equal gradients (Adam's
    # first step would hide a scale error: it divides the gradient by its
    # own magnitude).
    cases = [
        {"loss": loss, "optimizer": "sgd", "synchronized": True}
        for loss in LOSSES
    ]
    results = _run_child(tmp_path, *cases)
    for loss, result in zip(LOSSES, results, strict=True):
        moved = [
            name
            for name in result
            if name.startswith("initial/")
            and "kernel" in name
            and np.abs(result[name] - result["single/" + name[8:]]).max()
            > 1e-4 * LEARNING_RATE
        ]
        # Every kernel moved: the comparison below is not vacuous.
        assert len(moved) == 6, (loss, moved)
        _assert_runs_equal(result, loss)


def test_two_replicas_with_r1_and_adaptive_augmentation(tmp_path):
    # R1 is per example and ADA's r_t is all-reduced, so both must give the
    # single-device update. A layer-normalized discriminator judges each
    # image on its own, which makes R1's per-example gradient exact on any
    # split of the batch.
    (result,) = _run_child(
        tmp_path,
        {
            "loss": "hinge",
            "optimizer": "sgd",
            "synchronized": True,
            "discriminator_normalization": "layer",
            "compile": {
                "r1_weight": 1.0,
                "augment": "translation,cutout,color",
                "ada_target": 0.1,
                "augment_probability": 0.5,
            },
        },
    )
    _assert_runs_equal(result)


def test_two_replicas_with_lazy_r1(tmp_path):
    # Three steps at r1_interval=2: regularized, plain, regularized. Each
    # kind of step is its own compiled function under the strategy.
    (result,) = _run_child(
        tmp_path,
        {
            "loss": "non_saturating",
            "optimizer": "sgd",
            "synchronized": True,
            "discriminator_normalization": "layer",
            "num_images": 3 * BATCH_SIZE,
            "compile": {"r1_weight": 1.0, "r1_interval": 2},
        },
    )
    assert result["single/log_d_loss"].shape == (1,)
    _assert_runs_equal(result)


def test_two_replicas_with_adam_ema_and_uneven_batch(tmp_path):
    # 7 images at batch size 4: the last batch of 3 splits unevenly between
    # the replicas, so losses must be averaged over the true global batch.
    # Two Adam steps also exercise the optimizer state under the strategy.
    (result,) = _run_child(
        tmp_path,
        {
            "loss": "non_saturating",
            "optimizer": "adam",
            "synchronized": True,
            "num_images": 7,
            "ema_decay": 0.9,
        },
    )
    _assert_runs_equal(result)


def test_unsynchronized_batch_norm_sees_only_its_replica(tmp_path):
    # Per-replica batch statistics differ from the global batch's: the
    # reason to offer synchronized batch norm. With it (tests above) the
    # runs agree; without it they do not.
    (result,) = _run_child(
        tmp_path,
        {"loss": "non_saturating", "optimizer": "sgd", "synchronized": False},
    )
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        _assert_runs_equal(result)


def test_each_replica_draws_different_noise(tmp_path):
    (result,) = _run_child(tmp_path, {"noise_only": True})
    replica_0, replica_1 = result["replica_0"], result["replica_1"]
    assert replica_0.shape == replica_1.shape == (BATCH_SIZE // 2, 8)
    assert np.abs(replica_0 - replica_1).min() > 0
    # Together the replicas hold the one-device draw for the global batch.
    np.testing.assert_array_equal(
        np.concatenate([replica_0, replica_1]), result["single"]
    )


# --- The child process -------------------------------------------------------


def _child(cases, out):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    mirrored = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    single = tf.distribute.OneDeviceStrategy("CPU:0")

    arrays = {}
    for index, case in enumerate(cases):
        for key, value in _run_case(case, mirrored, single).items():
            arrays[f"{index}/{key}"] = value
    np.savez(out, **arrays)


def _run_case(case, mirrored, single):
    import keras
    import tensorflow as tf

    from keras_dcgan import DCGAN
    from keras_dcgan.models.dcgan import paper_adam

    keras.backend.clear_session()

    def build(strategy):
        with strategy.scope():
            gan = DCGAN.from_preset(
                "mnist",
                seed=7,
                ema_decay=case.get("ema_decay"),
                image_size=16,
                latent_dim=8,
                generator_filters=4,
                discriminator_filters=4,
                synchronized_batch_norm=case.get("synchronized", False),
                discriminator_normalization=case.get(
                    "discriminator_normalization", "batch"
                ),
            )
            if case.get("noise_only"):
                return gan
            if case["optimizer"] == "sgd":
                optimizers = [
                    keras.optimizers.SGD(LEARNING_RATE) for _ in range(2)
                ]
            else:
                optimizers = [paper_adam() for _ in range(2)]
            gan.compile(
                *optimizers, loss=case["loss"], **case.get("compile", {})
            )
        return gan

    if case.get("noise_only"):
        gan = build(mirrored)
        sizes = tf.constant(BATCH_SIZE // 2)
        per_replica = mirrored.run(
            tf.function(lambda: gan._noise(gan._batch_position(sizes), [8]))
        )
        local = mirrored.experimental_local_results(per_replica)
        gan = build(single)
        size = tf.constant(BATCH_SIZE)
        return {
            "replica_0": local[0].numpy(),
            "replica_1": local[1].numpy(),
            "single": gan._noise(gan._batch_position(size), [8]).numpy(),
        }

    rng = np.random.default_rng(0)
    images = rng.uniform(
        -1, 1, (case.get("num_images", BATCH_SIZE), 16, 16, 1)
    ).astype("float32")
    reference = build(single)
    initial = reference.get_weights()
    arrays = {
        f"initial/{weight.path}": weight.numpy() for weight in reference.weights
    }
    for label, strategy in [("single", single), ("mirrored", mirrored)]:
        gan = reference if label == "single" else build(strategy)
        gan.set_weights(initial)
        history = gan.fit(
            images, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0
        )
        for weight in gan.weights:
            arrays[f"{label}/{weight.path}"] = np.asarray(weight.numpy())
        for name, values in history.history.items():
            arrays[f"{label}/log_{name}"] = np.asarray(values)
    return arrays


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]), sys.argv[2])
