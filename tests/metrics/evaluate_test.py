"""Tests of streaming evaluation, reference caching and the CLI command."""

import json
import os
import re

import numpy as np
import pytest

from keras_dcgan.errors import OptionError
from keras_dcgan.metrics import DomainClassifier
from keras_dcgan.metrics import classifier_extractor
from keras_dcgan.metrics import compare
from keras_dcgan.metrics import compute_statistics
from keras_dcgan.metrics import evaluate_gan
from keras_dcgan.metrics import frechet_distance
from keras_dcgan.metrics import generated_batches
from keras_dcgan.metrics import keras_extractor
from keras_dcgan.metrics import reference_statistics
from keras_dcgan.metrics import summarize
from keras_dcgan.training import evaluate_workdir
from keras_dcgan.training import workdir as workdir_lib

SIZE = 16


def tiny_classifier():
    return DomainClassifier(
        image_size=SIZE, channels=1, num_classes=4, filters=4, feature_dim=8
    )


def real_images(count=96, seed=0):
    rng = np.random.default_rng(seed)
    # Blobs of random brightness: a distribution unlike an untrained GAN's.
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    centers = rng.uniform(4, 12, size=(count, 2))
    blobs = np.exp(
        -((y - centers[:, :1, None]) ** 2 + (x - centers[:, 1:, None]) ** 2)
        / 8.0
    )
    return (blobs * 2 - 1).astype("float32")[..., None]


def batches(images, batch_size=32):
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size]


def test_summarize_streams_the_same_statistics_as_one_pass():
    extractor = classifier_extractor(tiny_classifier(), batch_size=16)
    images = real_images(90)
    summary = summarize(batches(images, 32), extractor, num_samples=70)
    features, probabilities = extractor(images[:70])
    expected = compute_statistics(features)
    assert summary.statistics.count == 70
    np.testing.assert_allclose(
        summary.statistics.mean, expected.mean, atol=1e-5
    )
    np.testing.assert_allclose(
        summary.statistics.covariance, expected.covariance, atol=1e-5
    )
    assert summary.class_counts.sum() == 70
    np.testing.assert_array_equal(
        summary.class_counts, np.bincount(probabilities.argmax(1), minlength=4)
    )
    assert summary.statistics.extractor == extractor.identity


def test_summarize_accepts_labelled_batches_and_warns_when_data_runs_out():
    extractor = classifier_extractor(tiny_classifier())
    images = real_images(40)
    labelled = ((batch, np.zeros(len(batch))) for batch in batches(images))
    with pytest.warns(UserWarning, match="ran out after 40"):
        summary = summarize(labelled, extractor, num_samples=100)
    assert summary.statistics.count == 40


def test_generated_batches_reproduce_generate(tiny_gan):
    gan = tiny_gan()
    streamed = np.concatenate(
        list(generated_batches(gan, 10, seed=3, batch_size=4))
    )
    np.testing.assert_allclose(streamed, gan.generate(10, seed=3), atol=1e-5)


def test_real_against_itself_scores_perfectly_and_the_gan_does_not(tiny_gan):
    extractor = classifier_extractor(tiny_classifier())
    images = real_images(96)
    reference = reference_statistics(batches(images), extractor, 96)
    itself = compare(
        reference,
        summarize(batches(images), extractor, 96),
        kid_subsets=5,
        kid_subset_size=48,
    )
    assert itself["fid"] == pytest.approx(0.0, abs=1e-6)
    assert itself["precision"] == itself["recall"] == 1.0
    gan = tiny_gan()
    gan_metrics = evaluate_gan(
        gan, reference, extractor, num_samples=96, batch_size=32
    )
    assert gan_metrics["fid"] > 100 * max(itself["fid"], 1e-6)
    assert gan_metrics["kid"] > 3 * gan_metrics["kid_std"]
    assert set(gan_metrics) >= {
        "fid",
        "kid",
        "kid_std",
        "precision",
        "recall",
        "checkerboard",
        "inception_score",
        "inception_score_std",
        "mode_coverage",
    }
    assert 1.0 <= gan_metrics["inception_score"] <= 4.0
    assert gan_metrics["num_generated"] == gan_metrics["num_real"] == 96
    # The same seed gives the same numbers.
    again = evaluate_gan(
        gan, reference, extractor, num_samples=96, batch_size=32
    )
    assert again["fid"] == pytest.approx(gan_metrics["fid"], rel=1e-6)


def test_reference_statistics_are_cached_and_tied_to_their_extractor(
    tmp_path,
):
    extractor = classifier_extractor(tiny_classifier())
    cache = str(tmp_path / "ref.npz")
    first = reference_statistics(
        batches(real_images(64)), extractor, 64, cache_path=cache
    )

    def unread():
        raise AssertionError("the cache should have been used")
        yield

    second = reference_statistics(unread(), extractor, 64, cache_path=cache)
    np.testing.assert_array_equal(first.covariance, second.covariance)
    np.testing.assert_array_equal(first.sample, second.sample)
    other = classifier_extractor(tiny_classifier())
    assert other.identity != extractor.identity
    with pytest.raises(ValueError, match="computed with extractor"):
        reference_statistics(unread(), other, 64, cache_path=cache)


def test_compare_refuses_features_of_another_extractor():
    images = real_images(40)
    a = classifier_extractor(tiny_classifier())
    b = classifier_extractor(tiny_classifier())
    reference = reference_statistics(batches(images), a, 40)
    with pytest.raises(ValueError, match="different feature extractors"):
        compare(reference, summarize(batches(images), b, 40))
    stats_a = summarize(batches(images), a, 40).statistics
    stats_b = summarize(batches(images), b, 40).statistics
    with pytest.raises(ValueError, match="different feature extractors"):
        frechet_distance(stats_a, stats_b)


def test_any_keras_model_as_extractor_has_no_inception_score(tiny_gan):
    import keras

    inputs = keras.Input((SIZE, SIZE, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(
        keras.layers.Conv2D(4, 3, strides=2)(inputs)
    )
    extractor = keras_extractor(keras.Model(inputs, pooled))
    images = real_images(48)
    reference = reference_statistics(batches(images), extractor, 48)
    metrics = evaluate_gan(tiny_gan(), reference, extractor, num_samples=48)
    assert "inception_score" not in metrics
    assert metrics["fid"] > 0


def test_evaluate_command_prints_and_writes_json(tmp_path, tiny_gan, cli):
    gan = tiny_gan()
    gan.compile()
    workdir = str(tmp_path / "run")
    workdir_lib.save_checkpoint(gan, workdir, 7, {"step": 7, "epoch": 1})
    data = str(tmp_path / "real.npy")
    # 70 images in batches of 32: the last, partial batch must count too.
    np.save(data, ((real_images(70) + 1) * 127.5).astype("uint8"))
    classifier_path = str(tmp_path / "classifier.keras")
    tiny_classifier().save(classifier_path)
    completed = cli(
        "evaluate",
        f"--workdir={workdir}",
        f"--dataset={data}",
        "--num_samples=70",
        f"--extractor=classifier:{classifier_path}",
        "--batch_size=32",
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    with open(os.path.join(workdir, "evaluation.json")) as f:
        written = json.load(f)
    printed = json.loads(completed.stdout[completed.stdout.index("{") :])
    assert printed == written
    assert written["step"] == 7
    assert written["num_generated"] == written["num_real"] == 70
    assert written["extractor"].startswith("classifier:")
    assert written["fid"] > 0
    assert os.listdir(os.path.join(workdir, "eval"))


def test_evaluate_workdir_names_a_missing_dataset_before_the_extractor(
    tmp_path, tiny_gan
):
    # Before: the extractor loaded first, so offline the missing Inception
    # weights were reported and the wrong --dataset only after they came.
    gan = tiny_gan()
    gan.compile()
    workdir = str(tmp_path / "run")
    workdir_lib.save_checkpoint(gan, workdir, 1, {"step": 1, "epoch": 1})
    missing = str(tmp_path / "no-such-images")
    expected = f"Unknown dataset or source {missing!r}"
    with pytest.raises(ValueError, match=re.escape(expected)):
        evaluate_workdir(workdir, missing, extractor="inception:/no/such.h5")


def test_evaluate_workdir_reports_a_missing_weights_file(tmp_path, tiny_gan):
    gan = tiny_gan()
    gan.compile()
    workdir = str(tmp_path / "run")
    workdir_lib.save_checkpoint(gan, workdir, 1, {"step": 1, "epoch": 1})
    with pytest.raises(FileNotFoundError, match=r"such\.h5' does not exist"):
        evaluate_workdir(
            workdir,
            "mnist-sample",
            extractor="inception:/no/such.h5",
            allow_conversion=True,
        )


def test_another_image_shape_names_allow_conversion(tmp_path, tiny_gan):
    # Before: `allow_conversion=True` on the command line, which had no
    # such flag.
    gan = tiny_gan()
    gan.compile()
    workdir = str(tmp_path / "run")
    workdir_lib.save_checkpoint(gan, workdir, 1, {"step": 1, "epoch": 1})
    with pytest.raises(OptionError) as caught:
        evaluate_workdir(workdir, "mnist-sample")
    assert str(caught.value).endswith(
        "or pass allow_conversion=True to convert them anyway."
    )
    assert (
        "The model makes 16x16x1 images but 'mnist-sample' holds "
        "28x28x1 ones" in str(caught.value)
    )
    assert caught.value.for_flags().endswith(
        "or pass --allow_conversion to convert them anyway."
    )
