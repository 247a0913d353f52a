"""Image-folder sources: formats, classes, CIFAR-10 JPEGs, corrupt files."""

import pathlib
import tarfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_dcgan import data
from tests.shared_data import SHARED_DATA

CIFAR_TAR = SHARED_DATA / "cifar10" / "test-jpg.tar.gz"
PER_CLASS = 8


def first_batch(dataset):
    return tf.nest.map_structure(np.asarray, next(iter(dataset)))


def write(path, array, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


def colour(value, size=(8, 8), channels=3):
    shape = (*size, channels) if channels > 1 else size
    return np.full(shape, value, np.uint8)


@pytest.fixture(scope="module")
def cifar_folder(tmp_path_factory):
    """The first PER_CLASS CIFAR-10 test JPEGs of each class."""
    if not CIFAR_TAR.exists():
        pytest.skip("needs ../shared/data/cifar10")
    root = tmp_path_factory.mktemp("cifar")
    with tarfile.open(CIFAR_TAR) as archive:
        members = [
            m
            for m in archive.getmembers()
            if m.isfile() and int(pathlib.Path(m.name).stem) < PER_CLASS
        ]
        archive.extractall(root, members=members, filter="data")
    return root / "test"


def test_cifar_jpegs_describe_and_decode(cifar_folder):
    info = data.describe(cifar_folder)
    assert info.image_shape == (32, 32, 3)
    assert info.num_examples == 10 * PER_CLASS
    assert info.class_names[:2] == ("airplane", "automobile")
    assert info.num_classes == 10
    images, labels = first_batch(
        data.load(
            cifar_folder,
            batch_size=10 * PER_CLASS,
            shuffle=False,
            with_labels=True,
        )
    )
    assert images.shape == (10 * PER_CLASS, 32, 32, 3)
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), PER_CLASS))
    # Files are read in sorted order: the first is airplane/0000.jpg. PIL
    # and TensorFlow use different JPEG decoders, hence the tolerance.
    expected = np.asarray(Image.open(cifar_folder / "airplane" / "0000.jpg"))
    np.testing.assert_allclose(images[0], expected / 127.5 - 1, atol=4 / 127.5)
    assert images.min() >= -1
    assert images.max() <= 1


def test_cifar_to_grayscale_16(cifar_folder):
    images = first_batch(
        data.load(cifar_folder, image_size=16, channels=1, batch_size=4)
    )
    assert images.shape == (4, 16, 16, 1)


def test_formats_recursion_and_classes(tmp_path):
    write(tmp_path / "cats" / "a.png", colour(255))
    write(tmp_path / "cats" / "deep" / "b.JPG", colour(255), quality=100)
    write(tmp_path / "dogs" / "c.bmp", colour(0))
    write(tmp_path / "dogs" / "d.gif", colour(0))
    write(tmp_path / ".ipynb_checkpoints" / "e.png", colour(128))
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    info = data.describe(tmp_path)
    assert info.class_names == ("cats", "dogs")
    assert info.num_examples == 4
    images, labels = first_batch(
        data.load(tmp_path, batch_size=4, shuffle=False, with_labels=True)
    )
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])
    np.testing.assert_allclose(images[:2], 1.0, atol=2 / 127.5)
    np.testing.assert_allclose(images[2:], -1.0, atol=2 / 127.5)


def test_grayscale_folder_is_one_channel_exactly(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    write(tmp_path / "a.png", gray)
    write(tmp_path / "b.bmp", gray)
    assert data.describe(tmp_path).image_shape == (8, 8, 1)
    images = first_batch(data.load(tmp_path, batch_size=2, shuffle=False))
    for image in images:
        np.testing.assert_allclose(image[..., 0], gray / 127.5 - 1, atol=1e-6)


def test_images_without_subfolders_have_no_labels(tmp_path):
    write(tmp_path / "a.png", colour(10))
    write(tmp_path / "b.png", colour(20))
    assert not data.describe(tmp_path).has_labels
    with pytest.raises(ValueError, match=r"with_labels=True but .* no labels"):
        data.load(tmp_path, batch_size=1, with_labels=True)


def test_varied_sizes_need_image_size(tmp_path):
    write(tmp_path / "a.png", colour(10, (20, 30)))
    write(tmp_path / "b.png", colour(10, (40, 24)))
    info = data.describe(tmp_path)
    assert info.image_shape == (None, None, 3)
    assert info.min_side == 20
    with pytest.raises(ValueError, match=r"vary in size .*pass image_size"):
        data.load(tmp_path, batch_size=1)
    images = first_batch(data.load(tmp_path, image_size=16, batch_size=2))
    assert images.shape == (2, 16, 16, 3)
    with pytest.raises(ValueError, match=r"image_size=32 would enlarge"):
        data.load(tmp_path, image_size=32, batch_size=1)


# --- Bad input ----------------------------------------------------------------


def test_empty_folder(tmp_path):
    with pytest.raises(ValueError, match=r"is empty: it holds no files"):
        data.load(tmp_path, batch_size=1)
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"holds 1 other file\(s\) and no"):
        data.load(tmp_path, batch_size=1)


def test_folder_without_a_decodable_image(tmp_path):
    (tmp_path / "fake.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match=r"no decodable image.*fake.png"):
        data.load(tmp_path, batch_size=1)


def test_corrupt_file_is_named_or_skipped(tmp_path):
    for i in range(3):
        write(tmp_path / f"good{i}.png", colour(i))
    good = (tmp_path / "good0.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(
        ValueError, match=r"1 of 4 image file\(s\).*truncated.png.*skip_corrupt"
    ):
        data.load(tmp_path, batch_size=1)
    with pytest.warns(UserWarning, match=r"Skipped 1 corrupt image file\(s\)"):
        dataset = data.load(tmp_path, batch_size=3, skip_corrupt=True)
    assert first_batch(dataset).shape == (3, 8, 8, 3)


def test_batch_larger_than_folder(tmp_path):
    write(tmp_path / "a.png", colour(0))
    with pytest.raises(ValueError, match=r"batch_size=2 is larger than the 1"):
        data.load(tmp_path, batch_size=2)
