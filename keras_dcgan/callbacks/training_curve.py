"""A plot of the losses over training steps, with a CSV of the values."""

import csv
import io
import os
import re

import keras
import numpy as np

from keras_dcgan import integrity
from keras_dcgan.callbacks._steps import StepMeans
from keras_dcgan.callbacks._steps import global_step


def _smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average, as TensorBoard's smoothing slider."""
    smoothed = np.empty_like(values)
    average = values[0]
    for index, value in enumerate(values):
        if np.isfinite(value):
            average = weight * average + (1.0 - weight) * value
        smoothed[index] = average
    return smoothed


def plot_training_curve(history: list[dict], path: str, smoothing=0.9) -> str:
    """Plots losses and discriminator outputs over steps as a PNG.

    Args:
        history: list of dict. One row per step with a `step` and metric
            values, such as `TrainingCurve.history`.
        path: str. The `.png` to write.
        smoothing: float. Weight of the moving average drawn over the raw
            values, in [0, 1). Defaults to 0.9.

    Returns:
        `path`.
    """
    # The object-oriented API leaves pyplot's global state alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not history:
        raise ValueError("`history` is empty; there is nothing to plot.")
    steps = np.array([row["step"] for row in history], dtype=np.float64)
    names = [name for name in history[0] if name not in ("step", "epoch")]
    panels = [
        ("loss", [name for name in names if "loss" in name]),
        ("discriminator output", [name for name in names if "prob" in name]),
    ]
    panels = [(title, names) for title, names in panels if names]
    figure = Figure(figsize=(8, 3 * len(panels)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, panel_names) in zip(axes, panels, strict=True):
        for name in panel_names:
            values = np.array(
                [row.get(name, np.nan) for row in history], dtype=np.float64
            )
            (line,) = ax.plot(steps, values, alpha=0.25, linewidth=0.8)
            ax.plot(
                steps,
                _smooth(values, smoothing),
                color=line.get_color(),
                label=name,
            )
        ax.set_ylabel(title)
        ax.legend(loc="upper right")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    figure.savefig(path + ".partial", format="png", dpi=100)
    os.replace(path + ".partial", path)
    return path


class TrainingCurve(keras.callbacks.Callback):
    """Records metrics every step and plots them at the end of training.

    Keras logs running means over the epoch; this callback recovers each
    step's own values (`history`, one dict per step with `step` and `epoch`)
    and at the end of training plots losses and discriminator outputs over
    steps to `path`. With `csv_path`, rows are also appended to a CSV as
    they come; a later fit that resumes from step `s` (the model's optimizer
    step count) keeps the CSV's rows up to `s` and drops later ones (those
    steps are about to be redone), so the plot covers the whole run.

    Args:
        path: str. The PNG to write at the end of training.
        csv_path: str or None. A CSV file of all rows. Defaults to None.
        smoothing: float. Weight of the moving average drawn over the raw
            values, in [0, 1). Defaults to 0.9.

    Example:
    >>> curve = TrainingCurve("run/curve.png")  # doctest: +SKIP
    >>> gan.fit(data, epochs=3, callbacks=[curve])  # doctest: +SKIP
    >>> curve.history[-1]["g_loss"]  # doctest: +SKIP
    """

    def __init__(self, path, csv_path=None, smoothing=0.9):
        super().__init__()
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(
                f"`smoothing` must be in [0, 1); received {smoothing!r}."
            )
        self.path = path
        self.csv_path = csv_path
        self.smoothing = smoothing
        self.history = []
        self._means = StepMeans()
        self._epoch = 0
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        start = global_step(self.model)
        self.history = [row for row in self.history if row["step"] <= start]
        if self.csv_path is not None:
            self.history = [
                row for row in _read_csv(self.csv_path) if row["step"] <= start
            ]
            last = self.history[-1]["step"] if self.history else 0
            if start and last < start and os.path.exists(self.csv_path):
                # The row of a step is written before its checkpoint, so a
                # log ending before the resumed step was cut short: its
                # rows are well-formed but some are missing.
                moved = integrity.move_aside(self.csv_path)
                integrity.warn_damaged(
                    self.csv_path,
                    f"its rows end at step {last} but training resumes from "
                    f"step {start}",
                    moved,
                    f"keeping its {len(self.history)} rows",
                )
            _write_csv(self.csv_path, self.history)

    def on_epoch_begin(self, epoch, logs=None):
        self._means.reset()
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        values = self._means.update(batch, logs)
        if not values:
            return
        row = {"step": global_step(self.model), "epoch": self._epoch, **values}
        self.history.append(row)
        if self.csv_path is not None:
            self._append(row)

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None
        if self.history:
            plot_training_curve(self.history, self.path, self.smoothing)

    def _append(self, row: dict) -> None:
        if self._file is None:
            fields = list(row)
            if os.path.exists(self.csv_path):
                found = _csv_fields(self.csv_path)
                if found != fields:
                    # A damaged header or a run with other metrics: rows
                    # appended under it would put values in the wrong
                    # columns or drop them. Keep the old file whole and
                    # start one with this run's columns.
                    moved = integrity.move_aside(self.csv_path)
                    integrity.warn_damaged(
                        self.csv_path,
                        f"its columns {found} are not this run's {fields}",
                        moved,
                        "writing its rows under this run's columns (nan "
                        "where a value is missing)",
                    )
                    _write_csv(self.csv_path, self.history[:-1], fields)
            new = not os.path.exists(self.csv_path)
            self._file = open(self.csv_path, "a", newline="")  # noqa: SIM115
            self._writer = csv.DictWriter(self._file, fields)
            if new:
                self._writer.writeheader()
        self._writer.writerow(row)
        # A killed process keeps the rows of every step it finished.
        self._file.flush()


# What `csv.DictWriter` writes for a step (int) and a value (a float's
# repr): anything else, a space included, is damage. A damaged digit can
# still parse (float(" .69") is 0.69), so parsing alone cannot tell.
_INT = re.compile(r"\d+")
_FLOAT = re.compile(r"-?(\d+(\.\d+)?(e[-+]\d+)?|inf|nan)")


def _parse_row(row: dict, previous_step: int) -> dict:
    """A CSV row as numbers; ValueError naming the field that is damaged."""
    parsed = {}
    for name, value in row.items():
        if name is None or value is None:
            raise ValueError("the row has a different number of fields")
        pattern = _INT if name in ("step", "epoch") else _FLOAT
        if not pattern.fullmatch(value):
            raise ValueError(f"{name} is {value!r}, not a number as written")
        parsed[name] = float(value)
    parsed["step"] = int(parsed["step"])
    parsed["epoch"] = int(parsed["epoch"])
    if parsed["step"] <= previous_step:
        raise ValueError(
            f"step {parsed['step']} follows step {previous_step}; steps "
            "only increase"
        )
    return parsed


def _csv_fields(path: str) -> list[str]:
    with open(path, newline="") as f:
        return next(csv.reader(f), [])


def _read_csv(path: str) -> list[dict]:
    """The rows of a metrics CSV; a damaged one keeps its good first rows.

    A damaged file (garbled or cut-off rows) is moved aside with a warning.
    """
    if not os.path.exists(path):
        return []
    rows = []
    if os.path.getsize(path) == 0:
        # Training writes the header first: an empty file is damaged.
        moved = integrity.move_aside(path)
        integrity.warn_damaged(path, "it is empty (0 bytes)", moved, "no rows")
        return rows
    try:
        with open(path, newline="") as f:
            text = f.read()
        for row in csv.DictReader(io.StringIO(text, newline="")):
            previous = rows[-1]["step"] if rows else -1
            rows.append(_parse_row(row, previous))
        if not text.endswith("\n"):
            # Every row is written whole with its line end: a file cut
            # inside its last row can still parse ("0.49" cut to "0.4").
            if rows:
                rows.pop()
            raise ValueError("the file ends inside it, without a line end")
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        reason = f"row {len(rows) + 1} is unreadable ({error})"
        moved = integrity.move_aside(path)
        integrity.warn_damaged(
            path, reason, moved, f"keeping the {len(rows)} rows before it"
        )
    return rows


def _write_csv(path: str, rows: list[dict], fields=None) -> None:
    if not rows:
        if os.path.exists(path):
            os.remove(path)
        return
    with open(path + ".partial", "w", newline="") as f:
        writer = csv.DictWriter(
            f, fields or list(rows[0]), restval="nan", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    os.replace(path + ".partial", path)
