"""Kill -9 and resume, and same-seed determinism, in real processes.

`--deterministic` turns on TensorFlow op determinism for the whole process,
so these runs happen in subprocesses and leave the test process alone.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from keras_dcgan.training import workdir

FLAGS = [
    "--preset=mnist",
    "--dataset=mnist-sample",
    "--image_size=16",
    "--latent_dim=8",
    "--generator_filters=4",
    "--discriminator_filters=4",
    "--batch_size=4",
    "--steps_per_epoch=6",
    "--epochs=2",
    "--checkpoint_every_steps=2",
    "--num_samples=4",
    "--deterministic",
    "--progress=epoch",
]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _train(cli, run, *extra, **kwargs):
    return cli("train", *FLAGS, f"--workdir={run}", *extra, **kwargs)


def _wait_for(path, process, timeout=300):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, f"no {path} after {timeout}s"
        time.sleep(0.02)


def _assert_same_variables(a, b):
    for name in ("variables", "d_optimizer", "g_optimizer"):
        left = (
            a.variables if name == "variables" else getattr(a, name).variables
        )
        right = (
            b.variables if name == "variables" else getattr(b, name).variables
        )
        assert len(left) == len(right)
        for x, y in zip(left, right, strict=True):
            np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=x.path)


def test_kill_9_mid_epoch_then_the_same_command_resumes_exactly(tmp_path, cli):
    whole, killed = str(tmp_path / "whole"), str(tmp_path / "killed")
    # The uninterrupted reference run, alongside.
    reference = _train(cli, whole, background=True)
    victim = _train(cli, killed, background=True)
    # Kill it as soon as its first checkpoint (step 2 of 12) is complete:
    # mid-epoch, possibly while it writes the next one.
    _wait_for(workdir.checkpoint_path(killed, 2)[:-6] + ".json", victim)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    step_at_kill = workdir.read_checkpoint_state(
        workdir.latest_checkpoint(killed)
    )["step"]
    assert step_at_kill < 12

    resumed = _train(cli, killed, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Resumed from {killed}/checkpoints/step-{step_at_kill:08d}" in (
        resumed.stdout
    )
    assert reference.wait(timeout=600) == 0, reference.communicate()[0]

    a, b = workdir.load_gan(whole), workdir.load_gan(killed)
    assert int(b.g_optimizer.iterations) == 12
    _assert_same_variables(a, b)
    # No half-written file survived the resume.
    names = os.listdir(os.path.join(killed, "checkpoints"))
    assert not [name for name in names if "partial" in name]


# Three training processes; the in-process test of `train(max_time=...)`
# (trainer_robustness_test.py) runs in the default suite.
@pytest.mark.slow
def test_max_time_stops_at_a_step_and_the_same_command_finishes_exactly(
    tmp_path, cli
):
    whole, limited = str(tmp_path / "whole"), str(tmp_path / "limited")
    reference = _train(cli, whole, background=True)
    # A budget spent before the first step: training stops after it.
    stopped = _train(cli, limited, "--max_time=0.001")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    saved = workdir.checkpoint_path(limited, 1)
    assert (
        f"Stopped by the time limit (0.001 s) at step 1 of 12: saved {saved}."
        in stopped.stdout
    )
    resumed = _train(cli, limited, "--max_time=3600")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Resumed from {saved}" in resumed.stdout
    assert reference.wait(timeout=600) == 0, reference.communicate()[0]
    a, b = workdir.load_gan(whole), workdir.load_gan(limited)
    assert int(b.g_optimizer.iterations) == 12
    _assert_same_variables(a, b)


@pytest.mark.parametrize("value", ["0", "-3", "inf"])
def test_a_bad_max_time_is_named_before_anything_is_written(
    tmp_path, cli, value
):
    run = tmp_path / "run"
    result = _train(cli, str(run), f"--max_time={value}")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "keras-dcgan train: error: --max_time must be a finite number > 0; "
        f"received {float(value)!r}."
    )
    assert not run.exists()


def test_same_seed_same_weights_with_deterministic(tmp_path):
    script = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        from keras_dcgan.training import get_train_config, train

        config = get_train_config(
            "mnist",
            dataset="mnist-sample",
            network=dict(image_size=16, latent_dim=8, generator_filters=4,
                         discriminator_filters=4),
            batch_size=4, steps_per_epoch=3, epochs=1, deterministic=True,
            tensorboard=False, num_samples=4,
        )
        runs = [
            train(config, sys.argv[1] + "/a", verbose=0),
            train(config, sys.argv[1] + "/b", verbose=0),
            train(config.replace(seed=1), sys.argv[1] + "/c", verbose=0),
        ]
        weights = [[w.numpy() for w in run.variables] for run in runs]
        print(json.dumps({
            "same": all(np.array_equal(x, y)
                        for x, y in zip(weights[0], weights[1])),
            "other_seed_differs": any(not np.array_equal(x, y)
                                      for x, y in zip(weights[0], weights[2])),
        }))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdict == {"same": True, "other_seed_differs": True}
