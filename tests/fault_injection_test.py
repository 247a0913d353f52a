"""The fault-injection script, with few kills: nothing lost, nothing unclear.

`benchmarks/fault_injection.py` kills training and exports at random
moments, damages each kind of file a run reads back and starts two writers
on one workdir (see docs/robustness.md). Minutes long: slow-marked.
"""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_fault_injection_loses_nothing_and_says_everything():
    completed = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "benchmarks", "fault_injection.py"),
            "--kills=3",
            "--export_kills=2",
            "--seed=1",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = completed.stdout + completed.stderr
    total = re.search(
        r"Total: (\d+) faults, (\d+) saved steps lost, (\d+) "
        r"unclear errors, (\d+) silent",
        output,
    )
    assert total, output[-3000:]
    faults, lost, unclear, silent = map(int, total.groups())
    # 3 kills + 25 damaged files + 2 writers + 2 export kills.
    assert faults == 32, output[-3000:]
    assert (lost, unclear, silent) == (0, 0, 0), output[-3000:]
    assert completed.returncode == 0
