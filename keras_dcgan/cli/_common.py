"""Flags and checks several subcommands share; no TensorFlow import."""

import os

from absl import app
from absl import flags


class _UpscaleParser(flags.ArgumentParser):
    """`auto` or a positive integer."""

    syntactic_help = "auto or an integer >= 1"

    def parse(self, argument):
        if not isinstance(argument, str) or argument == "auto":
            return argument
        try:
            factor = int(argument)
        except ValueError:
            factor = 0
        if factor < 1:
            raise ValueError(
                f"expected auto or an integer >= 1, got {argument!r}"
            )
        return factor

    def flag_type(self):
        return "auto or int"


def define_upscale(module_name: str) -> None:
    """Defines `--upscale` for the subcommand `module_name`."""
    flags.DEFINE(
        _UpscaleParser(),
        "upscale",
        "auto",
        "Enlarge the grid or animation by this integer factor, "
        "nearest-neighbour so every generated pixel stays visible as a "
        "square; auto picks the largest factor that keeps the longer side "
        "at most 640 pixels. 1 keeps the generated size.",
        module_name=module_name,
    )


def check_model_path(path: str) -> None:
    """Fails at once, before TensorFlow loads, when `--workdir` is missing."""
    if not os.path.exists(path):
        raise app.UsageError(
            f"--workdir={path}: no such workdir or .keras file."
        )


def check_label(gan, label: int | None, workdir: str) -> None:
    """Raises `app.UsageError` unless `--label` suits the loaded model.

    Args:
        gan: DCGAN. The model loaded from `workdir`.
        label: int or None. The `--label` flag's value (None: not given).
        workdir: str. The `--workdir` flag's value, for the message.
    """
    if label is not None and not gan.conditional:
        raise app.UsageError(
            f"--label={label}, but {workdir} holds an unconditional model."
        )
    if label is not None and label >= gan.num_classes:
        raise app.UsageError(
            f"--label={label} is not a class of this model; expected "
            f"0 to {gan.num_classes - 1}."
        )
