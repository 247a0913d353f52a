"""`keras-dcgan sample`: images from a trained generator, to files.

    keras-dcgan sample --workdir=runs/mnist --num=64 --out=samples.png
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples/
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples.npy
    keras-dcgan sample --workdir=runs/cmnist --label=7 --num=16 --out=7.png

The output format follows `--out`: `.png` is one grid image, a path ending
in `/` a folder of PNGs, `.npy` a uint8 NHWC array. Uses the EMA generator
when the run kept one. A class-conditional model draws class `--label`;
without it, a `.png` is a class grid (one class per row, `--num //
num_classes` images each, by default a square one) and other outputs get
random classes. Grids are enlarged for viewing (`--upscale`). The library
calls are `keras_dcgan.sampling.write_samples` and `write_class_grid`.
"""

import os

from absl import app
from absl import flags

from keras_dcgan.cli import _common

flags.DEFINE_string(
    "workdir", None, "Training workdir (its newest checkpoint) or .keras file."
)
flags.DEFINE_integer(
    "num",
    None,
    "How many images. Default: 64; for a class grid, as many per class as "
    "there are classes (a square grid).",
    lower_bound=1,
)
flags.DEFINE_string(
    "out", None, "Output: FILE.png (grid), DIR/ (PNG files) or FILE.npy."
)
flags.DEFINE_integer(
    "seed", None, "Seed of the latents; the same seed, the same images."
)
flags.DEFINE_integer(
    "label",
    None,
    "Class of every image, for a class-conditional model.",
    lower_bound=0,
)
flags.mark_flags_as_required(["workdir", "out"])
_common.define_upscale(__name__)

FLAGS = flags.FLAGS


def main(argv):
    """Writes the samples the flags ask for."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    from keras_dcgan.integrity import check_writable

    # Before loading: an output that cannot be written fails at once.
    check_writable(
        FLAGS.out,
        "--out",
        is_dir=FLAGS.out.endswith(("/", os.sep)) or os.path.isdir(FLAGS.out),
    )
    from keras_dcgan import sampling
    from keras_dcgan.training.workdir import load_gan

    gan = load_gan(FLAGS.workdir)
    _common.check_label(gan, FLAGS.label, FLAGS.workdir)
    if (
        gan.conditional
        and FLAGS.label is None
        and FLAGS.out.lower().endswith(".png")
    ):
        per_class = gan.num_classes
        if FLAGS.num is not None:
            per_class = max(1, FLAGS.num // gan.num_classes)
        out = sampling.write_class_grid(
            gan, FLAGS.out, per_class, FLAGS.seed, upscale=FLAGS.upscale
        )
        print(
            f"Wrote a class grid of {gan.num_classes} classes x {per_class} "
            f"samples to {out}"
        )
        return 0
    num = 64 if FLAGS.num is None else FLAGS.num
    out = sampling.write_samples(
        gan,
        FLAGS.out,
        num,
        FLAGS.seed,
        labels=FLAGS.label,
        upscale=FLAGS.upscale,
    )
    print(f"Wrote {num} samples to {out}")
    return 0
