r"""`keras-dcgan export`: a trained generator to TF Serving and/or TFLite.

    keras-dcgan export --workdir=runs/mnist --saved_model_dir=serving
    keras-dcgan export --workdir=runs/mnist --tflite=gen.tflite \
        --quantization=int8 --tflite_batch=1
    keras-dcgan export --workdir=runs/mnist --web=site

Exports the sampling generator (the EMA weights when training kept them) of
the workdir's newest checkpoint. The library functions are in
`keras_dcgan.export`.
"""

from absl import app
from absl import flags
from absl import logging

from keras_dcgan.cli import _common

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
flags.DEFINE_string(
    "web", None, "Folder of a static web page that samples in the browser."
)
flags.DEFINE_enum(
    "web_runtime",
    "cdn",
    ["cdn", "local"],
    "Where the page loads LiteRT.js from: a CDN, or a copy beside the page.",
)
flags.DEFINE_enum(
    "web_quantization",
    "float16",
    ["none", "float16", "dynamic_range", "int8"],
    "Quantization of the web page's TFLite model.",
)
flags.DEFINE_string(
    "web_litert_package",
    "node_modules/@litertjs/core",
    "The installed @litertjs/core npm package, for --web_runtime=local.",
)
flags.mark_flag_as_required("workdir")

FLAGS = flags.FLAGS


def main(argv):
    """Runs the export described by the flags."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    if not FLAGS.saved_model_dir and not FLAGS.tflite and not FLAGS.web:
        raise app.UsageError(
            "Nothing to export: pass --saved_model_dir, --tflite and/or --web."
        )
    if not FLAGS["verbosity"].present:
        # absl's default under app.run is INFO, which floods the output with
        # TensorFlow's SavedModel-writing logs.
        logging.set_verbosity(logging.WARNING)
    # Imported here so `--help` answers without loading TensorFlow.
    from keras_dcgan import export
    from keras_dcgan.export.web import find_litert_package
    from keras_dcgan.integrity import check_writable
    from keras_dcgan.training.workdir import load_gan

    local = FLAGS.web and FLAGS.web_runtime == "local"
    if local:
        try:  # before the slow model loading
            find_litert_package(FLAGS.web_litert_package)
        except FileNotFoundError as error:
            raise app.UsageError(
                f"--web_runtime=local: {error} Then pass its folder as "
                "--web_litert_package, or use --web_runtime=cdn."
            ) from error

    # Before loading: an output that cannot be written fails at once.
    if FLAGS.saved_model_dir:
        check_writable(FLAGS.saved_model_dir, "--saved_model_dir")
    if FLAGS.tflite:
        check_writable(FLAGS.tflite, "--tflite", is_dir=False)
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
    if FLAGS.web:
        path = export.export_web(
            generator,
            FLAGS.web,
            quantization=FLAGS.web_quantization,
            runtime=FLAGS.web_runtime,
            litert_package=FLAGS.web_litert_package if local else None,
        )
        print(f"Web page: {path} (serve it: python -m http.server -d {path})")


if __name__ == "__main__":
    app.run(main)
