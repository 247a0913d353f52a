"""DCGAN.fit and DCGAN(): what they train on is checked against the networks
before training, in the words of their arguments."""

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN


def _images(count=8, size=16, channels=1):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (count, size, size, channels)).astype("float32")


def _fit(gan, *args, **kwargs):
    return gan.fit(*args, batch_size=4, epochs=1, verbose=0, **kwargs)


def test_no_images_is_named(tiny_gan):
    gan = tiny_gan(compiled=True)
    with pytest.raises(ValueError, match=r"`fit` needs training images `x`"):
        gan.fit()


@pytest.mark.parametrize(
    ("images", "shown"),
    [
        (_images(size=28), r"\(8, 28, 28, 1\)"),
        (_images(channels=3), r"\(8, 16, 16, 3\)"),
        (_images()[..., 0], r"\(8, 16, 16\)"),
    ],
)
def test_images_of_another_shape_name_both_shapes(tiny_gan, images, shown):
    gan = tiny_gan(compiled=True)
    weights = gan.get_weights()
    with pytest.raises(
        ValueError,
        match=rf"The images `x` have shape {shown}; this DCGAN's networks "
        r"take images of shape \(None, 16, 16, 1\)",
    ):
        _fit(gan, images)
    for before, after in zip(weights, gan.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_a_dataset_of_another_shape_or_unbatched_is_refused(tiny_gan):
    gan = tiny_gan(compiled=True)
    wrong = tf.data.Dataset.from_tensor_slices(_images(size=32)).batch(4)
    with pytest.raises(ValueError, match=r"dataset's images have shape"):
        gan.fit(wrong, verbose=0)
    unbatched = tf.data.Dataset.from_tensor_slices(_images())
    with pytest.raises(ValueError, match=r"must be batched"):
        gan.fit(unbatched, verbose=0)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 1, 2, 5] * 2), r"`y` must be class ids in \[0, 3\); "),
        (np.array([0, -1] * 4), r"received \[-1\]"),
        (np.array([0.0, 1.5] * 4), r"`y` must be an int or a 1-D array"),
        (np.arange(6) % 3, r"Expected 8 labels in `y` \(one per image\)"),
    ],
)
def test_labels_that_are_not_class_ids_are_refused(tiny_gan, labels, message):
    gan = tiny_gan(num_classes=3, compiled=True)
    with pytest.raises(ValueError, match=message):
        _fit(gan, _images(), labels)
    assert int(gan.g_optimizer.iterations.numpy()) == 0


def test_keras_datasets_column_labels_train(tiny_gan):
    gan = tiny_gan(num_classes=3, compiled=True)
    labels = (np.arange(8) % 3).reshape(8, 1)  # as keras.datasets gives them
    _fit(gan, _images(), labels)
    assert int(gan.g_optimizer.iterations.numpy()) == 2


def test_dataset_labels_out_of_range_stop_training_with_a_message(tiny_gan):
    gan = tiny_gan(num_classes=3, compiled=True)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 7])
    data = tf.data.Dataset.from_tensor_slices((_images(), labels)).batch(4)
    with pytest.raises(
        ValueError,
        match=r"labels outside \[0, 3\).*after 1 generator steps",
    ):
        gan.fit(data, verbose=0)
    negative = tf.data.Dataset.from_tensor_slices(
        (_images(), np.array([0, -1] * 4))
    ).batch(4)
    with pytest.raises(ValueError, match=r"labels outside \[0, 3\)"):
        gan.fit(negative, verbose=0)
    floats = tf.data.Dataset.from_tensor_slices(
        (_images(), np.ones(8, "float32"))
    ).batch(4)
    with pytest.raises(ValueError, match=r"labels have dtype .*float32"):
        gan.fit(floats, verbose=0)


@pytest.mark.parametrize("as_x", [False, True])
def test_an_unconditional_gan_refuses_labels(tiny_gan, as_x):
    # Before: trained and dropped the labels without a word, so a user who
    # forgot `num_classes` got an unconditional model.
    gan = tiny_gan(compiled=True)
    labels = np.arange(8) % 2
    args = ((_images(), labels),) if as_x else (_images(), labels)
    with pytest.raises(
        ValueError,
        match=r"`fit` got labels .* this DCGAN is unconditional "
        r"\(`num_classes` is None\) and would ignore them",
    ):
        _fit(gan, *args)
    assert int(gan.g_optimizer.iterations.numpy()) == 0


def test_an_unconditional_gan_warns_about_a_datasets_labels(tiny_gan):
    gan = tiny_gan(compiled=True)
    pairs = tf.data.Dataset.from_tensor_slices(
        (_images(), np.arange(8) % 2)
    ).batch(4)
    with pytest.warns(UserWarning, match=r"ignores the rest"):
        gan.fit(pairs, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 2


@pytest.mark.parametrize("seed", [True, 1.5, "7", 2**70])
def test_a_bad_seed_is_named(tiny_gan, seed):
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"`seed` must be an int"):
        DCGAN(gan.generator, gan.discriminator, seed=seed)


def test_a_numpy_seed_counts_like_an_int(tiny_gan):
    gan = tiny_gan()
    model = DCGAN(gan.generator, gan.discriminator, seed=np.int64(3))
    assert model.get_config()["seed"] == 3
    assert type(model.get_config()["seed"]) is int
