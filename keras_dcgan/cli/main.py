"""`keras-dcgan SUBCOMMAND --flags`: dispatches to `keras_dcgan.cli.<name>`.

Each subcommand module defines its absl flags at import, so only the chosen
one is imported and flags of different subcommands never clash.
"""

import importlib
import sys

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
)


def usage() -> str:
    """The top-level help text."""
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [
        "usage: keras-dcgan SUBCOMMAND [--flags]",
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
        "Run `keras-dcgan SUBCOMMAND --help` for the flags of one.",
        "Example: keras-dcgan train --preset=mnist --dataset=mnist-sample "
        "--workdir=runs/mnist",
    ]
    return "\n".join(lines)


def _main_with_clear_errors(name: str, main):
    def wrapped(argv):
        try:
            return main(argv)
        except USER_ERRORS as error:
            print(f"keras-dcgan {name}: error: {error}", file=sys.stderr)
            return 1

    return wrapped


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
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        asked = len(argv) >= 2
        print(usage(), file=sys.stdout if asked else sys.stderr)
        sys.exit(0 if asked else 2)
    name = argv[1]
    if name not in SUBCOMMANDS:
        print(
            f"keras-dcgan: unknown subcommand {name!r}; expected one of "
            f"{', '.join(SUBCOMMANDS)}.\n\n{usage()}",
            file=sys.stderr,
        )
        sys.exit(2)
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
    from absl import flags

    if any(arg in ("-h", "--help", "--helpshort") for arg in argv[2:]):
        # absl's own --help lists the flags of `__main__`, here the console
        # script, which defines none.
        print(f"usage: keras-dcgan {name} [--flags]\n")
        print((module.__doc__ or "").strip(), end="\n\n")
        print(flags.FLAGS.module_help(module.__name__))
        print("\nTry --helpfull for absl's own flags too.")
        sys.exit(0)
    app.run(
        _main_with_clear_errors(name, module.main),
        argv=[f"keras-dcgan {name}", *argv[2:]],
    )
