"""`keras-dcgan SUBCOMMAND --flags`: dispatches to `keras_dcgan.cli.<name>`.

Each subcommand module defines its absl flags at import, so only the chosen
one is imported and flags of different subcommands never clash. Nothing here
imports TensorFlow: `--help` and a rejected flag answer at once, and
TensorFlow loads (quietly, unless `--verbose`) when a command runs.
"""

import contextlib
import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import textwrap

# Subcommand name -> one-line description, in the order `--help` lists them.
SUBCOMMANDS = {
    "train": "Train a DCGAN into a workdir; run again to resume it.",
    "sample": "Write generated images: a PNG grid, PNG files or a .npy array.",
    "interpolate": "Write latent-space walks as a grid PNG or an animated GIF.",
    "export": "Export the generator for TF Serving (SavedModel) and TFLite.",
    "evaluate": "Score a trained generator (FID, KID, IS, precision/recall).",
}

# Errors that mean bad input rather than a bug: printed without traceback.
USER_ERRORS = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)

VERBOSE_HELP = (
    "Show TensorFlow's own log lines (C++ start-up notices, device probing, "
    "converter logs); by default they are hidden. -v is the same."
)

# Environment of a quiet run: TensorFlow's C++ logging off (INFO notices,
# the oneDNN and CPU-feature banners, "failed call to cuInit" on a machine
# without GPU). It must be set before TensorFlow is imported.
QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3"}

# Environment of every run: TensorFlow's oneDNN kernels on. TensorFlow's x86
# builds turn them on by default only on CPUs with AVX-512 VNNI, bfloat16 or
# AMX units; on an AVX2 CPU they make TensorFlow's graph the faster step:
# 1.1x XLA's steps for `make demo`, 1.4x XLA at 64x64 (2x the default
# kernels; docs/performance.md). Read once, when TensorFlow is imported; an
# explicit `TF_ENABLE_ONEDNN_OPTS=0` wins.
FAST_ENVIRONMENT = {"TF_ENABLE_ONEDNN_OPTS": "1"}


def usage() -> str:
    """The top-level help text."""
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [
        "usage: keras-dcgan [-v] SUBCOMMAND [--flags]",
        "",
        "Train DCGANs, draw samples and export generators.",
        "",
        "subcommands:",
    ]
    lines += [
        f"  {name:<{width}}  {text}" for name, text in SUBCOMMANDS.items()
    ]
    lines += [
        "",
        "options:",
        "  -v, --verbose  " + VERBOSE_HELP,
        "",
        "Run `keras-dcgan SUBCOMMAND --help` for the flags of one.",
        "Example (trains on the bundled 10,000-digit MNIST sample):",
        "  keras-dcgan train --dataset=mnist-sample --workdir=runs/mnist",
    ]
    return "\n".join(lines)


def _split_verbose(args: list[str]) -> tuple[bool, list[str]]:
    """`(verbose, args without -v/--verbose)`; the flag may be anywhere."""
    verbose, rest = False, []
    for arg in args:
        if arg in ("-v", "--verbose", "--verbose=true", "--verbose=1"):
            verbose = True
        elif arg in ("--noverbose", "--verbose=false", "--verbose=0"):
            verbose = False
        else:
            rest.append(arg)
    return verbose, rest


@contextlib.contextmanager
def _stderr_to_devnull():
    """Silences file descriptor 2 itself, where C++ code writes."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # TensorFlow's shared libraries log "Could not find cuda drivers"
        # and an absl::InitializeLog warning while loading, before
        # TF_CPP_MIN_LOG_LEVEL is read.
        with _stderr_to_devnull():
            self.loader.exec_module(module)


class QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Imports `tensorflow`, whenever first imported, with stderr silenced.

    An `ImportError` still propagates and is printed after stderr is back.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow() -> None:
    """Hides TensorFlow's C++ log lines for the rest of this process.

    Call before TensorFlow is imported; an explicit `TF_CPP_MIN_LOG_LEVEL`
    in the environment wins.
    """
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if "tensorflow" not in sys.modules and not any(
        isinstance(finder, QuietTensorFlowImport) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, QuietTensorFlowImport())


def _flag_for(module, argument: str) -> str:
    return getattr(module, "FLAG_FOR_ARGUMENT", {}).get(argument, argument)


def speak_flags(text: str, flag_names) -> str:
    """Rewrites Python argument mentions in `text` as flags.

    `` `name` `` and `name=value`, for each name among `flag_names`, become
    `--name` and `--name=value`; other words are left alone.

    Args:
        text: str. A library error message.
        flag_names: iterable of str. The flags of the command.

    Returns:
        The message in command-line terms.

    Example:
    >>> speak_flags("`dropout` must be < 1; image_size=7 is odd.",
    ...             ["dropout", "image_size"])
    '--dropout must be < 1; --image_size=7 is odd.'
    """
    names = "|".join(sorted(map(re.escape, flag_names), key=len, reverse=True))
    if not names:
        return text
    text = re.sub(rf"`({names})`", r"--\1", text)
    return re.sub(rf"(?<![\w\-`.])({names})=(?!=)", r"--\1=", text)


def _error_text(module, error: Exception) -> str:
    """The message of `error`, in flag syntax where it names arguments."""
    from absl import flags

    for_flags = getattr(error, "for_flags", None)
    if for_flags is not None:
        text = for_flags(lambda argument: _flag_for(module, argument))
    else:
        text = str(error)
    # Library arguments the command sets through a flag of another name
    # (`batch_size` of export_tflite is --tflite_batch).
    for argument, flag in getattr(module, "FLAG_FOR_ARGUMENT", {}).items():
        text = re.sub(rf"`{re.escape(argument)}`", f"--{flag}", text)
        text = re.sub(
            rf"(?<![\w\-`.]){re.escape(argument)}=(?!=)", f"--{flag}=", text
        )
    names = [
        flag.name for flag in flags.FLAGS.get_flags_for_module(module.__name__)
    ]
    return speak_flags(text, names)


def _fail(name: str, message: str, code: int) -> int:
    print(f"keras-dcgan {name}: error: {message}", file=sys.stderr)
    print(f"Run `keras-dcgan {name} --help` for its flags.", file=sys.stderr)
    return code


def _main_with_clear_errors(name: str, module, verbose: bool):
    from absl import app
    from absl import flags
    from absl import logging

    def wrapped(argv):
        if not flags.FLAGS["verbosity"].present:
            # absl's default under app.run is INFO, which floods the output
            # with TensorFlow's Python-side logs.
            logging.set_verbosity(logging.INFO if verbose else logging.WARNING)
        try:
            return module.main(argv)
        except app.UsageError as error:
            return _fail(name, str(error), 2)
        except USER_ERRORS as error:
            print(
                f"keras-dcgan {name}: error: {_error_text(module, error)}",
                file=sys.stderr,
            )
            return 1
        except Exception as error:
            if not _out_of_memory(error):
                raise
            print(
                f"keras-dcgan {name}: error: {_memory_text(module, error)}",
                file=sys.stderr,
            )
            return 1

    return wrapped


def _out_of_memory(error: Exception) -> bool:
    """Whether `error` is numpy's or TensorFlow's out-of-memory error."""
    if isinstance(error, MemoryError):
        return True
    tensorflow = sys.modules.get("tensorflow")
    return tensorflow is not None and isinstance(
        error, tensorflow.errors.ResourceExhaustedError
    )


def _memory_text(module, error: Exception) -> str:
    """An out-of-memory error as one line naming the flags that sized it.

    A subcommand lists the flags that size its work in `SIZE_FLAGS`.
    """
    from absl import flags

    given = [
        f"--{flag}={flags.FLAGS[flag].value}"
        for flag in getattr(module, "SIZE_FLAGS", ())
        if flags.FLAGS[flag].present
    ]
    asked = f" for {' '.join(given)}" if given else ""
    # TensorFlow's message starts with the op's function node; keep the
    # allocation it failed on.
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    shape = re.search(
        r"OOM when allocating tensor with shape\[[^\]]*\]", detail
    )
    if shape:
        detail = shape.group(0)
    elif isinstance(error, MemoryError):
        detail = str(error) or type(error).__name__
    names = " or ".join(flag.split("=")[0] for flag in given)
    advice = f"lower {names} and run again" if given else "ask for less"
    return f"out of memory{asked} ({detail}); {advice}."


def _parse_flags(name: str):
    from absl import flags

    def parse(argv):
        try:
            return flags.FLAGS(argv)
        except flags.Error as error:
            message = str(error)
            missing = re.search(
                r"Flag --(\w+) must have a value other than None", message
            )
            if missing:  # absl's words for a required flag left out
                message = f"--{missing.group(1)} is required."
            sys.exit(_fail(name, message, 2))

    return parse


def _help(name: str, module) -> str:
    from absl import flags

    return "\n".join(
        [
            f"usage: keras-dcgan {name} [--flags]",
            "",
            (module.__doc__ or "").strip(),
            "",
            flags.FLAGS.module_help(module.__name__),
            "",
            "Common flags:",
            textwrap.fill(
                f"-v,--[no]verbose: {VERBOSE_HELP}",
                width=80,
                initial_indent="  ",
                subsequent_indent="    ",
            ),
            "",
            "Try --helpfull for absl's own flags too.",
        ]
    )


def run(argv: list[str] | None = None) -> None:
    """The `keras-dcgan` console script.

    Args:
        argv: list of str or None. The command line including the program
            name; None reads `sys.argv`. Defaults to None.

    Example:
    >>> run(["keras-dcgan", "sample", "--workdir=runs/demo", "--out=s.png"])
    ... # doctest: +SKIP
    """
    argv = list(sys.argv if argv is None else argv)
    verbose, args = _split_verbose(argv[1:])
    if not args or args[0] in ("-h", "--help", "help"):
        asked = bool(args)
        print(usage(), file=sys.stdout if asked else sys.stderr)
        sys.exit(0 if asked else 2)
    name = args[0]
    if name not in SUBCOMMANDS:
        print(
            f"keras-dcgan: unknown subcommand {name!r}; expected one of "
            f"{', '.join(SUBCOMMANDS)}.\n\n{usage()}",
            file=sys.stderr,
        )
        sys.exit(2)
    for variable, value in FAST_ENVIRONMENT.items():
        os.environ.setdefault(variable, value)
    if not verbose:
        quiet_tensorflow()
    try:
        module = importlib.import_module(f"keras_dcgan.cli.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"keras_dcgan.cli.{name}":
            raise
        print(
            f"keras-dcgan: the {name!r} subcommand is not available in this "
            "version of keras-dcgan.",
            file=sys.stderr,
        )
        sys.exit(2)

    from absl import app

    if any(arg in ("-h", "--help", "--helpshort") for arg in args[1:]):
        # absl's own --help lists the flags of `__main__`, here the console
        # script, which defines none.
        with contextlib.suppress(BrokenPipeError):  # `... --help | head`
            print(_help(name, module))
        sys.exit(0)
    app.run(
        _main_with_clear_errors(name, module, verbose),
        argv=[f"keras-dcgan {name}", *args[1:]],
        flags_parser=_parse_flags(name),
    )
