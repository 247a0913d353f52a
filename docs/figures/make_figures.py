"""Draws the guide's figures with the library's own building blocks.

Every figure in docs/guide/ except the checkerboard comparison (made by
`checkerboard.py` beside this file) comes from here:

- `activations.png`: each hidden activation of `blocks.activation_layer`
  and its derivative (taken with `tf.GradientTape`).
- `conv_sizes.png`: the worked output-size example of the convolution
  guide, with sizes from `blocks.conv_output_size` checked against Keras.
- `sampling_overlap.png`: how many kernel taps reach each output pixel of
  `blocks.upsample_conv` (transposed kernel 3 and 4, nearest, bilinear).
- `downsampling.png`: one digit through `blocks.downsample_block` with
  fixed kernels (strided subsampling, strided box filter, max and average
  pooling).
- `batch_norm.png` and `batch_norm.json`: a short measured run of the
  `mnist` preset with and without batch normalization.

Only the batch-norm run trains (two runs of `--steps` steps, about a minute
each on two CPU cores):

    python docs/figures/make_figures.py              # all figures
    python docs/figures/make_figures.py --only=activations,conv_sizes
"""

import argparse
import csv
import json
import os
import tempfile
import time

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan import data
from keras_dcgan.callbacks import TrainingCurve
from keras_dcgan.images import make_grid
from keras_dcgan.models import blocks

HERE = os.path.dirname(os.path.abspath(__file__))


def activations_figure(path: str) -> None:
    """Plots relu, leaky_relu, sigmoid and tanh with their derivatives."""
    x = tf.constant(np.linspace(-5.0, 5.0, 1001, dtype="float32"))
    names = ("relu", "leaky_relu", "sigmoid", "tanh")
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharex=True)
    for ax, name in zip(axes, names, strict=True):
        layer = blocks.activation_layer(name, leaky_relu_slope=0.2)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        dy = tape.gradient(y, x)
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, y, lw=2, label="f(x)")
        ax.plot(x, dy, lw=2, ls="--", label="f'(x)")
        title = "leaky_relu (slope 0.2)" if name == "leaky_relu" else name
        ax.set_title(title)
        ax.set_ylim(-1.6, 2.6)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _conv_windows(size, kernel, stride, padding):
    """Input positions (with padding offset) each output window covers."""
    out = blocks.conv_output_size(size, kernel, stride, padding)
    if padding == "same":
        total = max((out - 1) * stride + kernel - size, 0)
        before = total // 2
    else:
        total, before = 0, 0
    starts = [i * stride - before for i in range(out)]
    return out, before, total - before, starts


def conv_sizes_figure(path: str) -> dict:
    """Draws kernel 3 / stride 2 windows over 7 pixels, valid and same."""
    size, kernel, stride = 7, 3, 2
    results = {}
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.6))
    for ax, padding in zip(axes, ("valid", "same"), strict=True):
        out, before, after, starts = _conv_windows(
            size, kernel, stride, padding
        )
        # The formula must agree with what Keras builds.
        layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
        keras_out = layer.compute_output_shape((1, size, size, 1))[1]
        assert keras_out == out, (padding, keras_out, out)
        results[padding] = out
        for i in range(-before, size + after):
            pad = i < 0 or i >= size
            ax.add_patch(
                plt.Rectangle(
                    (i, 0),
                    1,
                    1,
                    facecolor="0.92" if pad else "#9ecae1",
                    edgecolor="0.3",
                    hatch="//" if pad else None,
                )
            )
            label = "0" if pad else f"x{i}"
            ax.text(i + 0.5, 0.5, label, ha="center", va="center")
        colors = plt.cm.Dark2(np.arange(out))
        for j, start in enumerate(starts):
            y = 1.25 + 0.35 * j
            ax.plot(
                [start + 0.1, start + kernel - 0.1],
                [y, y],
                color=colors[j],
                lw=4,
                solid_capstyle="butt",
            )
            ax.text(start + kernel, y, f" output {j}", va="center", fontsize=9)
        formula = (
            "floor((7 - 3) / 2) + 1 = 3"
            if padding == "valid"
            else f"ceil(7 / 2) = 4   (pads {before} left, {after} right)"
        )
        ax.set_title(
            f'padding="{padding}": {size} pixels, kernel {kernel}, '
            f"stride {stride} -> {out} outputs;  {formula}",
            fontsize=10,
        )
        ax.set_xlim(-1.5, size + 3.5)
        ax.set_ylim(-0.2, 1.35 + 0.35 * 4)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return results


def _fixed_upsampler(mode: str, kernel_size: int, size: int) -> keras.Model:
    inputs = keras.Input((size, size, 1))
    outputs = blocks.upsample_conv(
        inputs, 1, mode, kernel_size, normalization="none", name="up"
    )
    model = keras.Model(inputs, outputs)
    conv = model.get_layer("up_conv")
    kernel, bias = conv.get_weights()
    conv.set_weights([np.ones_like(kernel), np.zeros_like(bias)])
    return model


def sampling_overlap_figure(path: str) -> dict:
    """Upsamples a constant map with all-ones kernels: taps per pixel."""
    size = 6
    variants = (
        ("transposed", 3, "transposed, kernel 3"),
        ("transposed", 4, "transposed, kernel 4 (paper)"),
        ("nearest", 3, "nearest + conv, kernel 3"),
        ("bilinear", 3, "bilinear + conv, kernel 3"),
    )
    ones = np.ones((1, size, size, 1), "float32")
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.9))
    spread = {}
    for ax, (mode, kernel, title) in zip(axes, variants, strict=True):
        out = np.asarray(_fixed_upsampler(mode, kernel, size)(ones))[0, ..., 0]
        # Border pixels see the zero padding; judge the interior only.
        interior = out[2:-2, 2:-2]
        spread[title] = [float(interior.min()), float(interior.max())]
        image = ax.imshow(out, cmap="viridis", vmin=0, vmax=out.max())
        for (i, j), value in np.ndenumerate(out):
            if 2 <= i < out.shape[0] - 2 and 2 <= j < out.shape[1] - 2:
                ax.text(
                    j,
                    i,
                    f"{value:g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value < 0.6 * out.max() else "black",
                )
        ax.set_title(
            f"{title}\ninterior {interior.min():g} to {interior.max():g}",
            fontsize=10,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle(
        f"A constant {size}x{size} map doubled to {2 * size}x{2 * size} "
        "with all-ones kernels: the value is the number of kernel taps "
        "that reach each pixel",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return spread


def _fixed_downsampler(mode: str, kernel: np.ndarray) -> keras.Model:
    inputs = keras.Input((28, 28, 1))
    outputs = blocks.downsample_block(
        inputs,
        1,
        mode=mode,
        kernel_size=kernel.shape[0],
        normalization="none",
        activation="linear",
        name="down",
    )
    model = keras.Model(inputs, outputs)
    conv = model.get_layer("down_conv")
    _, bias = conv.get_weights()
    conv.set_weights([kernel[..., None, None], np.zeros_like(bias)])
    return model


def _zone_plate(size: int) -> np.ndarray:
    """Rings whose frequency rises to 2/3 of the pixel grid's limit."""
    coords = np.arange(size) - size / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2
    return np.cos(np.pi * r2 / (1.5 * size)).astype("float32")[None, ..., None]


def downsampling_figure(path: str) -> None:
    """A digit and a zone plate halved four ways by downsample_block."""
    digits = data.load("mnist-sample", batch_size=8, shuffle=False)
    inputs = {
        "digit": next(iter(digits))[:1].numpy(),
        "zone plate": _zone_plate(28),
    }
    # A delta kernel makes the convolution the identity, so the pooling or
    # the stride alone does the downsampling; a 2x2 box is what a strided
    # convolution must learn to average like a pooling layer.
    delta = np.zeros((3, 3), "float32")
    delta[1, 1] = 1.0
    box = np.full((2, 2), 0.25, "float32")
    variants = (
        (
            "strided",
            delta,
            "strided conv, delta kernel\n(keeps every 2nd pixel)",
        ),
        ("strided", box, "strided conv,\n2x2 box kernel"),
        ("max_pool", delta, "conv (delta) +\n2x2 max pooling"),
        ("avg_pool", delta, "conv (delta) +\n2x2 average pooling"),
    )
    models = [_fixed_downsampler(mode, kernel) for mode, kernel, _ in variants]
    fig, axes = plt.subplots(2, 5, figsize=(13, 6))
    for row, image in zip(axes, inputs.values(), strict=True):
        row[0].imshow(image[0, ..., 0], cmap="gray", vmin=-1, vmax=1)
        for ax, model in zip(row[1:], models, strict=True):
            out = np.asarray(model(image))[0, ..., 0]
            ax.imshow(out, cmap="gray", vmin=-1, vmax=1)
    for name, ax in zip(inputs, axes[:, 0], strict=True):
        ax.set_title(f"{name}, 28x28", fontsize=10)
    for ax, (_, _, title) in zip(axes[0, 1:], variants, strict=True):
        ax.set_title(f"{title}\n-> 14x14", fontsize=10)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _train(normalization: str, steps: int, workdir: str) -> dict:
    """Trains the small mnist preset for `steps` steps; per-step metrics."""
    keras.utils.set_random_seed(0)
    gan = DCGAN.from_preset(
        "mnist",
        seed=0,
        latent_dim=64,
        generator_filters=32,
        discriminator_filters=32,
        generator_normalization=normalization,
        discriminator_normalization=normalization,
    )
    gan.compile()
    dataset = data.load("mnist-sample", batch_size=64, seed=0)
    curve = TrainingCurve(
        os.path.join(workdir, f"{normalization}.png"),
        csv_path=os.path.join(workdir, f"{normalization}.csv"),
    )
    start = time.perf_counter()
    gan.fit(
        dataset.repeat(),
        epochs=1,
        steps_per_epoch=steps,
        callbacks=[curve],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    with open(curve.csv_path) as f:
        rows = list(csv.DictReader(f))
    history = {
        name: np.array([float(row[name]) for row in rows])
        for name in ("d_loss", "g_loss", "real_prob", "fake_prob")
    }
    samples = gan.generate(36, seed=1)
    return {"history": history, "samples": samples, "seconds": seconds}


def _smooth(values: np.ndarray, window: int = 20) -> np.ndarray:
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def batch_norm_figure(path: str, json_path: str, steps: int) -> dict:
    """Trains with and without batch norm and plots what happened."""
    runs = {}
    with tempfile.TemporaryDirectory() as workdir:
        for normalization in ("batch", "none"):
            runs[normalization] = _train(normalization, steps, workdir)
    labels = {"batch": "batch norm (paper)", "none": "no normalization"}
    fig = plt.figure(figsize=(13, 7.4))
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.25])
    metric_axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    for normalization, run in runs.items():
        history = run["history"]
        steps_axis = np.arange(len(_smooth(history["d_loss"]))) + 20
        style = {"label": labels[normalization], "lw": 1.8}
        metric_axes[0].plot(steps_axis, _smooth(history["d_loss"]), **style)
        metric_axes[1].plot(steps_axis, _smooth(history["g_loss"]), **style)
        line = metric_axes[2].plot(
            steps_axis, _smooth(history["real_prob"]), **style
        )[0]
        metric_axes[2].plot(
            steps_axis,
            _smooth(history["fake_prob"]),
            color=line.get_color(),
            ls="--",
            lw=1.8,
        )
    titles = (
        "discriminator loss",
        "generator loss",
        "D(real) solid, D(fake) dashed",
    )
    for ax, title in zip(metric_axes, titles, strict=True):
        ax.set_title(title + " (20-step mean)", fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    metric_axes[0].legend()
    metric_axes[2].set_ylim(0, 1)
    real = next(iter(data.load("mnist-sample", batch_size=36, seed=1)))
    panels = [
        (f"{labels[name]}: samples after {steps} steps", run["samples"])
        for name, run in runs.items()
    ]
    panels.append(("real digits", real.numpy()))
    for i, (title, images) in enumerate(panels):
        ax = fig.add_subplot(grid[1, i])
        ax.imshow(make_grid(images, columns=6)[..., 0], cmap="gray")
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)

    def tail(values):
        return round(float(values[-50:].mean()), 3)

    results = {
        "command": f"python docs/figures/make_figures.py --steps={steps}",
        "steps": steps,
        "batch_size": 64,
        "network": "mnist preset, latent 64, 32 filters",
    }
    for normalization, run in runs.items():
        history = run["history"]
        results[normalization] = {
            "seconds": round(run["seconds"], 1),
            "last_50_steps": {k: tail(v) for k, v in history.items()},
            "g_loss_std_last_100": round(
                float(history["g_loss"][-100:].std()), 3
            ),
        }
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    return results


FIGURES = (
    "activations",
    "conv_sizes",
    "sampling",
    "downsampling",
    "batch_norm",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help=f"Comma-separated figures to draw, from {list(FIGURES)}.",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=400,
        help="Training steps of each batch-norm run.",
    )
    args = parser.parse_args()
    chosen = args.only.split(",")
    unknown = sorted(set(chosen) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; expected some of {FIGURES}")
    out = lambda name: os.path.join(HERE, name)  # noqa: E731
    if "activations" in chosen:
        activations_figure(out("activations.png"))
    if "conv_sizes" in chosen:
        print("conv sizes:", conv_sizes_figure(out("conv_sizes.png")))
    if "sampling" in chosen:
        print("taps:", sampling_overlap_figure(out("sampling_overlap.png")))
    if "downsampling" in chosen:
        downsampling_figure(out("downsampling.png"))
    if "batch_norm" in chosen:
        results = batch_norm_figure(
            out("batch_norm.png"), out("batch_norm.json"), args.steps
        )
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
