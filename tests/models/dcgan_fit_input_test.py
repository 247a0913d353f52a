"""DCGAN.fit's handling of its inputs: tf.data autotuning and array batches.

TensorFlow 2.21 destroys a tf.data iterator only after its autotuning
thread's next wake-up (up to a minute), so `fit` trains on datasets without
autotuning (`keras_dcgan.tfdata`). Arrays become such a dataset, with
Keras's batches: in order, or reshuffled every epoch (which Keras 3.15's
own array batches are not once a global seed is set).
"""

import contextlib
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import DCGAN
from keras_dcgan import tfdata
from keras_dcgan.metrics import evaluate as evaluate_lib
from tests.conftest import TINY_NETWORK


def _gan():
    keras.utils.set_random_seed(0)  # the same initial weights each time
    gan = DCGAN.from_preset("mnist", seed=0, **TINY_NETWORK)
    gan.compile()
    return gan


def _images(count=12):
    rng = np.random.default_rng(0)
    return (rng.random((count, 16, 16, 1)) * 2 - 1).astype("float32")


@pytest.fixture
def keras_fit_inputs(monkeypatch):
    """The `x` and keyword arguments each `keras.Model.fit` call received."""
    calls = []
    original = keras.Model.fit

    def spy(self, x=None, y=None, *args, **kwargs):
        calls.append((x, y, kwargs))
        return original(self, x, y, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    return calls


def test_without_autotuning_turns_it_off_unless_the_dataset_sets_it():
    data = tf.data.Dataset.range(4).prefetch(tf.data.AUTOTUNE)
    assert data.options().autotune.enabled is None  # unset: on
    off = tfdata.without_autotuning(data)
    assert off.options().autotune.enabled is False
    assert list(off.as_numpy_iterator()) == [0, 1, 2, 3]
    for chosen in (True, False):
        options = tf.data.Options()
        options.autotune.enabled = chosen
        kept = tfdata.without_autotuning(data.with_options(options))
        assert kept.options().autotune.enabled is chosen


def test_fit_trains_on_a_dataset_without_autotuning(keras_fit_inputs):
    dataset = tf.data.Dataset.from_tensor_slices(_images()).batch(4)
    gan = _gan()
    with warnings.catch_warnings():
        # Keras's default shuffle=True would warn that a dataset cannot be
        # shuffled; DCGAN.fit leaves a dataset's order to the dataset.
        warnings.simplefilter("error")
        gan.fit(dataset.prefetch(tf.data.AUTOTUNE), epochs=2, verbose=0)
    ((x, _, kwargs),) = keras_fit_inputs
    assert x.options().autotune.enabled is False
    assert kwargs["shuffle"] is False
    assert int(gan.g_optimizer.iterations.numpy()) == 6


def test_fit_keeps_autotuning_a_dataset_asks_for(keras_fit_inputs):
    options = tf.data.Options()
    options.autotune.enabled = True
    dataset = tf.data.Dataset.from_tensor_slices(_images()).batch(4)
    _gan().fit(dataset.with_options(options), epochs=1, verbose=0)
    ((x, _, _),) = keras_fit_inputs
    assert x.options().autotune.enabled is True


@pytest.mark.parametrize("labelled", [False, True])
def test_arrays_train_exactly_as_keras_batches_them(labelled, keras_fit_inputs):
    images = _images(10)  # 3 batches of 4: the last one partial
    labels = np.arange(10) % 3 if labelled else None
    extra = {"num_classes": 3} if labelled else {}

    def trained(fit):
        keras.utils.set_random_seed(0)
        gan = DCGAN.from_preset("mnist", seed=0, **TINY_NETWORK, **extra)
        gan.compile()
        seen = keras.callbacks.Callback()  # Keras sets its `params`
        fit(
            gan,
            images,
            labels,
            batch_size=4,
            epochs=2,
            shuffle=False,
            verbose=0,
            callbacks=[seen],
        )
        return gan, seen.params["steps"]

    ours, our_steps = trained(DCGAN.fit)
    x, y, kwargs = keras_fit_inputs[-1]
    assert isinstance(x, tf.data.Dataset)
    assert y is None
    assert x.options().autotune.enabled is False
    assert "batch_size" not in kwargs
    keras_own, keras_steps = trained(keras.Model.fit)
    assert our_steps == keras_steps == 3  # the progress bar's total
    assert int(ours.g_optimizer.iterations.numpy()) == 6
    for a, b in zip(ours.variables, keras_own.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_shuffled_arrays_see_every_image_once_an_epoch_in_a_new_order():
    # _gan() sets the global seed, under which Keras 3.15's own array
    # batches repeat the first epoch's order in every epoch.
    # Each image carries its index in every pixel; a step records its batch.
    images = np.repeat(np.linspace(-1, 1, 12, dtype="float32"), 16 * 16)
    images = images.reshape(12, 16, 16, 1)
    gan = _gan()
    seen = []
    train_step = gan.train_step

    def recording_step(data):
        batch = data[0] if isinstance(data, (tuple, list)) else data
        seen.append(batch[:, 0, 0, 0].numpy())
        return train_step(data)

    gan.train_step = recording_step
    gan.run_eagerly = True
    gan.fit(images, batch_size=4, epochs=3, verbose=0)
    epochs = [np.concatenate(seen[i : i + 3]) for i in (0, 3, 6)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), images[:, 0, 0, 0])
    assert not np.array_equal(epochs[0], images[:, 0, 0, 0])
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"class_weight": {0: 1.0}},
        {"sample_weight": np.ones(12, "float32")},
        {"shuffle": "batch"},
        {"steps_per_epoch": 2},
    ],
)
def test_arrays_with_array_only_arguments_stay_with_keras(
    kwargs, keras_fit_inputs
):
    gan = _gan()
    # Whatever Keras makes of the argument, it got the arrays.
    with contextlib.suppress(ValueError, TypeError, IndexError):
        gan.fit(_images(), batch_size=4, epochs=1, verbose=0, **kwargs)
    ((x, _, _),) = keras_fit_inputs
    assert isinstance(x, np.ndarray)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"validation_split": 0.25},
        {"validation_data": np.zeros((4, 16, 16, 1), "float32")},
    ],
)
def test_validation_is_refused_before_training(kwargs):
    gan = _gan()
    name = next(iter(kwargs))
    with pytest.raises(
        ValueError, match=f"`fit` got `{name}`. A GAN has no test loss"
    ):
        gan.fit(_images(), batch_size=4, epochs=1, verbose=0, **kwargs)
    assert gan.g_optimizer.iterations.numpy() == 0


def test_evaluate_says_how_to_score_a_gan():
    gan = _gan()
    with pytest.raises(NotImplementedError, match="evaluate_gan"):
        gan.evaluate(_images(), batch_size=4, verbose=0)


def test_feature_summaries_read_datasets_without_autotuning(monkeypatch):
    wrapped = []

    def spy(dataset):
        wrapped.append(dataset)
        return dataset

    monkeypatch.setattr(tfdata, "without_autotuning", spy)

    class Extractor:
        identity = "test"
        has_probabilities = False

        def __call__(self, images):
            return np.asarray(images).reshape(len(images), -1)[:, :4], None

    dataset = tf.data.Dataset.from_tensor_slices(_images()).batch(4)
    summary = evaluate_lib.summarize(dataset, Extractor(), num_samples=12)
    assert wrapped == [dataset]
    assert summary.statistics.count == 12


@pytest.mark.parametrize("num_classes", [None, 3])
def test_generate_predicts_keras_outputs_from_a_dataset_without_autotuning(
    num_classes, monkeypatch
):
    keras.utils.set_random_seed(0)
    gan = DCGAN.from_preset(
        "mnist", seed=0, num_classes=num_classes, **TINY_NETWORK
    )
    model = gan.sampling_generator
    latents = np.random.default_rng(1).normal(size=(70, 8)).astype("float32")
    inputs = latents if num_classes is None else [latents, np.arange(70) % 3]
    expected = model.predict(inputs, batch_size=64, verbose=0)
    received = []
    original = keras.Model.predict

    def spy(self, x, *args, **kwargs):
        received.append(x)
        return original(self, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", spy)
    np.testing.assert_array_equal(tfdata.predict(model, inputs), expected)
    (x,) = received
    assert isinstance(x, tf.data.Dataset)
    assert x.options().autotune.enabled is False
    labels = None if num_classes is None else inputs[1]
    via_generate = gan.generate(70, labels=labels, seed=0)
    assert via_generate.shape == (70, 16, 16, 1)
    assert len(received) == 2
