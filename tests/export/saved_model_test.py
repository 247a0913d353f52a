"""Tests of the SavedModel export, without the TF Serving binary."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan.export import export_saved_model
from keras_dcgan.export import next_version
from keras_dcgan.models.presets import get_preset
from tests.export_helpers import randomize
from tests.export_helpers import to_uint8

LATENT_DIM = 8


@pytest.fixture(scope="module")
def gan(tiny_gan):
    gan = tiny_gan(latent_dim=LATENT_DIM, ema_decay=0.9)
    randomize(gan.generator, 1)
    randomize(gan.ema_generator, 2)
    return gan


@pytest.fixture(scope="module")
def exported(gan, tmp_path_factory):
    base = str(tmp_path_factory.mktemp("serving"))
    return export_saved_model(gan.sampling_generator, base)


@pytest.fixture(scope="module")
def loaded(exported):
    return tf.saved_model.load(exported)


def test_layout_is_base_name_version(gan, exported):
    base = os.path.dirname(os.path.dirname(exported))
    assert exported == os.path.join(base, "dcgan", "1")
    assert os.path.isfile(os.path.join(exported, "saved_model.pb"))
    # No staging directory is left behind.
    assert os.listdir(os.path.join(base, "dcgan")) == ["1"]


def test_versions_count_up_and_are_never_overwritten(gan, tmp_path):
    generator = gan.sampling_generator
    first = export_saved_model(generator, str(tmp_path), model_name="m")
    second = export_saved_model(generator, str(tmp_path), model_name="m")
    assert [os.path.basename(first), os.path.basename(second)] == ["1", "2"]
    explicit = export_saved_model(generator, str(tmp_path), "m", version=7)
    assert os.path.basename(explicit) == "7"
    assert next_version(str(tmp_path / "m")) == 8
    # The advice names the argument (it read "or pass False." before).
    with pytest.raises(
        FileExistsError,
        match=r"Version 7 already exists .* \(8\), or pass overwrite=True\.",
    ):
        export_saved_model(generator, str(tmp_path), "m", version=7)
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "2", "7"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_samples": 0}, ValueError, r"`max_samples` must be >= 1"),
        ({"version": 0}, ValueError, r"`version` must be >= 1; received 0"),
        ({"overwrite": "yes"}, ValueError, r"`overwrite` must be True or F"),
        ({"model_name": ""}, ValueError, r"`model_name` must be a non-empty"),
    ],
)
def test_bad_arguments_leave_no_directory(gan, tmp_path, kwargs, error, match):
    # max_samples=0 used to be refused only after the base directory was
    # made; overwrite="yes" read as True.
    base = tmp_path / "serving"
    with pytest.raises(error, match=match):
        export_saved_model(gan.sampling_generator, str(base), **kwargs)
    assert not base.exists()


def test_overwrite_replaces_the_version(gan, tmp_path):
    path = export_saved_model(gan.generator, str(tmp_path), version=3)
    export_saved_model(
        gan.ema_generator, str(tmp_path), version=3, overwrite=True
    )
    latents = np.random.default_rng(0).normal(size=(2, LATENT_DIM))
    latents = latents.astype("float32")
    served = tf.saved_model.load(path).signatures["serving_default"]
    images = served(latents=tf.constant(latents))["images"].numpy()
    expected = gan.ema_generator(latents, training=False)
    np.testing.assert_allclose(images, expected, atol=1e-5)
    assert os.listdir(tmp_path / "dcgan") == ["3"]


@pytest.mark.parametrize(
    ("version", "error", "match"),
    [
        (0, ValueError, "`version` must be >= 1; received 0"),
        (-2, ValueError, "`version` must be >= 1; received -2"),
        ("3", TypeError, "`version` must be an int >= 1 or None; received '3'"),
        (1.5, TypeError, "received 1.5"),
        (True, TypeError, "received True"),
    ],
)
def test_bad_version(gan, tmp_path, version, error, match):
    with pytest.raises(error, match=match):
        export_saved_model(
            gan.sampling_generator, str(tmp_path), version=version
        )


def test_paths_that_are_files(gan, tmp_path):
    base_file = tmp_path / "base"
    base_file.write_text("")
    with pytest.raises(FileExistsError, match="base' is a file"):
        export_saved_model(gan.sampling_generator, str(base_file))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "dcgan").write_text("")
    with pytest.raises(FileExistsError, match="dcgan' is a file"):
        export_saved_model(gan.sampling_generator, str(tmp_path / "b"))


def test_bad_model_name(gan, tmp_path):
    with pytest.raises(ValueError, match=r"received '\.\./up'"):
        export_saved_model(gan.sampling_generator, str(tmp_path), "../up")


def test_unbuilt_untrained_and_wrong_models(gan, tmp_path):
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(4)

        def call(self, latents):
            return self.dense(latents)

    with pytest.raises(ValueError, match="was never built"):
        export_saved_model(Subclassed(), str(tmp_path))
    with pytest.raises(TypeError, match=r"pass `gan\.sampling_generator`"):
        export_saved_model(object(), str(tmp_path))
    untrained = get_preset(
        "mnist", image_size=16, latent_dim=8, generator_filters=4
    ).build_generator()
    with pytest.raises(ValueError, match="looks untrained"):
        export_saved_model(untrained, str(tmp_path))
    assert not os.listdir(tmp_path)


def test_serving_default_matches_keras_at_any_batch(gan, loaded):
    serve = loaded.signatures["serving_default"]
    for batch in (1, 5):
        latents = np.random.default_rng(batch).normal(size=(batch, LATENT_DIM))
        latents = latents.astype("float32")
        images = serve(latents=tf.constant(latents))["images"].numpy()
        expected = gan.sampling_generator(latents, training=False).numpy()
        assert images.shape == (batch, 16, 16, 1)
        np.testing.assert_allclose(images, expected, atol=1e-5)


def test_exports_the_ema_generator_in_inference_mode(gan, loaded):
    latents = tf.random.normal([4, LATENT_DIM], seed=3)
    images = loaded.signatures["serving_default"](latents=latents)["images"]
    raw = gan.generator(latents, training=False)
    # The EMA copy is frozen (frozen batch norm ignores training=True), so
    # a trainable twin shows what training-mode batch norm would give.
    twin = type(gan.ema_generator).from_config(gan.ema_generator.get_config())
    twin.set_weights(gan.ema_generator.get_weights())
    trained_mode = twin(latents, training=True)
    assert np.abs(images - raw).max() > 0.05
    assert np.abs(images - trained_mode).max() > 0.05


def test_generate_uint8_reproduces_gan_generate(gan, loaded):
    generate = loaded.signatures["generate_uint8"]
    for seed, num in [(0, 3), (12345, 6)]:
        images = generate(
            seed=tf.constant(seed, tf.int64),
            num_samples=tf.constant(num, tf.int32),
        )["images"].numpy()
        expected = to_uint8(gan.generate(num, seed=seed))
        assert images.dtype == np.uint8
        assert images.shape == (num, 16, 16, 1)
        # Float differences between predict and the graph may flip a
        # rounding boundary, by one level at most.
        diff = np.abs(images.astype(int) - expected.astype(int))
        assert diff.max() <= 1
        assert np.mean(diff == 0) > 0.99
    again = generate(seed=tf.constant(0, tf.int64), num_samples=tf.constant(3))
    other = generate(seed=tf.constant(1, tf.int64), num_samples=tf.constant(3))
    first = generate(seed=tf.constant(0, tf.int64), num_samples=tf.constant(3))
    np.testing.assert_array_equal(again["images"], first["images"])
    assert np.any(other["images"].numpy() != first["images"].numpy())


def test_generate_png_decodes_to_generate_uint8(loaded):
    inputs = {
        "seed": tf.constant(7, tf.int64),
        "num_samples": tf.constant(4, tf.int32),
    }
    pngs = loaded.signatures["generate_png"](**inputs)["png_bytes"].numpy()
    images = loaded.signatures["generate_uint8"](**inputs)["images"].numpy()
    assert pngs.shape == (4,)
    for png, image in zip(pngs, images, strict=True):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), image)


def test_wrong_latent_width_is_an_error(loaded):
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"latents must have shape \[batch, 8\].*\[9\]",
    ):
        loaded.signatures["serving_default"](latents=tf.zeros([2, 9]))


@pytest.mark.parametrize(
    ("num", "match"),
    [(0, "num_samples must be at least 1"), (1025, "at most 1024")],
)
def test_num_samples_out_of_range_is_an_error(loaded, num, match):
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        loaded.signatures["generate_uint8"](
            seed=tf.constant(0, tf.int64), num_samples=tf.constant(num)
        )


def test_tf1_loader_runs_every_signature(gan, exported):
    """The C++ server's path: a TF1 session on the signature tensors."""
    latents = np.random.default_rng(5).normal(size=(3, LATENT_DIM))
    latents = latents.astype("float32")
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], exported)
        signatures = meta.signature_def
        assert set(signatures) >= {
            "serving_default",
            "generate_uint8",
            "generate_png",
        }
        serve = signatures["serving_default"]
        images = sess.run(
            serve.outputs["images"].name,
            {serve.inputs["latents"].name: latents},
        )
        seeded = signatures["generate_uint8"]
        uint8 = sess.run(
            seeded.outputs["images"].name,
            {
                seeded.inputs["seed"].name: 11,
                seeded.inputs["num_samples"].name: 2,
            },
        )
        with pytest.raises(ValueError, match=r"Cannot feed value of shape"):
            sess.run(
                serve.outputs["images"].name,
                {serve.inputs["latents"].name: np.zeros((2, 9), "float32")},
            )
    expected = gan.sampling_generator(latents, training=False).numpy()
    np.testing.assert_allclose(images, expected, atol=1e-5)
    diff = np.abs(uint8.astype(int) - to_uint8(gan.generate(2, seed=11)))
    assert diff.max() <= 1


def _saved_model_cli(*args):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [cli, *args], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_saved_model_cli_show_and_run(gan, exported, tmp_path):
    shown = _saved_model_cli("show", "--all", "--dir", exported)
    for text in [
        "signature_def['serving_default']",
        "signature_def['generate_uint8']",
        "signature_def['generate_png']",
        "inputs['latents'] tensor_info:\n        dtype: DT_FLOAT\n"
        "        shape: (-1, 8)",
        "inputs['seed'] tensor_info:\n        dtype: DT_INT64\n"
        "        shape: ()",
        "outputs['png_bytes'] tensor_info:\n        dtype: DT_STRING\n"
        "        shape: (-1)",
        "outputs['images'] tensor_info:\n        dtype: DT_UINT8\n"
        "        shape: (-1, 16, 16, 1)",
    ]:
        assert text in shown
    latents = np.linspace(-2, 2, 16, dtype=np.float32).reshape(2, 8)
    np.save(tmp_path / "latents.npy", latents)
    _saved_model_cli(
        "run",
        "--dir",
        exported,
        "--tag_set",
        "serve",
        "--signature_def",
        "serving_default",
        "--inputs",
        f"latents={tmp_path / 'latents.npy'}",
        "--outdir",
        str(tmp_path),
    )
    images = np.load(tmp_path / "images.npy")
    expected = gan.sampling_generator(latents, training=False).numpy()
    np.testing.assert_allclose(images, expected, atol=1e-5)
