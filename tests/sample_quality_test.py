"""The quality benchmark's data: the CIFAR-10 halves and their errors."""

import io
import os
import tarfile

import numpy as np
import pytest
from PIL import Image

from tests.conftest import load_benchmark

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def sample_quality():
    return load_benchmark("sample_quality")


def write_archive(folder, classes=("cat", "airplane"), per_class=4):
    """A test-jpg.tar.gz like the shared one; pixel values encode the file."""
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(os.path.join(folder, "test-jpg.tar.gz"), "w:gz") as tar:
        for c, name in enumerate(classes):
            for n in range(per_class):
                buffer = io.BytesIO()
                value = 40 * c + 10 * n
                pixels = np.full((32, 32, 3), value, np.uint8)
                Image.fromarray(pixels).save(buffer, "JPEG", quality=100)
                info = tarfile.TarInfo(f"test/{name}/{n:04d}.jpg")
                info.size = buffer.tell()
                buffer.seek(0)
                tar.addfile(info, buffer)


def test_cifar10_halves_split_each_class_by_file_number(
    sample_quality, tmp_path
):
    write_archive(tmp_path / "data")
    train_images, train_labels, held_images, held_labels = (
        sample_quality.load_cifar10(tmp_path / "data", tmp_path / "cache")
    )
    assert train_images.shape == held_images.shape == (4, 32, 32, 3)
    assert train_images.dtype == np.float32
    assert train_images.min() >= -1.0
    assert train_images.max() <= 1.0
    # Labels index the sorted class names: airplane 0, cat 1.
    np.testing.assert_array_equal(train_labels, [0, 0, 1, 1])
    np.testing.assert_array_equal(held_labels, [0, 0, 1, 1])
    # Even file numbers train, odd ones are held out (value 40c + 10n).
    pixel = np.round((train_images[:, 0, 0, 0] + 1) * 127.5)
    np.testing.assert_allclose(pixel, [40, 60, 0, 20], atol=2)
    pixel = np.round((held_images[:, 0, 0, 0] + 1) * 127.5)
    np.testing.assert_allclose(pixel, [50, 70, 10, 30], atol=2)
    # The GAN trains on the even half, as an .npz the library reads.
    dataset = sample_quality.DOMAINS["cifar10"].dataset(
        tmp_path / "data", tmp_path / "cache"
    )
    assert dataset.endswith("cifar10-test-even.npz")
    assert np.load(dataset)["images"].dtype == np.uint8


def test_a_missing_archive_says_what_to_put_where(sample_quality, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"test-jpg\.tar\.gz") as error:
        sample_quality.load_cifar10(tmp_path / "nothing", tmp_path / "cache")
    assert "--data_dir" in str(error.value)
    assert not (tmp_path / "cache").exists()


def test_a_bad_override_names_itself(sample_quality):
    with pytest.raises(ValueError, match=r"--set='ema_decay'"):
        sample_quality.parse_overrides(["ema_decay"])
    train, network = sample_quality.parse_overrides(
        ["ema_decay=0.99", "network.num_classes=none"]
    )
    assert train == {"ema_decay": 0.99}
    assert network == {"num_classes": None}


def test_none_stays_a_string_where_it_is_a_choice(sample_quality):
    """`none` is None for an optional field but the choice "none" for a
    field that only takes strings: mapping it to None made
    `--set=network.discriminator_normalization=none` fail with "Unknown
    discriminator_normalization None"."""
    train, network = sample_quality.parse_overrides(
        ["network.discriminator_normalization=none", "augment=none"]
    )
    assert network == {"discriminator_normalization": "none"}
    config = sample_quality.config_lib.get_train_config(
        "mnist", network=network
    )
    assert config.network.discriminator_normalization == "none"
    assert train == {"augment": None}


def test_no_benchmark_defines_flags_on_import():
    """Importing a benchmark (as these tests do) must leave absl's global
    flags alone: a module-level `flags.DEFINE_*("workdir", ...)` made the
    CLI's own `--workdir` a DuplicateFlagError in the same process."""
    import ast
    import glob

    offenders = []
    for path in sorted(glob.glob(os.path.join(ROOT, "benchmarks", "*.py"))):
        with open(path) as file:
            tree = ast.parse(file.read())
        for node in tree.body:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr.startswith("DEFINE")
                    and not isinstance(node, (ast.FunctionDef, ast.If))
                ):
                    offenders.append(f"{os.path.basename(path)}:{call.lineno}")
    assert offenders == []


def test_the_cli_imports_after_the_benchmark():
    """The CI failure itself: benchmark first, then the CLI, one process."""
    import subprocess
    import sys

    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location("
        "'sample_quality', sys.argv[1])\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "import keras_dcgan.cli.train\n"
        "print('ok')\n"
    )
    path = os.path.join(ROOT, "benchmarks", "sample_quality.py")
    result = subprocess.run(
        [sys.executable, "-c", code, path],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
