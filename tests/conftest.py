"""Shared test setup: quiet TensorFlow, one tiny GAN, one command runner.

Test files mirror the package (tests/models/ tests keras_dcgan/models/, and
so on). Two fixtures serve them all:

- `tiny_gan`: builds a seeded DCGAN small enough for the default suite.
- `cli`: runs `python -m keras_dcgan ...` in a fresh interpreter.

Both are session-scoped factories, so module-scoped fixtures can use them.
"""

import os
import pathlib
import subprocess
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undoes what a test's in-process command line sets in `os.environ`.

    `keras-dcgan` sets TensorFlow's variables (`TF_ENABLE_ONEDNN_OPTS`,
    `TF_CPP_MIN_LOG_LEVEL`) with `setdefault`; left in place they would
    reach the child processes of later tests.
    """
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)


def load_benchmark(name: str):
    """Imports `benchmarks/NAME.py` as a module (benchmarks is no package).

    The benchmarks define their flags only when run as scripts, so
    importing one leaves absl's global flags alone.
    """
    import importlib.util

    path = pathlib.Path(__file__).parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child_env(**changes):
    """The environment for a child Python process of a test.

    The repository root goes first on `PYTHONPATH`, so a child can import
    both `keras_dcgan` and `tests` however pytest itself was started (CI
    runs `python -m pytest` without setting `PYTHONPATH`).

    Args:
        **changes: str. Further variables to set in the child.

    Returns:
        A dict for `subprocess`'s `env=`.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **changes)
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in (str(REPO), os.environ.get("PYTHONPATH")) if path
    )
    return env


def build_tiny_gan(
    *,
    image_size=16,
    channels=1,
    latent_dim=8,
    filters=4,
    num_classes=None,
    ema_decay=None,
    seed=0,
    compiled=False,
    **network,
):
    """A tiny DCGAN: the `"mnist"` preset's networks at test size.

    Args:
        image_size: int. Height and width of the images. Defaults to 16.
        channels: int. Image channels. Defaults to 1.
        latent_dim: int. Latent size. Defaults to 8.
        filters: int. Filters of both networks (`generator_filters` and
            `discriminator_filters`). Defaults to 4.
        num_classes: int or None. Classes of a conditional DCGAN. Defaults
            to None.
        ema_decay: float or None. The EMA generator's decay. Defaults to
            None.
        seed: int. Seeds the weights (`keras.utils.set_random_seed`, so
            the same seed builds the same networks) and the GAN's training
            noise. Defaults to 0.
        compiled: bool. Compile with the paper's defaults. Defaults to
            False.
        **network: Other `NetworkConfig` fields, such as
            `upsampling="nearest"` or `conditioning="channels"`.

    Returns:
        A `keras_dcgan.DCGAN`.
    """
    import keras

    from keras_dcgan import DCGAN

    keras.utils.set_random_seed(seed)
    gan = DCGAN.from_preset(
        "mnist",
        seed=seed,
        ema_decay=ema_decay,
        image_size=image_size,
        channels=channels,
        latent_dim=latent_dim,
        generator_filters=filters,
        discriminator_filters=filters,
        num_classes=num_classes,
        **network,
    )
    if compiled:
        gan.compile()
    return gan


def run_cli(*args, timeout=300, background=False):
    """Runs `python -m keras_dcgan ARGS` in a fresh interpreter.

    A subprocess, because each subcommand defines its absl flags at import
    and absl flags are process-wide. The child gets this process's
    environment with TensorFlow's C++ logs off and this checkout first on
    `PYTHONPATH`, so it runs the code under test, not an installed copy.

    Args:
        *args: The subcommand and its flags, e.g. `"sample", "--num=4"`.
        timeout: float. Seconds before the run fails. Defaults to 300.
        background: bool. Start the command and return at once (stdout
            and stderr together in `stdout`). Defaults to False.

    Returns:
        A `subprocess.CompletedProcess` with `returncode`, `stdout` and
        `stderr` as text, or with `background` a running `subprocess.Popen`.
    """
    env = child_env()
    command = [sys.executable, "-m", "keras_dcgan", *map(str, args)]
    if background:
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


TINY_NETWORK = {
    "image_size": 16,
    "latent_dim": 8,
    "generator_filters": 4,
    "discriminator_filters": 4,
}


def tiny_train_config(**changes):
    """A `TrainConfig` of the `"mnist"` preset at test size (16x16x1)."""
    from keras_dcgan.training import get_train_config

    settings = {
        "dataset": "test-images",
        "epochs": 1,
        "batch_size": 4,
        "checkpoint_every_steps": 2,
        "num_samples": 4,
        "tensorboard": False,
        # The preset's "auto" would pick by the machine's CPU.
        "precision": "float32",
        **changes,
    }
    return get_train_config("mnist", network=TINY_NETWORK, **settings)


def tiny_dataset(count=16):
    """`count` seeded 16x16x1 float32 images in [-1, 1], a `tf.data`."""
    import numpy as np
    import tensorflow as tf

    images = np.random.default_rng(0).uniform(-1, 1, (count, 16, 16, 1))
    return tf.data.Dataset.from_tensor_slices(images.astype("float32"))


@pytest.fixture(scope="session")
def tiny_gan():
    """`build_tiny_gan`: call it to build a tiny seeded DCGAN."""
    return build_tiny_gan


@pytest.fixture(scope="session")
def cli():
    """`run_cli`: call it to run a `keras-dcgan` subcommand."""
    return run_cli
