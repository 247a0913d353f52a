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
    "version",
    None,
    "SavedModel version (>= 1); default: the next free one.",
    lower_bound=1,
)
flags.DEFINE_bool("overwrite", False, "Replace an existing --version.")
flags.DEFINE_integer(
    "max_samples",
    1024,
    "Largest num_samples the seed signatures accept.",
    lower_bound=1,
)
flags.DEFINE_string("tflite", None, "Path of a .tflite file to write.")
flags.DEFINE_enum(
    "quantization",
    "none",
    ["none", "float16", "dynamic_range", "int8"],
    "TFLite quantization.",
)
flags.DEFINE_integer(
    "tflite_batch",
    None,
    "Fixed TFLite batch size (for the GPU delegate); default: dynamic.",
    lower_bound=1,
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

# Library arguments that errors name, and the flag that sets each.
FLAG_FOR_ARGUMENT = {
    "base_dir": "saved_model_dir",
    "batch_size": "tflite_batch",
    "output_uint8": "tflite_uint8",
    "path": "tflite",
    "directory": "web",
}


def main(argv):
    """Runs the export described by the flags."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    _common.check_model_path(FLAGS.workdir)
    for name in ("saved_model_dir", "tflite", "web"):
        if FLAGS[name].value == "":
            # An empty path would be skipped as if it were not given.
            raise app.UsageError(
                f"--{name} is empty; pass a path or leave it out."
            )
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
    _check_outputs()
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


def _check_outputs():
    """Every output flag's check that needs no model, in flag terms."""
    from keras_dcgan.export import saved_model
    from keras_dcgan.export import tflite
    from keras_dcgan.export import web
    from keras_dcgan.integrity import check_writable

    if FLAGS.saved_model_dir:
        check_writable(FLAGS.saved_model_dir, "--saved_model_dir")
        # Name, version, a version already there without --overwrite.
        saved_model.check_saved_model_arguments(
            FLAGS.saved_model_dir,
            model_name=FLAGS.model_name,
            version=FLAGS.version,
            overwrite=FLAGS.overwrite,
            max_samples=FLAGS.max_samples,
        )
    else:
        _refuse_unused(
            ("model_name", "version", "overwrite", "max_samples"),
            "the SavedModel",
            "--saved_model_dir",
        )
    if FLAGS.tflite is not None:
        tflite.check_tflite_path(FLAGS.tflite)
        if not FLAGS.tflite.lower().endswith(".tflite"):
            raise app.UsageError(
                f"--tflite={FLAGS.tflite} does not end in .tflite; name the "
                "file FILE.tflite (runtimes and the web page look for it)."
            )
        check_writable(FLAGS.tflite, "--tflite", is_dir=False)
    else:
        _refuse_unused(
            ("quantization", "tflite_batch", "tflite_uint8"),
            "the TFLite model",
            "--tflite=FILE.tflite",
        )
    if FLAGS.web is not None:
        try:
            web.check_web_directory(FLAGS.web)
        except FileExistsError as error:
            raise app.UsageError(f"--web={FLAGS.web}: {error}") from None
        check_writable(FLAGS.web, "--web")
    else:
        _refuse_unused(
            ("web_runtime", "web_quantization", "web_litert_package"),
            "the web page",
            "--web=FOLDER",
        )


def _refuse_unused(names: tuple[str, ...], output: str, needed: str) -> None:
    """Refuses the flags among `names` given without the output they shape.

    The message reads `--a only applies to OUTPUT` or `--a and --b only
    apply to OUTPUT`, then how to use them: pass `needed` too.
    """
    given = [f"--{name}" for name in names if FLAGS[name].present]
    if not given:
        return
    if len(given) == 1:
        applies = f"{given[0]} only applies"
    else:
        applies = f"{', '.join(given[:-1])} and {given[-1]} only apply"
    raise app.UsageError(
        f"{applies} to {output}; pass {needed} too, or leave them out."
    )


if __name__ == "__main__":
    app.run(main)
