"""The pipeline: preprocessing, determinism, caching, flips, distribution."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import data
from keras_dcgan.data import preprocess


def first_batch(dataset):
    return tf.nest.map_structure(np.asarray, next(iter(dataset)))


def epoch(dataset):
    return np.concatenate([np.asarray(batch) for batch in dataset])


def digits(count=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (count, 28, 28, 1), dtype=np.uint8)


# --- Preprocessing functions --------------------------------------------------


def test_to_channels():
    gray = tf.constant(np.arange(4, dtype=np.float32).reshape(2, 2, 1))
    rgb = preprocess.to_channels(gray, 3)
    np.testing.assert_array_equal(rgb, np.repeat(gray, 3, axis=-1))
    back = preprocess.to_channels(rgb, 1)
    np.testing.assert_allclose(back, gray, atol=1e-3)
    red = tf.constant([[[255.0, 0.0, 0.0]]])
    np.testing.assert_allclose(preprocess.to_channels(red, 1), [[[76.2]]], 0.01)


def test_center_crop_static_and_dynamic():
    image = np.arange(5 * 3, dtype=np.float32).reshape(5, 3, 1)
    expected = image[1:4]
    np.testing.assert_array_equal(preprocess.center_crop(image), expected)
    dynamic = tf.function(
        preprocess.center_crop,
        input_signature=[tf.TensorSpec([None, None, 1])],
    )
    np.testing.assert_array_equal(dynamic(image), expected)


def test_area_resize_averages_blocks():
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    shrunk = preprocess.resize(image, 2, "area")
    blocks = image.reshape(2, 2, 2, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(shrunk[..., 0], blocks)


def test_pad_and_normalize():
    padded = preprocess.pad(tf.ones([2, 3, 1]), 5, -1.0).numpy()[..., 0]
    assert padded.shape == (5, 5)
    np.testing.assert_array_equal(padded[1:3, 1:4], 1.0)
    assert padded.sum() == 6 - (25 - 6)
    normalized = preprocess.normalize(tf.constant([0.0, 0.5, 1.0]), (0, 1))
    np.testing.assert_allclose(normalized, [-1, 0, 1])


def test_random_flip_is_seeded_and_mirrors():
    images = tf.constant(
        np.arange(64 * 4, dtype=np.float32).reshape(64, 2, 2, 1)
    )
    once = preprocess.random_flip(images, tf.constant([1, 2])).numpy()
    again = preprocess.random_flip(images, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(once, again)
    mirrored = images.numpy()[:, :, ::-1]
    flipped = np.all(once == mirrored, axis=(1, 2, 3))
    kept = np.all(once == images.numpy(), axis=(1, 2, 3))
    assert np.all(flipped | kept)
    assert 16 < flipped.sum() < 48


# --- load(): sizes ------------------------------------------------------------


def test_pad_28_to_32():
    images = digits(4)
    batch = first_batch(
        data.load(
            images, image_size=32, resize="pad", batch_size=4, shuffle=False
        )
    )
    assert batch.shape == (4, 32, 32, 1)
    np.testing.assert_allclose(
        batch[:, 2:30, 2:30], images / 127.5 - 1, atol=1e-6
    )
    border = np.ones([32, 32], bool)
    border[2:30, 2:30] = False
    np.testing.assert_array_equal(batch[:, border], -1.0)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "lanczos3"])
def test_enlarging_with_a_method_stays_in_range(method):
    batch = first_batch(
        data.load(digits(4), image_size=64, resize=method, batch_size=4)
    )
    assert batch.shape == (4, 64, 64, 1)
    assert batch.min() >= -1
    assert batch.max() <= 1


def test_shrink_to_grayscale_rgb():
    batch = first_batch(
        data.load(digits(4), image_size=14, channels=3, batch_size=4)
    )
    assert batch.shape == (4, 14, 14, 3)
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])


def test_non_square_crop_or_stretch():
    images = np.zeros([4, 20, 12, 3], np.uint8)
    images[:, 4:16] = 255
    cropped = first_batch(data.load(images, batch_size=4))
    assert cropped.shape == (4, 12, 12, 3)
    np.testing.assert_array_equal(cropped, 1.0)
    with pytest.raises(ValueError, match=r"are 20x12, not square"):
        data.load(images, batch_size=4, crop=False)
    stretched = first_batch(
        data.load(images, image_size=10, crop=False, batch_size=4)
    )
    assert stretched.shape == (4, 10, 10, 3)
    assert stretched.min() == -1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image_size": 64}, r"image_size=64 would enlarge .* 2.3x"),
        ({"image_size": 16, "resize": "pad"}, r"padding only grows"),
        ({"image_size": 0}, r"image_size"),
        ({"channels": 2}, r"`channels` must be 1 .* received 2"),
        ({"resize": "cubic"}, r"Unknown resize 'cubic'; expected one of"),
        ({"batch_size": 33}, r"batch_size=33 is larger than the 32"),
        ({"cache": ""}, r"`cache` must be 'auto', 'memory', None"),
        # A string would read as True, 1 as True: refused, not guessed.
        ({"shuffle": "no"}, r"`shuffle` must be True or False; received 'no'"),
        ({"flip": "yes"}, r"`flip` must be True or False; received 'yes'"),
        ({"crop": "false"}, r"`crop` must be True or False; received 'false'"),
        ({"with_labels": 1}, r"`with_labels` must be True or False; .* 1\."),
        ({"seed": "a"}, r"`seed` must be an int .* or None; received 'a'"),
        ({"seed": 1.5}, r"`seed` must be an int .* received 1.5"),
        ({"seed": 2**64}, r"`seed` must be an int \(a 64-bit"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load(digits(32), **{"batch_size": 4, **kwargs})


def test_numpy_seed_is_accepted():
    images = first_batch(data.load(digits(32), batch_size=4, seed=np.int64(3)))
    assert images.shape == (4, 28, 28, 1)


def test_unwritable_cache_prefix_fails_before_reading(tmp_path):
    # Before: a tf.errors.NotFoundError at the first batch, deep in tf.data.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    prefix = str(blocker / "cache")
    with pytest.raises(PermissionError, match=r"cache='.*file/cache' cannot"):
        data.load(digits(32), batch_size=4, cache=prefix)


@pytest.mark.parametrize("source", ["", "  "])
def test_empty_source_is_not_the_current_folder(source, tmp_path, monkeypatch):
    # pathlib reads "" as ".": it used to load whatever images the current
    # folder held.
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match=rf"The source '{source}' is empty"):
        data.load(source, batch_size=1)


def test_tfds_prefix_without_a_name():
    with pytest.raises(ValueError, match=r"'tfds:' names no TFDS dataset"):
        data.load("tfds:", batch_size=1)


def test_images_of_zero_width():
    with pytest.raises(
        ValueError, match=r"\(8, 4, 0, 1\): a height or width of 0"
    ):
        data.load(np.zeros((8, 4, 0, 1), np.float32), batch_size=2)


# --- load(): order, caching, flips --------------------------------------------


def test_seed_fixes_the_order_and_epochs_differ():
    images = digits(32)
    first = data.load(images, batch_size=4, seed=7)
    second = data.load(images, batch_size=4, seed=7)
    other = data.load(images, batch_size=4, seed=8)
    epoch_one = epoch(first)
    np.testing.assert_array_equal(epoch_one, epoch(second))
    assert not np.array_equal(epoch_one, epoch(other))
    epoch_two = epoch(first)
    assert not np.array_equal(epoch_one, epoch_two)
    # Each epoch is a permutation of all images.
    expected = np.sort((images / 127.5 - 1).reshape(32, -1), axis=0)
    np.testing.assert_allclose(
        np.sort(epoch_two.reshape(32, -1), axis=0), expected, atol=1e-6
    )


@pytest.mark.parametrize("count", [8, 11])
def test_cardinality_is_whole_batches(count):
    dataset = data.load(digits(count), batch_size=4)
    assert int(dataset.cardinality()) == count // 4
    assert len(list(dataset)) == count // 4


def test_no_shuffle_keeps_the_order():
    images = digits(8)
    np.testing.assert_allclose(
        epoch(data.load(images, batch_size=4, shuffle=False)),
        images / 127.5 - 1,
        atol=1e-6,
    )


@pytest.mark.parametrize("cache", ["auto", "memory", None, "file"])
def test_cache_modes_give_the_same_data(cache, tmp_path):
    if cache == "file":
        cache = str(tmp_path / "cache")
    images = digits(8)
    dataset = data.load(images, batch_size=4, shuffle=False, cache=cache)
    for _ in range(2):
        np.testing.assert_allclose(
            epoch(dataset), images / 127.5 - 1, atol=1e-6
        )
    if cache not in ("auto", "memory", None):
        assert any(name.startswith("cache") for name in os.listdir(tmp_path))


def test_flip_mirrors_some_images_with_labels_kept():
    images = digits(64)
    labels = np.arange(64)
    plain = first_batch(
        data.load((images, labels), batch_size=64, shuffle=False)
    )
    flipped, flipped_labels = first_batch(
        data.load(
            (images, labels),
            batch_size=64,
            shuffle=False,
            flip=True,
            seed=0,
            with_labels=True,
        )
    )
    np.testing.assert_array_equal(flipped_labels, labels)
    mirrored = np.all(flipped == plain[:, :, ::-1], axis=(1, 2, 3))
    same = np.all(flipped == plain, axis=(1, 2, 3))
    assert np.all(mirrored | same)
    assert 16 < mirrored.sum() < 48


# --- Distribution and training ------------------------------------------------


def test_in_memory_data_is_sharded_by_element():
    options = data.load(digits(8), batch_size=4).options()
    assert (
        options.experimental_distribute.auto_shard_policy
        == tf.data.experimental.AutoShardPolicy.DATA
    )


def test_global_batch_is_split_across_two_replicas():
    # Logical devices must be set before TensorFlow starts: a new process.
    script = textwrap.dedent(
        """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        from keras_dcgan import data
        strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
        dataset = data.load("mnist-sample", batch_size=8, seed=0)
        batch = next(iter(strategy.experimental_distribute_dataset(dataset)))
        print([tuple(t.shape) for t in batch.values])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == (
        "[(4, 28, 28, 1), (4, 28, 28, 1)]"
    )


@pytest.mark.parametrize("with_labels", [False, True])
def test_dcgan_fits_on_loaded_data(with_labels, tiny_gan):
    num_classes = 2 if with_labels else None
    gan = tiny_gan(
        image_size=28, seed=0, compiled=True, num_classes=num_classes
    )
    dataset = data.load(
        (digits(8), np.arange(8) % 2),
        batch_size=4,
        seed=0,
        with_labels=with_labels,
    )
    history = gan.fit(dataset, epochs=1, verbose=0)
    assert len(history.history["d_loss"]) == 1
    assert np.isfinite(history.history["d_loss"][0])
