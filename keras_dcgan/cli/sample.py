"""`keras-dcgan sample`: images from a trained generator, to files.

    keras-dcgan sample --workdir=runs/mnist --num=64 --out=samples.png
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples/
    keras-dcgan sample --workdir=runs/mnist --num=1000 --out=samples.npy

The output format follows `--out`: `.png` is one grid image, a path ending
in `/` a folder of PNGs, `.npy` a uint8 NHWC array. Uses the EMA generator
when the run kept one. The library call is
`keras_dcgan.sampling.write_samples`.
"""

from absl import app
from absl import flags

from keras_dcgan import sampling
from keras_dcgan.workdir import load_gan

flags.DEFINE_string(
    "workdir", None, "Training workdir (its newest checkpoint) or .keras file."
)
flags.DEFINE_integer("num", 64, "How many images.", lower_bound=1)
flags.DEFINE_string(
    "out", None, "Output: FILE.png (grid), DIR/ (PNG files) or FILE.npy."
)
flags.DEFINE_integer(
    "seed", None, "Seed of the latents; the same seed, the same images."
)
flags.mark_flags_as_required(["workdir", "out"])

FLAGS = flags.FLAGS


def main(argv):
    """Writes the samples the flags ask for."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    out = sampling.write_samples(
        load_gan(FLAGS.workdir), FLAGS.out, FLAGS.num, FLAGS.seed
    )
    print(f"Wrote {FLAGS.num} samples to {out}")
    return 0
