"""First contact with the command line: quick, quiet, and speaking flags.

Each subcommand defines absl flags at import, so commands run in
subprocesses; those that must answer before TensorFlow loads also report
whether it was imported.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from keras_dcgan.cli import main
from keras_dcgan.errors import Option
from keras_dcgan.errors import OptionError
from keras_dcgan.training import TrainConfig
from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import prepare_workdir

SUBCOMMANDS = list(main.SUBCOMMANDS)

# Runs the CLI in-process, then says whether TensorFlow or Keras loaded.
_RUN_AND_REPORT = """
import sys
from keras_dcgan.cli import main
try:
    main.run(["keras-dcgan", *sys.argv[1:]])
except SystemExit as exit:
    code = exit.code
else:
    code = 0
loaded = sorted({"tensorflow", "keras"} & set(sys.modules))
print("LOADED=" + ",".join(loaded), file=sys.stderr)
sys.exit(code)
"""

# A TensorFlow C++ log line ("I0000 00:00:...", "E0000 ...") or its banner.
TF_LOG_LINE = re.compile(
    r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN custom operations|cuInit",
    re.M,
)


def _cli(*args, cwd=None):
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_REPORT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    stderr, _, loaded = result.stderr.rpartition("LOADED=")
    result.stderr = stderr
    result.loaded = loaded.strip()
    return result


@pytest.mark.parametrize(
    "args", [["--help"], *[[n, "--help"] for n in SUBCOMMANDS]]
)
def test_help_answers_without_tensorflow(args):
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.loaded == "", f"{args} imported {result.loaded}"
    assert "usage: keras-dcgan" in result.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_flag_has_a_description(name):
    text = _cli(name, "--help").stdout
    flags = re.findall(
        r"^  --(?:\[no\])?(\w+): ?(?:<[^>]*>: ?)?(.*)$", text, flags=re.M
    )
    assert len(flags) >= 5, text
    undocumented = [flag for flag, words in flags if not words.strip()]
    assert not undocumented, undocumented
    assert "--[no]verbose" in text  # the common flag is listed too


def test_help_examples_keep_their_line_breaks():
    text = _cli("train", "--help").stdout
    example = (
        "    keras-dcgan train --preset=mnist --dataset=mnist-sample "
        "--conditional \\\n        --workdir=runs/cmnist\n"
    )
    assert example in text
    # A swallowed line break leaves a run of spaces before a flag.
    assert not re.search(r"\S {3,}--\w", text.split("\n\n\n")[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["train", "--workdir=W", "--epochs=zero"],
            "flag --epochs=zero: invalid literal for int()",
        ),
        (
            ["train", "--workdir=W", "--loss=l1"],
            "flag --loss=l1: value should be one of <non_saturating",
        ),
        (
            ["train", "--workdir=W", "--dataset=mnist-sample", "--beta_1=2"],
            "--beta_1 must be a number in [0, 1); received 2.0.",
        ),
        (
            ["train", "--workdir=W"],
            "A new run needs --dataset (for example --dataset=mnist-sample",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--dataset=mnist-sample",
                "--image_size=7",
            ],
            "--image_size=7 cannot be reached by doubling --base_size=7",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--dataset=mnist-sample",
                "--latent_dim=0",
            ],
            "--latent_dim must be a positive integer; received 0.",
        ),
        (
            ["train", "--workdir=W", "--dataset=mnist-sample", "--dropout=1.5"],
            "--dropout must be a number in [0, 1); received 1.5.",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--precision=fp16"],
            "flag --precision=fp16: value should be one of <float32|mixed_",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--fake_labels=real"],
            "flag --fake_labels=real: value should be one of <uniform|data>",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--r1_weight=inf"],
            "--r1_weight must be a finite number >= 0; received inf.",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--r1_interval=0"],
            "--r1_interval must be a positive integer; received 0.",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--preset=mnist",
                "--mode_seeking_weight=-1",
            ],
            "--mode_seeking_weight must be a finite number >= 0; received "
            "-1.0.",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--preset=mnist",
                "--conditional",
                "--fake_labels=data",
                "--mode_seeking_weight=1",
            ],
            "--mode_seeking_weight=1.0 pairs fakes drawn for the same "
            "classes, which --fake_labels='data' (the real batch's labels) "
            "cannot give; set --fake_labels to 'uniform' or "
            "--mode_seeking_weight to 0.",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--preset=mnist",
                "--discriminator_extra_layers=-1",
            ],
            "--discriminator_extra_layers must be an int >= 0; received -1.",
        ),
        (
            [
                "train",
                "--workdir=W",
                "--preset=mnist",
                "--discriminator_minibatch_stddev=1",
            ],
            "--discriminator_minibatch_stddev must be 0 (off) or a group "
            "size >= 2; received 1.",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--tpu=my-tpu"],
            "--tpu='my-tpu' only applies to --strategy=tpu; received "
            "--strategy=default.",
        ),
        (
            ["train", "--workdir=W", "--preset=mnist", "--augment=Color"],
            "augmentation ['Color'] in --augment='Color'; expected",
        ),
        (["sample", "--out=x.png"], "error: --workdir is required."),
        (
            # Before: "[Errno 2] No such file or directory: ''".
            ["train", "--workdir=", "--dataset=mnist-sample"],
            "--workdir='' is empty; pass the run's folder",
        ),
        (
            ["sample", "--workdir=missing", "--out=x.png"],
            "--workdir=missing: no such workdir or .keras file.",
        ),
        (["sample", "--workdir=.", "--out=x.png", "extra"], "Unexpected"),
        (
            ["export", "--workdir=."],
            "Nothing to export: pass --saved_model_dir, --tflite and/or",
        ),
        (
            ["interpolate", "--workdir=.", "--out=w.gif", "--upscale=0"],
            "expected auto or an integer >= 1, got '0'",
        ),
    ],
)
def test_rejected_arguments_fail_fast_in_flag_terms(tmp_path, args, message):
    result = _cli(*args, cwd=tmp_path)
    assert result.returncode in (1, 2), result.stderr
    assert message in result.stderr, result.stderr
    assert result.stderr.startswith(f"keras-dcgan {args[0]}: error: ")
    assert "USAGE:" not in result.stderr
    assert "FATAL" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.loaded == "", f"{args} imported {result.loaded}"
    assert os.listdir(tmp_path) == []  # nothing written


def test_verbose_flag_is_found_anywhere():
    split = main._split_verbose
    assert split(["train", "--workdir=w"]) == (False, ["train", "--workdir=w"])
    assert split(["-v", "train", "--workdir=w"]) == (
        True,
        ["train", "--workdir=w"],
    )
    assert split(["train", "--verbose", "--epochs=2"]) == (
        True,
        ["train", "--epochs=2"],
    )
    assert split(["train", "-v", "--noverbose"]) == (False, ["train"])


_IMPORT_TF = """
import sys
from keras_dcgan.cli import main
if sys.argv[1] == "quiet":
    main.quiet_tensorflow()
import tensorflow as tf
print(float(tf.reduce_sum(tf.ones([2]))))
"""


def test_tensorflow_logs_hidden_unless_verbose():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    quiet = subprocess.run(
        [sys.executable, "-c", _IMPORT_TF, "quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "2.0"
    assert not TF_LOG_LINE.search(quiet.stderr), quiet.stderr


def test_speak_flags_rewrites_argument_names_only():
    text = main.speak_flags(
        "`dropout` must be in [0, 1); image_size=7 is odd; the loss is "
        "fine; keep --seed=1 and a==b.",
        ["dropout", "image_size", "loss", "seed", "a"],
    )
    assert text == (
        "--dropout must be in [0, 1); --image_size=7 is odd; the loss is "
        "fine; keep --seed=1 and a==b."
    )


def test_option_error_speaks_python_and_flags():
    error = OptionError(
        "Pass {resize}, {pad}, {skip} or a smaller {image_size}.",
        resize="bilinear",
        pad=Option("resize", "pad"),
        skip=Option("skip_corrupt", True),
        image_size=Option("image_size"),
    )
    assert isinstance(error, ValueError)
    assert str(error) == (
        "Pass resize='bilinear', resize='pad', skip_corrupt=True or a "
        "smaller image_size."
    )
    assert error.for_flags() == (
        "Pass --resize=bilinear, --resize=pad, --skip_corrupt or a smaller "
        "--image_size."
    )
    assert "--no_skip" in OptionError("{x}", x=Option("skip", False)).for_flags(
        lambda name: "_" + name
    )


_CONFIG_FROM_FLAGS = """
import sys
from absl import flags
from keras_dcgan.cli import train
flags.FLAGS(["keras-dcgan train", *sys.argv[1:]])
train.check_flags()
config = train.config_from_flags()
print(config.to_json())
print("TF" if "tensorflow" in sys.modules else "no TF")
"""


def test_workdir_alone_continues_the_saved_run(tmp_path):
    saved = get_train_config(
        "mnist", dataset="mnist-sample", network={"latent_dim": 8}, epochs=2
    )
    prepare_workdir(str(tmp_path), saved)
    for extra, epochs in (([], 2), (["--epochs=5"], 5)):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _CONFIG_FROM_FLAGS,
                f"--workdir={tmp_path}",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert f"Continuing the run in {tmp_path}" in result.stdout
        text, _, loaded = result.stdout.strip().rpartition("\n")
        config = json.loads(text[text.index("{") :])
        assert config["dataset"] == "mnist-sample"
        assert config["network"]["latent_dim"] == 8
        assert config["epochs"] == epochs
        assert loaded == "no TF"


def _config_from_flags(*flags):
    result = subprocess.run(
        [sys.executable, "-c", _CONFIG_FROM_FLAGS, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text, _, loaded = result.stdout.strip().rpartition("\n")
    assert loaded == "no TF"
    return text, json.loads(text[text.index("{") :])


def test_the_starting_command_resumes_a_run_of_an_older_preset(tmp_path):
    # A `make demo` run started when the mnist preset applied R1 on every
    # step: the same command continues it with its own settings (and says
    # what changed), instead of refusing the workdir.
    saved = get_train_config(
        "mnist",
        dataset="mnist-sample",
        network={"num_classes": 10},
        r1_interval=1,
    )
    prepare_workdir(str(tmp_path), saved)
    text, config = _config_from_flags(
        "--preset=mnist",
        "--dataset=mnist-sample",
        "--conditional",
        f"--workdir={tmp_path}",
    )
    assert f"Continuing the run in {tmp_path}" in text
    assert (
        "The 'mnist' preset has changed since this run started; the run "
        "keeps its own settings:\n  r1_interval: 1 -> 4"
    ) in text
    assert "num_classes" not in text.split("{")[0]
    assert TrainConfig.from_dict(config) == saved


def test_another_preset_or_an_unreadable_config_does_not_resume(tmp_path):
    saved = get_train_config("mnist", dataset="mnist-sample")
    prepare_workdir(str(tmp_path), saved)
    text, config = _config_from_flags(
        "--preset=cifar10", f"--workdir={tmp_path}"
    )
    assert "Continuing" not in text
    assert config["preset"] == "cifar10"

    (tmp_path / "config.json").write_text("{not json")
    text, config = _config_from_flags("--preset=mnist", f"--workdir={tmp_path}")
    assert "Continuing" not in text
    assert TrainConfig.from_dict(config) == get_train_config("mnist")


def _run_with_a_checkpoint(path):
    """A run of one checkpoint, which keeps a copy of the configuration."""
    from keras_dcgan.training import workdir
    from tests.conftest import build_tiny_gan
    from tests.conftest import tiny_train_config

    config = tiny_train_config(dataset="mnist-sample")
    checkpoint = workdir.save_checkpoint(
        build_tiny_gan(compiled=True),
        str(path),
        2,
        {"step": 2, "train_config": config.to_dict()},
    )
    workdir.write_config(str(path), config.to_dict())
    return config, checkpoint


# Before: `keras-dcgan train --workdir=DIR` read config.json on its own:
# "error: Unterminated string starting at: line 13 column 29 (char 295)"
# (no file named), "Unknown training option(s)", or a changed batch_size
# taken as the user's and the run refused as "another configuration".
@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "",
        lambda text: '{"foo": 1}',
        lambda text: text.replace('"batch_size": 4', '"batch_size": 5'),
        None,  # config.json deleted
    ],
)
def test_workdir_alone_resumes_with_the_checkpoints_copy_of_the_config(
    tmp_path, damage
):
    config, checkpoint = _run_with_a_checkpoint(tmp_path)
    path = tmp_path / "config.json"
    if damage is None:
        path.unlink()
    else:
        path.write_text(damage(path.read_text()))
    text, resumed = _config_from_flags(f"--workdir={tmp_path}", "--epochs=2")
    assert (
        f"Continuing the run in {tmp_path} (the copy of its configuration "
        f"saved in {checkpoint})."
    ) in text
    assert TrainConfig.from_dict(resumed) == config.replace(epochs=2)
    # Only looked: training moves the damaged file aside, and warns.
    assert os.path.exists(path) == (damage is not None)
    assert not os.path.exists(f"{path}.damaged")


_ONEDNN_AFTER_RUN = """
from keras_dcgan.cli import main
try:
    main.run(["keras-dcgan", "sample", "--help"])
except SystemExit:
    pass
from keras_dcgan.training.trainer import onednn_enabled
print(onednn_enabled())
"""


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "True"), ("0", "False")]
)
def test_the_command_runs_tensorflow_with_onednn_kernels_unless_told(
    value, expected
):
    # TensorFlow's x86 builds leave them off on AVX2 CPUs, where they train
    # 1.1-2x faster (docs/performance.md); an explicit setting wins.
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = value
    result = subprocess.run(
        [sys.executable, "-c", _ONEDNN_AFTER_RUN],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_a_missing_tpu_is_named_in_flag_terms(tmp_path):
    """`--strategy=tpu` off a TPU host: the advice names --tpu, a flag the
    command has, and nothing is written."""
    result = _cli(
        "train",
        f"--workdir={tmp_path / 'run'}",
        "--dataset=mnist-sample",
        "--strategy=tpu",
        "--tpu=no-such-tpu",
    )
    assert result.returncode == 1, result.stderr
    assert "No TPU found for --tpu='no-such-tpu': " in result.stderr
    assert "set --tpu to the TPU's name or grpc:// address." in result.stderr
    assert ".." not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()
