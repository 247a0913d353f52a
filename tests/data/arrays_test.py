"""Array sources: IDX files, .npy/.npz files, numpy arrays, tf.data."""

import gzip
import re

import numpy as np
import pytest
import tensorflow as tf

from keras_dcgan import data
from keras_dcgan.data import sources
from keras_dcgan.errors import OptionError
from tests.shared_data import SHARED_DATA

SHARED = SHARED_DATA
MNIST_IMAGES = SHARED / "mnist" / "train10k-images-idx3-ubyte.gz"
MNIST_LABELS = SHARED / "mnist" / "train10k-labels-idx1-ubyte.gz"
FASHION_IMAGES = SHARED / "fashion_mnist" / "sprite900-images-idx3-ubyte.gz"
FASHION_LABELS = SHARED / "fashion_mnist" / "sprite900-labels-idx1-ubyte.gz"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="needs ../shared/data"
)


def first_batch(dataset):
    return tf.nest.map_structure(np.asarray, next(iter(dataset)))


def bundled_arrays():
    return (
        data.read_idx(sources.bundled_path(sources.MNIST_SAMPLE_FILES[0])),
        data.read_idx(sources.bundled_path(sources.MNIST_SAMPLE_FILES[1])),
    )


# --- IDX --------------------------------------------------------------------


def test_read_idx_reads_the_bundled_mnist_sample():
    images, labels = bundled_arrays()
    assert images.shape == (10000, 28, 28)
    assert images.dtype == np.uint8
    assert labels.shape == (10000,)
    assert set(np.unique(labels)) == set(range(10))
    # MNIST digits are white on black: the corners are background.
    assert images[:, 0, 0].max() == 0
    assert images.max() == 255


@needs_shared
def test_bundled_sample_is_the_shared_mnist_files():
    images, labels = bundled_arrays()
    np.testing.assert_array_equal(images, data.read_idx(MNIST_IMAGES))
    np.testing.assert_array_equal(labels, data.read_idx(MNIST_LABELS))


def test_read_idx_reads_uncompressed_and_other_dtypes(tmp_path):
    values = np.arange(24, dtype=">i4").reshape(2, 3, 4)
    header = bytes([0, 0, 0x0C, 3]) + np.array([2, 3, 4], ">u4").tobytes()
    (tmp_path / "plain-idx3").write_bytes(header + values.tobytes())
    with gzip.open(tmp_path / "packed.gz", "wb") as file:
        file.write(header + values.tobytes())
    for name in ("plain-idx3", "packed.gz"):
        array = data.read_idx(tmp_path / name)
        np.testing.assert_array_equal(array, np.arange(24).reshape(2, 3, 4))
        assert array.dtype == np.int32


def test_read_idx_names_a_truncated_file(tmp_path):
    header = bytes([0, 0, 0x08, 3]) + np.array([2, 4, 4], ">u4").tobytes()
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(header + bytes(20))
    with pytest.raises(ValueError, match=r"short-idx3-ubyte.*truncated"):
        data.read_idx(path)


def test_read_idx_rejects_a_non_idx_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"notes.txt.*not an IDX file"):
        data.read_idx(path)


# --- mnist-sample -------------------------------------------------------------


def test_mnist_sample_is_the_default_and_gives_normalized_digits():
    images, labels = bundled_arrays()
    batch, batch_labels = first_batch(
        data.load(batch_size=8, shuffle=False, with_labels=True)
    )
    assert batch.shape == (8, 28, 28, 1)
    assert batch.dtype == np.float32
    np.testing.assert_allclose(
        batch[..., 0], images[:8] / 127.5 - 1.0, atol=1e-6
    )
    np.testing.assert_array_equal(batch_labels, labels[:8])
    assert batch_labels.dtype == np.int32


def test_describe_mnist_sample():
    info = data.describe("mnist-sample")
    assert info.image_shape == (28, 28, 1)
    assert info.num_examples == 10000
    assert info.num_classes == 10
    assert info.has_labels


def test_epoch_is_whole_batches_in_range():
    dataset = data.load("mnist-sample", batch_size=64, seed=0)
    batches = [np.asarray(b) for b in dataset]
    assert len(batches) == 10000 // 64
    assert all(b.shape == (64, 28, 28, 1) for b in batches)
    stacked = np.concatenate(batches)
    assert stacked.min() == -1.0
    assert stacked.max() == 1.0


# --- Files and arrays ---------------------------------------------------------


@needs_shared
def test_idx_pair_source_reads_images_and_labels():
    images, labels = first_batch(
        data.load(
            (str(FASHION_IMAGES), str(FASHION_LABELS)),
            batch_size=900,
            shuffle=False,
            with_labels=True,
        )
    )
    raw = data.read_idx(FASHION_IMAGES)
    np.testing.assert_allclose(images[..., 0], raw / 127.5 - 1, atol=1e-6)
    assert np.bincount(labels).tolist() == [90] * 10


def test_npy_and_npz_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
    labels = np.array([0, 1, 2, 0, 1, 2])
    np.save(tmp_path / "images.npy", images)
    np.savez(tmp_path / "digits.npz", x_train=images, y_train=labels)
    from_npy = first_batch(
        data.load(str(tmp_path / "images.npy"), batch_size=6, shuffle=False)
    )
    np.testing.assert_allclose(from_npy, images / 127.5 - 1, atol=1e-6)
    from_npz, npz_labels = first_batch(
        data.load(
            tmp_path / "digits.npz",
            batch_size=6,
            shuffle=False,
            with_labels=True,
        )
    )
    np.testing.assert_allclose(from_npz, images / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(npz_labels, labels)


def test_npz_with_unknown_key_lists_the_arrays(tmp_path):
    np.savez(tmp_path / "a.npz", pics=np.zeros([4, 8, 8]), other=np.zeros(3))
    with pytest.raises(ValueError, match=r"no array 'images'.*'other', 'pics'"):
        data.load(tmp_path / "a.npz", image_key="images", batch_size=2)
    dataset = data.load(tmp_path / "a.npz", image_key="pics", batch_size=2)
    assert first_batch(dataset).shape == (2, 8, 8, 1)


def test_float_arrays_use_value_range():
    rng = np.random.default_rng(1)
    unit = rng.uniform(0, 1, (4, 8, 8, 1))
    batch = first_batch(data.load(unit, batch_size=4, shuffle=False))
    np.testing.assert_allclose(batch, unit * 2 - 1, atol=1e-6)
    signed = unit * 2 - 1
    batch = first_batch(
        data.load(signed, batch_size=4, shuffle=False, value_range=(-1, 1))
    )
    np.testing.assert_allclose(batch, signed, atol=1e-6)
    info = data.describe(signed, value_range=(-1, 1))
    assert info.image_shape == (8, 8, 1)
    assert info.num_examples == 4


def test_arrays_with_labels_pair():
    images = np.zeros([4, 8, 8], np.uint8)
    _, labels = first_batch(
        data.load(
            (images, np.array([3, 1, 2, 0])),
            batch_size=4,
            shuffle=False,
            with_labels=True,
        )
    )
    np.testing.assert_array_equal(labels, [3, 1, 2, 0])


def test_tf_dataset_of_dicts():
    images = np.arange(4 * 8 * 8, dtype=np.uint8).reshape(4, 8, 8, 1)
    dataset = tf.data.Dataset.from_tensor_slices(
        {"image": images, "label": np.arange(4)}
    )
    info = data.describe(dataset)
    assert info.image_shape == (8, 8, 1)
    assert info.num_examples == 4
    batch, labels = first_batch(
        data.load(dataset, batch_size=4, shuffle=False, with_labels=True)
    )
    np.testing.assert_allclose(batch, images / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(labels, np.arange(4))


def test_tf_dataset_of_grayscale_2d_images():
    dataset = tf.data.Dataset.from_tensor_slices(tf.zeros([4, 8, 8]))
    assert first_batch(data.load(dataset, batch_size=2)).shape == (2, 8, 8, 1)


# --- Bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.zeros([10, 28]), r"shape \(10, 28\) \(rank 2\); expected"),
        (np.zeros([2, 3, 8, 8, 1]), r"rank 5"),
        (np.zeros([4, 8, 8, 4]), r"4 channels .*expected 1 \(grayscale\)"),
        (np.zeros([0, 8, 8]), r"holds no images"),
        (np.array([[["a"]]]), r"dtype <U1; expected an integer"),
    ],
)
def test_bad_array_shapes_and_dtypes(images, match):
    with pytest.raises(ValueError, match=match):
        data.load(images, batch_size=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_named(bad):
    images = np.zeros([5, 8, 8], np.float32)
    images[3, 2, 2] = bad
    with pytest.raises(ValueError, match=r"NaN or inf.*first at index 3"):
        data.load(images, batch_size=1)


def test_values_outside_value_range():
    images = np.full([4, 8, 8], 255.0)
    with pytest.raises(
        ValueError, match=r"span \[255.0, 255.0\], outside value_range"
    ):
        data.load(images, batch_size=1)
    with pytest.raises(ValueError, match=r"black < white"):
        data.load(images, batch_size=1, value_range=(1, 0))


def test_the_value_range_advice_speaks_python_and_flags():
    # Before: "e.g. (0, 255)" on the command line too.
    with pytest.raises(OptionError) as caught:
        data.load(np.full([4, 8, 8], 255.0), batch_size=1)
    assert (
        "e.g. value_range=(0, 255) for 8-bit values, value_range=(0, 1) "
        "or value_range=(-1, 1)." in str(caught.value)
    )
    assert (
        "e.g. --value_range=0,255 for 8-bit values, --value_range=0,1 "
        "or --value_range=-1,1." in caught.value.for_flags()
    )


def test_labels_must_match_images():
    images = np.zeros([4, 8, 8], np.uint8)
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(4,\)"):
        data.load((images, np.arange(3)), batch_size=1)
    with pytest.raises(ValueError, match=r"dtype float64; expected integer"):
        data.load((images, np.zeros(4)), batch_size=1)


def test_tf_dataset_nan_fails_when_read():
    images = np.zeros([4, 8, 8, 1], np.float32)
    images[2] = np.nan
    dataset = data.load(
        tf.data.Dataset.from_tensor_slices(images), batch_size=4, cache=None
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN or inf"):
        first_batch(dataset)


@pytest.mark.parametrize("value_range", ["05", (), (True, 255)])
def test_value_range_must_be_two_numbers(value_range):
    # Before: "05" was read character by character as (0.0, 5.0), and ()
    # fell back to the dtype's default range, both silently.
    images = np.zeros([4, 8, 8], np.uint8)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "`value_range` must be two finite numbers (black, white) with "
            f"black < white, e.g. (0, 255); received {value_range!r}."
        ),
    ):
        data.load(images, batch_size=2, value_range=value_range)


def test_tf_dataset_negative_labels_fail_when_read():
    # Before: -3 passed as a class id (the pipeline's own "no label" is -1)
    # and a conditional GAN trained on it without a word.
    images = np.zeros([4, 8, 8, 1], np.uint8)
    labels = np.array([0, 1, -3, 1])
    dataset = data.load(
        tf.data.Dataset.from_tensor_slices((images, labels)),
        batch_size=4,
        with_labels=True,
        shuffle=False,
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Labels of <tf.data.Dataset> include a negative class id; "
        r"class ids must be >= 0",
    ):
        first_batch(dataset)


def test_tf_dataset_batched_or_infinite():
    batched = tf.data.Dataset.from_tensor_slices(tf.zeros([4, 8, 8, 1]))
    with pytest.raises(ValueError, match=r"looks batched.*unbatch"):
        data.load(batched.batch(2), batch_size=2)
    with pytest.raises(ValueError, match=r"repeats forever"):
        data.load(batched.repeat(), batch_size=2)
