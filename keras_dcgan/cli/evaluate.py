"""`keras-dcgan evaluate`: sample-quality metrics of a trained generator.

    keras-dcgan evaluate --workdir=runs/cifar10 --dataset=cifar10
    keras-dcgan evaluate --workdir=runs/mnist --dataset=mnist-sample \\
        --extractor=classifier:digits.keras --num_samples=5000

Generates `--num_samples` images from the run's newest checkpoint and
compares them with as many dataset images: FID, KID (with its std),
precision/recall, the checkerboard-artifact score, and with a classifier
(Inception or a domain classifier) the Inception Score and mode coverage.
Prints the metrics and writes them as JSON (default WORKDIR/evaluation.json;
`--output` replaces no file but an earlier evaluation result).
Reference statistics are cached under WORKDIR/eval/. The library call is
`keras_dcgan.training.evaluate_workdir`.
"""

import json

from absl import app
from absl import flags

from keras_dcgan.cli import _common

flags.DEFINE_string(
    "workdir", None, "Training workdir (its newest checkpoint) or .keras file."
)
flags.DEFINE_string(
    "dataset",
    None,
    "Real images: any keras_dcgan.data.load source (mnist-sample, mnist, "
    "cifar10, tfds:NAME, a folder, an .npy/.npz/IDX file).",
)
flags.DEFINE_integer(
    "num_samples",
    10000,
    "Generated images, and real images, to compare (50000 is the FID "
    "standard).",
    lower_bound=2,
)
flags.DEFINE_string(
    "extractor",
    "inception",
    "Feature extractor: inception (ImageNet weights from the Keras cache), "
    "inception:PATH (a weights file), classifier:PATH (a saved "
    "DomainClassifier) or keras:PATH[:LAYER] (any saved Keras model).",
)
flags.DEFINE_string("split", "train", "Dataset split of the real images.")
flags.DEFINE_integer("seed", 0, "Seed of the generated samples.", lower_bound=0)
flags.DEFINE_integer("batch_size", 64, "Images per pass.", lower_bound=1)
flags.DEFINE_string(
    "output",
    None,
    "JSON file to write, ending in .json; an existing file is replaced only "
    "if it is an earlier evaluation result. Default: "
    "WORKDIR/evaluation.json.",
)
flags.DEFINE_bool(
    "allow_conversion",
    False,
    "Score against real images of another size or channel count than the "
    "model makes, converted to the model's (the scores then compare "
    "different things).",
)
flags.mark_flags_as_required(["workdir", "dataset"])

FLAGS = flags.FLAGS


def main(argv):
    """Evaluates the run the flags name, prints and writes the metrics."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    from keras_dcgan.training.evaluate import evaluate_workdir

    result = evaluate_workdir(
        FLAGS.workdir,
        FLAGS.dataset,
        num_samples=FLAGS.num_samples,
        extractor=FLAGS.extractor,
        seed=FLAGS.seed,
        batch_size=FLAGS.batch_size,
        split=FLAGS.split,
        output=FLAGS.output,
        allow_conversion=FLAGS.allow_conversion,
    )
    print(json.dumps(result, indent=2))
    return 0
