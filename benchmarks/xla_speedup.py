r"""DCGAN.fit with and without XLA, float32 and mixed_bfloat16.

Each measurement is its own process (`peer_pytorch.py`'s keras worker: the
preset's networks, synthetic images, `DCGAN.compile(jit_compile=...)`,
warm-up, then timed `fit` steps), and the settings alternate (ABAB...), so
a machine whose speed drifts slows all alike. Prints each run's images/s,
the medians and each setting's median ratio to float32 without XLA.

Usage:
    python benchmarks/xla_speedup.py --size=28 --pairs=3 --steps=100
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

PEER = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "peer_pytorch.py"
)
SETTINGS = [
    ("float32", "false"),
    ("float32", "true"),
    ("bfloat16", "false"),
    ("bfloat16", "true"),
]


def measure(size, precision, jit, args):
    command = [
        sys.executable,
        PEER,
        "--worker=keras",
        f"--sizes={size}",
        f"--precisions={precision}",
        f"--jit_compile={jit}",
        f"--steps={args.steps}",
        f"--warmup={args.warmup}",
        f"--batch_size={args.batch_size}",
    ]
    if args.reuse_fakes:
        command.append("--reuse_fakes")
    output = subprocess.run(
        command, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["images_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=28, choices=[28, 64])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--reuse_fakes", action="store_true")
    parser.add_argument(
        "--precisions", default="float32,bfloat16", help="Which to run."
    )
    args = parser.parse_args()
    wanted = args.precisions.split(",")
    settings = [s for s in SETTINGS if s[0] in wanted]
    runs = {setting: [] for setting in settings}
    print(
        f"{args.size}x{args.size}, batch {args.batch_size}, {args.steps} "
        f"timed steps, {args.pairs} rounds, load average "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for _ in range(args.pairs):
        for setting in settings:
            rate = measure(args.size, *setting, args)
            runs[setting].append(rate)
            print(f"  {setting[0]:8s} xla={setting[1]:5s} {rate:7.1f} img/s")
    base = statistics.median(runs[settings[0]])
    print("\n| precision | XLA | images/s per run | median | vs first row |")
    print("|---|---|---|---:|---:|")
    for (precision, jit), rates in runs.items():
        median = statistics.median(rates)
        print(
            f"| {precision} | {jit} | "
            f"{', '.join(f'{r:.0f}' for r in rates)} | {median:.0f} | "
            f"{median / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
