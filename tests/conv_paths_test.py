"""benchmarks/conv_paths.py: oneDNN's kernels against the matrix products."""

import pathlib
import subprocess
import sys

from tests.conftest import child_env

SCRIPT = pathlib.Path(__file__).parent.parent / "benchmarks" / "conv_paths.py"


def _run(*flags):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *flags],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=300,
    )


def test_table_times_both_paths_and_says_which_the_rule_takes():
    result = _run(
        "--batch_size=2", "--calls=1", "--repeats=1", "--precisions=bfloat16"
    )
    assert result.returncode == 0, result.stderr
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")[:4]): line
        for line in result.stdout.splitlines()
        if line.startswith("| kernel") or line.startswith("| transposed")
    }
    # Every shape of both lists, bfloat16 only.
    assert len(rows) == 11
    taken = {
        key[:2]: line.rstrip(" |").split("|")[-1].strip()
        for key, line in rows.items()
    }
    assert taken[("kernel gradient", "8x8x256 -> 4x4x512")] == "yes"
    assert taken[("kernel gradient", "32x32x64 -> 16x16x128")] == "no"
    assert taken[("transposed conv", "14x14x64 -> 28x28x1")] == "yes"
    assert taken[("transposed conv", "14x14x64 -> 28x28x8")] == "no"
    for line in rows.values():
        onednn, matmul, ratio = (
            float(cell.strip().rstrip("x")) for cell in line.split("|")[5:8]
        )
        assert onednn > 0
        assert matmul > 0
        assert ratio > 0


def test_unknown_precision_is_named():
    result = _run("--precisions=float16", "--calls=1", "--repeats=1")
    assert result.returncode != 0
    assert "--precisions: 'float16' is not one of float32, bfloat16" in (
        result.stderr
    )


def test_non_positive_counts_are_named():
    result = _run("--calls=0")
    assert result.returncode != 0
    assert "--calls must be 1 or more; received 0" in result.stderr
