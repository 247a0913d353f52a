"""Conditional DCGAN training on 2 replicas equals training on 1 device.

As in dcgan_distributed_test.py, two logical CPUs stand in for two GPUs and
must be configured before TensorFlow initializes, so the training runs in a
child process (this file run as a script). The fakes' labels are drawn for
the global batch and sliced per replica like the latents, so one step on
two replicas updates the weights exactly as one step on one device.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

BATCH_SIZE = 4
LEARNING_RATE = 0.1


@pytest.mark.parametrize(
    ("conditioning", "options"),
    # Each case is a child process of about 45 s on 2 shared cores.
    [
        ("projection", {}),
        pytest.param("channels", {}, marks=pytest.mark.slow),
        # Each replica's fakes take its own slice of the real labels, which
        # together are the single device's batch labels.
        ("projection", {"fake_labels": "data", "reuse_fakes": True}),
    ],
)
def test_two_replicas_equal_one_device(tmp_path, conditioning, options):
    out = tmp_path / "result.npz"
    case = {"conditioning": conditioning, "compile": options}
    done = subprocess.run(
        [sys.executable, __file__, json.dumps(case), str(out)],
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = dict(np.load(out))
    names = sorted(k[len("single/") :] for k in result if k[:7] == "single/")
    moved = [
        name
        for name in names
        if "embeddings" in name
        and np.abs(result[f"single/{name}"] - result[f"initial/{name}"]).max()
        > 0
    ]
    # The label layers learned (the comparison covers them).
    assert moved, names
    assert len(names) > 10
    for name in names:
        np.testing.assert_allclose(
            result[f"mirrored/{name}"],
            result[f"single/{name}"],
            rtol=1e-5,
            atol=1e-5,
            err_msg=name,
        )


def _child(case, out):
    import keras
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    from keras_dcgan import DCGAN

    def build(strategy):
        with strategy.scope():
            gan = DCGAN.from_preset(
                "mnist",
                seed=7,
                image_size=16,
                latent_dim=8,
                generator_filters=4,
                discriminator_filters=4,
                synchronized_batch_norm=True,
                num_classes=3,
                label_embedding_dim=4,
                conditioning=case["conditioning"],
            )
            gan.compile(
                keras.optimizers.SGD(LEARNING_RATE),
                keras.optimizers.SGD(LEARNING_RATE),
                **case["compile"],
            )
        return gan

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (BATCH_SIZE, 16, 16, 1)).astype("float32")
    labels = np.array([0, 2, 1, 2], "int32")
    single = build(tf.distribute.OneDeviceStrategy("CPU:0"))
    initial = single.get_weights()
    arrays = {f"initial/{w.path}": w.numpy() for w in single.weights}
    mirrored = build(tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"]))
    mirrored.set_weights(initial)
    for label, gan in [("single", single), ("mirrored", mirrored)]:
        gan.fit(
            images,
            labels,
            batch_size=BATCH_SIZE,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        for weight in gan.weights:
            arrays[f"{label}/{weight.path}"] = np.asarray(weight.numpy())
    np.savez(out, **arrays)


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]), sys.argv[2])
