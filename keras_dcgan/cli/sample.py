"""`keras-dcgan sample`: images from a trained generator, to files.

    keras-dcgan sample --workdir=runs/mnist --num=64 --out=samples.png
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples/
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples.npy
    keras-dcgan sample --workdir=runs/cmnist --label=7 --num=16 --out=7.png

The output format follows `--out`: `.png` is one grid image, a path ending
in `/` a folder of PNGs, `.npy` a uint8 NHWC array. Uses the EMA generator
when the run kept one. A class-conditional model draws class `--label`;
without it, a `.png` is a class grid (one class per row, `--num /
num_classes` images each, so `--num` is a multiple of num_classes; by
default a square grid) and other outputs get random classes. Grids are
enlarged for viewing (`--upscale`). The library calls are
`keras_dcgan.sampling.write_samples` and `write_class_grid`.
"""

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
    "there are classes (a square grid), and a multiple of num_classes.",
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

# The flags that size the work, named in an out-of-memory error.
SIZE_FLAGS = ("num", "upscale")


def main(argv):
    """Writes the samples the flags ask for."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    from keras_dcgan import sampling
    from keras_dcgan.integrity import check_writable

    # Before loading: a wrong or unwritable output fails at once.
    try:
        out_format = sampling.sample_format(FLAGS.out)
    except ValueError as error:
        raise app.UsageError(f"--out: {error}") from None
    if FLAGS["upscale"].present and out_format != ".png":
        raise app.UsageError(
            f"--upscale={FLAGS.upscale} enlarges a .png grid only; "
            f"--out={FLAGS.out} writes {sampling.SAMPLE_FORMATS[out_format]} "
            "at the generated size. Leave out --upscale, or write a .png."
        )
    check_writable(FLAGS.out, "--out", is_dir=out_format == "/")
    if out_format == "/":
        from keras_dcgan.images import check_sample_folder

        try:
            check_sample_folder(FLAGS.out)
        except FileExistsError as error:
            raise app.UsageError(f"--out: {error}") from None
    from keras_dcgan.training.workdir import load_gan

    gan = load_gan(FLAGS.workdir)
    _common.check_label(gan, FLAGS.label, FLAGS.workdir)
    if gan.conditional and FLAGS.label is None and out_format == ".png":
        per_class = gan.num_classes
        if FLAGS.num is not None:
            if FLAGS.num % gan.num_classes:
                # A class grid has the same number of images per class.
                low = FLAGS.num // gan.num_classes * gan.num_classes
                near = [n for n in (low, low + gan.num_classes) if n > 0]
                raise app.UsageError(
                    f"--num={FLAGS.num}: a class grid of {FLAGS.workdir} "
                    f"holds a row per class, so --num must be a multiple of "
                    f"its {gan.num_classes} classes (e.g. "
                    f"{' or '.join(f'--num={n}' for n in near)}); or pass "
                    "--label=K for one class."
                )
            per_class = FLAGS.num // gan.num_classes
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
