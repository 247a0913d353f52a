r"""Fault injection: kills, damaged files and concurrent writers, with figures.

    nice -n 5 python benchmarks/fault_injection.py --kills=20 --export_kills=5

Drives `keras-dcgan train` and `keras-dcgan export` (tiny 16x16 networks on
the bundled `mnist-sample`) through the faults of a real machine, then
prints a table:

1. SIGKILL: training is killed at `--kills` random moments (a third of them
   the moment a checkpoint file is being written), and the same command is
   run again each time. A kill must never lose a step that a checkpoint had
   already saved, and each rerun must resume from the newest one.
2. Damaged files: each kind of file a run reads back (checkpoint `.keras`,
   its `.json` counters, `config.json`, `metrics.csv`, a sample PNG) is
   truncated, emptied, partly zeroed, bit-flipped and garbled, and read back
   as the library does. Each case must fall back to an intact file with a
   warning, or fail with a clear error (an error the command line prints
   without a traceback, naming the file); never pass silently or crash with
   an unrelated error.
3. Two writers: two `train` commands start on one workdir at once; one must
   refuse at once, naming the other, and the workdir must hold one run.
4. Export kills: `export` is killed at `--export_kills` random moments; no
   incomplete version may ever be visible, and the next export must remove
   what the killed ones left.

Exit status 0 when no saved step was lost and every error was clear.
"""

import argparse
import csv
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TRAIN_FLAGS = [
    "--preset=mnist",
    "--dataset=mnist-sample",
    "--image_size=16",
    "--latent_dim=8",
    "--generator_filters=4",
    "--discriminator_filters=4",
    "--batch_size=4",
    "--steps_per_epoch=8",
    "--checkpoint_every_steps=1",
    "--keep_checkpoints=2",
    "--num_samples=4",
    "--notensorboard",
    "--progress=epoch",
]
ENV = {
    **os.environ,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
}


def cli(*args):
    return [sys.executable, "-m", "keras_dcgan", *args]


def train_command(workdir, epochs):
    return cli(
        "train", *TRAIN_FLAGS, f"--epochs={epochs}", f"--workdir={workdir}"
    )


def saved_steps(workdir):
    """Steps of the complete checkpoints (their `.json` renamed in)."""
    directory = os.path.join(workdir, "checkpoints")
    if not os.path.isdir(directory):
        return []
    return sorted(
        int(name[5:-5])
        for name in os.listdir(directory)
        if re.fullmatch(r"step-\d{8}\.json", name)
    )


def writing_checkpoint(workdir):
    directory = os.path.join(workdir, "checkpoints")
    try:
        return any(".partial" in name for name in os.listdir(directory))
    except FileNotFoundError:
        return False


# --- 1. SIGKILL during training ---------------------------------------------


def kill_training(workdir, kills, epochs, rng, log):
    """Kills and reruns training; returns (faults, resumed, lost, unclear)."""
    faults = resumed = lost = unclear = 0
    for index in range(kills):
        during_write = index % 3 == 2
        process = subprocess.Popen(
            train_command(workdir, epochs),
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        start = time.monotonic()
        before = saved_steps(workdir)
        # Let the run get past its start-up into training, then pick a
        # moment: right when a checkpoint is being written, or at random.
        while process.poll() is None and saved_steps(workdir) == before:
            if time.monotonic() - start > 600:
                break
            time.sleep(0.005)
        moment = "random"
        if during_write:
            deadline = time.monotonic() + 10
            while (
                process.poll() is None
                and not writing_checkpoint(workdir)
                and time.monotonic() < deadline
            ):
                time.sleep(0.0005)
            writing = writing_checkpoint(workdir)
            moment = "checkpoint write" if writing else "no write seen"
        else:
            time.sleep(rng.uniform(0.0, 2.0))
        saved_before_kill = saved_steps(workdir)
        if process.poll() is not None:
            output = process.stdout.read()
            log(f"kill {index}: run ended before the kill:\n{output[-800:]}")
            if process.returncode != 0:
                unclear += 1
            break
        process.send_signal(signal.SIGKILL)
        output = process.communicate()[0]
        faults += 1
        newest_before = saved_before_kill[-1] if saved_before_kill else 0
        after = saved_steps(workdir)
        newest_after = after[-1] if after else 0
        if index:
            resumed += "Resumed from" in output
        step_lost = max(0, newest_before - newest_after)
        lost += step_lost
        log(
            f"kill {index:2d} ({moment}): newest saved step "
            f"{newest_before} before, {newest_after} after"
            f"{'  LOST ' + str(step_lost) if step_lost else ''}"
        )
    # The last rerun finishes the run.
    completed = subprocess.run(
        train_command(workdir, epochs),
        env=ENV,
        capture_output=True,
        text=True,
    )
    resumed += "Resumed from" in completed.stdout
    if completed.returncode != 0:
        unclear += 1
        log(completed.stdout[-1500:] + completed.stderr[-1500:])
    with open(os.path.join(workdir, "metrics.csv")) as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    if steps != list(range(1, epochs * 8 + 1)):
        log(f"metrics.csv steps are not 1..{epochs * 8}: {steps}")
        unclear += 1
    return faults, resumed, lost, unclear


# --- 2. Damaged files --------------------------------------------------------


def truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def empty(path):
    open(path, "wb").close()


def zero_block(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 3)
        f.write(bytes(max(1, min(4096, size // 3))))


def flip_bit(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        byte = f.read(1)[0]
        f.seek(size // 2)
        f.write(bytes([byte ^ 0x10]))


def garble(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b'"}{,:garbled:{"]')


CORRUPTIONS = (truncate, empty, zero_block, flip_bit, garble)


def read_back(kind, workdir):
    """Reads `kind` back as the library does; returns what it got."""
    from keras_dcgan.callbacks import training_curve
    from keras_dcgan.callbacks.sample_grid import SampleGrid
    from keras_dcgan.training import workdir as workdir_lib
    from keras_dcgan.training.trainer import _read_saved_config

    if kind in ("checkpoint .keras", "checkpoint .json"):
        gan = workdir_lib.load_gan(workdir)
        return int(gan.g_optimizer.iterations.numpy())
    if kind == "config.json":
        return _read_saved_config(workdir)["epochs"]
    if kind == "metrics.csv":
        return len(
            training_curve._read_csv(os.path.join(workdir, "metrics.csv"))
        )
    if kind == "sample PNG":
        grid = SampleGrid(
            os.path.join(workdir, "samples"),
            gif_path=os.path.join(workdir, "training.gif"),
        )
        return grid.write_gif()
    raise ValueError(kind)


def artifact_path(kind, workdir):
    steps = saved_steps(workdir)
    newest = os.path.join(workdir, "checkpoints", f"step-{steps[-1]:08d}")
    samples = sorted(os.listdir(os.path.join(workdir, "samples")))
    return {
        "checkpoint .keras": newest + ".keras",
        "checkpoint .json": newest + ".json",
        "config.json": os.path.join(workdir, "config.json"),
        "metrics.csv": os.path.join(workdir, "metrics.csv"),
        "sample PNG": os.path.join(workdir, "samples", samples[-1]),
    }[kind]


def damage_files(workdir, log):
    """Corrupts each artifact kind each way; returns (faults, fallbacks,
    clear errors, unclear)."""
    from keras_dcgan import integrity

    kinds = (
        "checkpoint .keras",
        "checkpoint .json",
        "config.json",
        "metrics.csv",
        "sample PNG",
    )
    faults = fallbacks = clear = unclear = silent = 0
    for kind in kinds:
        for corrupt in CORRUPTIONS:
            copy = tempfile.mkdtemp(prefix="fault-")
            shutil.rmtree(copy)
            shutil.copytree(workdir, copy)
            path = artifact_path(kind, copy)
            corrupt(path)
            faults += 1
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    read_back(kind, copy)
                    error = None
                except Exception as exception:
                    error = exception
            damaged = [
                w
                for w in caught
                if issubclass(w.category, integrity.DamagedFileWarning)
            ]
            user_error = (
                ValueError,
                FileNotFoundError,
                FileExistsError,
                PermissionError,
            )
            if error is None and damaged:
                outcome = "fallback"
                fallbacks += 1
            elif error is None:
                # Still valid, with another value (e.g. a flipped bit in a
                # letter of config.json): read back without a word.
                outcome = "SILENT"
                silent += 1
            elif isinstance(error, user_error) and os.path.basename(
                path
            ) in str(error):
                outcome = "clear error"
                clear += 1
            else:
                outcome = f"UNCLEAR {type(error).__name__}: {error}"
                unclear += 1
            message = str(damaged[0].message) if damaged else str(error or "")
            log(
                f"{kind:18s} {corrupt.__name__:10s} -> {outcome}: "
                f"{message[:150]}"
            )
            shutil.rmtree(copy)
    return faults, fallbacks, clear, unclear, silent


# --- 3. Two writers -----------------------------------------------------------


def two_writers(scratch, log):
    workdir = os.path.join(scratch, "two-writers")
    processes = [
        subprocess.Popen(
            # Long enough (40 steps) that both are running at once.
            train_command(workdir, 5),
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate()[0] for process in processes]
    codes = [process.returncode for process in processes]
    refused = [output for output in outputs if "is in use by process" in output]
    with open(os.path.join(workdir, "metrics.csv")) as f:
        steps = [int(row["step"]) for row in csv.DictReader(f)]
    ok = (
        sorted(codes) == [0, 1]
        and len(refused) == 1
        and steps == list(range(1, 41))
    )
    log(
        f"two writers: exit codes {codes}; refusal: "
        f"{refused[0].strip().splitlines()[-1] if refused else None!r}; "
        f"metrics.csv steps {steps}"
    )
    return 2, 0 if ok else 1


# --- 4. Export kills ----------------------------------------------------------


def export_command(workdir, base):
    return cli("export", f"--workdir={workdir}", f"--saved_model_dir={base}")


def visible_versions_complete(base):
    model_dir = os.path.join(base, "dcgan")
    if not os.path.isdir(model_dir):
        return True
    for name in os.listdir(model_dir):
        path = os.path.join(model_dir, name)
        if name.isdigit() and not (
            os.path.exists(os.path.join(path, "saved_model.pb"))
            and os.path.exists(
                os.path.join(path, "variables", "variables.index")
            )
        ):
            return False
    return True


def staging_dirs(base):
    model_dir = os.path.join(base, "dcgan")
    try:
        return [n for n in os.listdir(model_dir) if n.startswith(".")]
    except FileNotFoundError:
        return []


def kill_exports(workdir, scratch, kills, rng, log):
    base = os.path.join(scratch, "serving")
    start = time.monotonic()
    subprocess.run(
        export_command(workdir, base), env=ENV, check=True, capture_output=True
    )
    duration = time.monotonic() - start
    faults = unclear = 0
    for index in range(kills):
        process = subprocess.Popen(
            export_command(workdir, base),
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Every other kill lands while the SavedModel is being written (a
        # hidden staging directory exists), the others at random.
        during_write = index % 2 == 1
        delay = rng.uniform(0.3, 1.0) * duration
        deadline = time.monotonic() + (duration * 3 if during_write else delay)
        while time.monotonic() < deadline and process.poll() is None:
            if not visible_versions_complete(base):
                unclear += 1
                log("an incomplete version was visible during an export")
                break
            if during_write and staging_dirs(base):
                break
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait()
        faults += 1
        hidden = [
            n
            for n in os.listdir(os.path.join(base, "dcgan"))
            if n.startswith(".")
        ]
        moment = "during the write" if during_write else f"after {delay:.1f}s"
        log(f"export kill {index} ({moment}): hidden left: {hidden}")
        if not visible_versions_complete(base):
            unclear += 1
    completed = subprocess.run(
        export_command(workdir, base), env=ENV, capture_output=True, text=True
    )
    names = sorted(os.listdir(os.path.join(base, "dcgan")))
    hidden = [n for n in names if n.startswith(".")]
    log(f"final export: exit {completed.returncode}; versions {names}")
    if (
        completed.returncode != 0
        or hidden
        or not visible_versions_complete(base)
    ):
        unclear += 1
    return faults, unclear


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--export_kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the scratch folder."
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = tempfile.mkdtemp(prefix="keras-dcgan-faults-")
    workdir = os.path.join(scratch, "run")
    started = time.monotonic()

    def log(message):
        print(f"[{time.monotonic() - started:6.0f}s] {message}", flush=True)

    # Enough epochs of 8 steps that the kills land inside training: each
    # run trains up to 2 s past its first new checkpoint before its kill,
    # and on a fast CPU 3 epochs of these tiny networks take less (the
    # last run then ended before its kill, one fault short).
    epochs = 4 * max(3, args.kills)
    k_faults, k_resumed, k_lost, k_unclear = kill_training(
        workdir, args.kills, epochs, rng, log
    )
    d_faults, d_fallbacks, d_clear, d_unclear, d_silent = damage_files(
        workdir, log
    )
    w_faults, w_unclear = two_writers(scratch, log)
    e_faults, e_unclear = kill_exports(
        workdir, scratch, args.export_kills, rng, log
    )
    rows = [
        ("SIGKILL during training", k_faults, k_resumed, k_lost, k_unclear, 0),
        ("damaged files", d_faults, "-", 0, d_unclear, d_silent),
        ("two writers at once", w_faults, "-", 0, w_unclear, 0),
        ("SIGKILL during export", e_faults, "-", 0, e_unclear, 0),
    ]
    print()
    header = (
        "fault",
        "faults injected",
        "runs resumed",
        "steps lost",
        "unclear errors",
        "silent",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(
        f"\nDamaged files: {d_fallbacks} fell back to an intact file with a "
        f"warning, {d_clear} clear errors, {d_silent} read back silently."
    )
    total_lost = k_lost
    total_unclear = k_unclear + d_unclear + w_unclear + e_unclear
    print(
        f"\nTotal: {k_faults + d_faults + w_faults + e_faults} faults, "
        f"{total_lost} saved steps lost, {total_unclear} unclear errors, "
        f"{d_silent} silent, "
        f"{time.monotonic() - started:.0f} s."
    )
    if args.keep:
        print(f"Scratch folder: {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if total_lost == 0 and total_unclear == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
