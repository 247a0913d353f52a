"""DCGAN.fit trains on real batches only, and only on images in [-1, 1]."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN

TINY = {
    "image_size": 16,
    "latent_dim": 8,
    "generator_filters": 4,
    "discriminator_filters": 4,
}


def _gan():
    keras.utils.set_random_seed(0)  # the same initial weights each time
    gan = DCGAN.from_preset("mnist", seed=0, **TINY)
    gan.compile()
    return gan


def _images(count=12):
    rng = np.random.default_rng(0)
    return (rng.random((count, 16, 16, 1)) * 2 - 1).astype("float32")


def test_unknown_length_data_gives_one_update_per_real_batch():
    images = _images()
    known = tf.data.Dataset.from_tensor_slices(images).batch(4)
    # `filter` hides the length: Keras runs until the iterator ends.
    unknown = known.unbatch().filter(lambda image: True).batch(4)
    assert int(unknown.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    gans = {}
    for name, dataset in (("known", known), ("unknown", unknown)):
        gans[name] = _gan()
        gans[name].fit(dataset, epochs=2, verbose=0)
    for gan in gans.values():
        assert int(gan.g_optimizer.iterations.numpy()) == 6
        assert int(gan.d_optimizer.iterations.numpy()) == 6
    # Same noise draws, same batch-norm statistics, same weights.
    for a, b in zip(
        gans["known"].variables, gans["unknown"].variables, strict=True
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_an_empty_dataset_changes_nothing():
    gan = _gan()
    before = [variable.numpy() for variable in gan.variables]
    empty = tf.data.Dataset.from_tensor_slices(_images()[:0]).batch(4)
    gan.fit(empty.filter(lambda image: True), epochs=2, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 0
    for value, variable in zip(before, gan.variables, strict=True):
        np.testing.assert_array_equal(value, variable.numpy())


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.full((8, 16, 16, 1), 200, np.uint8), "dtype uint8"),
        (np.full((8, 16, 16, 1), 200.0, np.float32), r"span \[200, 200\]"),
        (np.full((8, 16, 16, 1), np.nan, np.float32), "NaN"),
    ],
    ids=["uint8", "float_0_255", "nan"],
)
@pytest.mark.parametrize("as_dataset", [False, True], ids=["array", "dataset"])
def test_images_outside_minus_one_one_are_refused(images, match, as_dataset):
    x = images
    if as_dataset:
        x = tf.data.Dataset.from_tensor_slices(images).batch(4)
    gan = _gan()
    with pytest.raises(ValueError, match=match):
        gan.fit(x, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 0


def test_images_in_zero_one_warn():
    images = (_images(8) + 1) / 2
    with pytest.warns(UserWarning, match=r"\[0, 1\] instead of \[-1, 1\]"):
        _gan().fit(images, batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("labelled", [False, True])
def test_a_later_batch_with_nan_or_inf_stops_fit_clearly(bad, labelled):
    # Before: only the first batch was checked, and fit trained on NaN.
    images = _images(12)
    images[9, 2, 3, 0] = bad  # the third batch of 4
    data = tf.data.Dataset.from_tensor_slices(images)
    gan = _gan()
    if labelled:
        gan = DCGAN.from_preset("mnist", seed=0, num_classes=3, **TINY)
        gan.compile()
        labels = tf.data.Dataset.from_tensor_slices(np.arange(12) % 3)
        data = tf.data.Dataset.zip((data, labels))
    with pytest.raises(
        ValueError,
        match=r"A batch of the training data holds NaN or inf pixel values "
        r"\(training stopped after 2 generator steps, before using it\)",
    ):
        gan.fit(data.batch(4), epochs=1, verbose=0)
    assert all(np.isfinite(w).all() for w in gan.generator.get_weights())
