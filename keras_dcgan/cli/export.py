r"""`keras-dcgan export`: a trained generator to TF Serving and/or TFLite.

    keras-dcgan export --workdir=runs/mnist --saved_model_dir=serving
    keras-dcgan export --workdir=runs/mnist --tflite=gen.tflite \
        --quantization=int8 --tflite_batch=1

Exports the sampling generator (the EMA weights when training kept them) of
the workdir's newest checkpoint. The library functions are in
`keras_dcgan.export`.
"""

from absl import app
from absl import flags
from absl import logging

flags.DEFINE_string(
    "workdir", None, "Training workdir (or a .keras file) to export from."
)
flags.DEFINE_string(
    "saved_model_dir",
    None,
    "Base directory of the TF Serving layout BASE/NAME/VERSION.",
)
flags.DEFINE_string("model_name", "dcgan", "Model name under the base dir.")
flags.DEFINE_integer(
    "version", None, "SavedModel version (>= 1); default: the next free one."
)
flags.DEFINE_bool("overwrite", False, "Replace an existing --version.")
flags.DEFINE_integer(
    "max_samples", 1024, "Largest num_samples the seed signatures accept."
)
flags.DEFINE_string("tflite", None, "Path of a .tflite file to write.")
flags.DEFINE_enum(
    "quantization",
    "none",
    ["none", "float16", "dynamic_range", "int8"],
    "TFLite quantization.",
)
flags.DEFINE_integer(
    "tflite_batch", None, "Fixed TFLite batch size (for the GPU delegate)."
)
flags.DEFINE_bool("tflite_uint8", False, "TFLite outputs uint8 images.")
flags.mark_flag_as_required("workdir")

FLAGS = flags.FLAGS


def main(argv):
    """Runs the export described by the flags."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not FLAGS.saved_model_dir and not FLAGS.tflite:
        raise app.UsageError(
            "Nothing to export: pass --saved_model_dir and/or --tflite."
        )
    if not FLAGS["verbosity"].present:
        # absl's default under app.run is INFO, which floods the output with
        # TensorFlow's SavedModel-writing logs.
        logging.set_verbosity(logging.WARNING)
    # Imported here so `--help` answers without loading TensorFlow.
    from keras_dcgan import export
    from keras_dcgan.training.workdir import load_gan

    generator = load_gan(FLAGS.workdir).sampling_generator
    if FLAGS.saved_model_dir:
        path = export.export_saved_model(
            generator,
            FLAGS.saved_model_dir,
            model_name=FLAGS.model_name,
            version=FLAGS.version,
            overwrite=FLAGS.overwrite,
            max_samples=FLAGS.max_samples,
        )
        print(f"SavedModel: {path}")
    if FLAGS.tflite:
        path = export.export_tflite(
            generator,
            FLAGS.tflite,
            quantization=FLAGS.quantization,
            output_uint8=FLAGS.tflite_uint8,
            batch_size=FLAGS.tflite_batch,
        )
        print(f"TFLite ({FLAGS.quantization}): {path}")


if __name__ == "__main__":
    app.run(main)
