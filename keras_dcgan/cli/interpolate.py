"""`keras-dcgan interpolate`: latent-space walks as a PNG grid or a GIF.

    keras-dcgan interpolate --workdir=runs/mnist --out=walk.png
    keras-dcgan interpolate --workdir=runs/mnist --out=walk.gif --num_walks=16

Walks follow great circles (spherical interpolation) between random
latents. A `.png` has one walk from a start to an end point per row; a
`.gif` loops every walk through `--num_points` points and shows the walks
side by side. A class-conditional model keeps one class along each walk:
the `--label` class, or class i mod num_classes for walk i. The library call is
`keras_dcgan.sampling.write_interpolation`.
"""

from absl import app
from absl import flags

from keras_dcgan.cli import _common

flags.DEFINE_string(
    "workdir", None, "Training workdir (its newest checkpoint) or .keras file."
)
flags.DEFINE_string("out", None, "Output: FILE.png (grid) or FILE.gif.")
flags.DEFINE_integer(
    "num_walks", 9, "Independent walks (9: a full 3x3 GIF grid).", lower_bound=1
)
flags.DEFINE_integer(
    "steps", 10, "Images per segment (per row of a PNG).", lower_bound=2
)
flags.DEFINE_integer(
    "num_points", 4, "Random points each GIF walk loops through.", lower_bound=2
)
flags.DEFINE_integer("seed", None, "Seed of the random points.")
flags.DEFINE_integer(
    "label",
    None,
    "Class of every walk, for a class-conditional model (default: walk i "
    "draws class i mod num_classes).",
    lower_bound=0,
)
flags.DEFINE_integer(
    "frame_ms",
    80,
    "GIF frame duration in milliseconds, a multiple of 10 from 10 to "
    "655350 (a GIF stores hundredths of a second).",
    lower_bound=1,
)
flags.mark_flags_as_required(["workdir", "out"])
_common.define_upscale(__name__)

FLAGS = flags.FLAGS

# The flags that size the work, named in an out-of-memory error.
SIZE_FLAGS = ("num_walks", "steps", "num_points", "upscale")


def main(argv):
    """Writes the walks the flags ask for."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    from keras_dcgan import sampling
    from keras_dcgan.integrity import check_writable

    # Before loading: a wrong or unwritable output fails at once.
    try:
        out_format = sampling.interpolation_format(FLAGS.out)
    except ValueError as error:
        raise app.UsageError(f"--out: {error}") from None
    if out_format == ".png":
        given = [
            f"--{name}={FLAGS[name].value}"
            for name in ("num_points", "frame_ms")
            if FLAGS[name].present
        ]
        if given:
            raise app.UsageError(
                f"{' and '.join(given)} only "
                f"{'applies' if len(given) == 1 else 'apply'} to a .gif; a "
                ".png walks "
                f"once from a start to an end point per row. Write "
                "--out=FILE.gif, or leave them out."
            )
    if out_format == ".gif":
        from keras_dcgan.checks import check_gif_frame_ms

        check_gif_frame_ms("frame_ms", FLAGS.frame_ms)
    check_writable(FLAGS.out, "--out", is_dir=False)
    from keras_dcgan.training.workdir import load_gan

    gan = load_gan(FLAGS.workdir)
    _common.check_label(gan, FLAGS.label, FLAGS.workdir)
    out = sampling.write_interpolation(
        gan,
        FLAGS.out,
        num_walks=FLAGS.num_walks,
        steps=FLAGS.steps,
        num_points=FLAGS.num_points,
        seed=FLAGS.seed,
        frame_ms=FLAGS.frame_ms,
        upscale=FLAGS.upscale,
        labels=FLAGS.label,
    )
    print(f"Wrote latent walks to {out}")
    return 0
