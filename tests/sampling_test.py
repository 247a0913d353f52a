"""Tests of keras_dcgan.sampling: interpolation and writing samples."""

import os

import numpy as np
import pytest
from PIL import Image

from keras_dcgan import images
from keras_dcgan import sampling
from keras_dcgan.sampling import sample_latents


def test_slerp_end_points_and_norm():
    rng = np.random.default_rng(0)
    start, end = rng.normal(size=(2, 3, 64))
    path = sampling.slerp(start, end, np.linspace(0, 1, 5))
    assert path.shape == (3, 5, 64)
    np.testing.assert_allclose(path[:, 0], start, atol=1e-5)
    np.testing.assert_allclose(path[:, -1], end, atol=1e-5)
    # Unit vectors stay on the unit sphere (a straight line would not).
    unit = sampling.slerp(
        start / np.linalg.norm(start, axis=-1, keepdims=True),
        end / np.linalg.norm(end, axis=-1, keepdims=True),
        np.linspace(0, 1, 7),
    )
    np.testing.assert_allclose(np.linalg.norm(unit, axis=-1), 1.0, atol=1e-5)


def test_slerp_of_parallel_vectors_is_linear():
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(sampling.slerp(a, 3 * a, 0.5), 2 * a)


def test_interpolation_latents_walks_through_seeded_points():
    open_walk = sampling.interpolation_latents(
        3, steps=4, latent_dim=8, num_points=3, seed=7
    )
    points = np.asarray(sample_latents(9, 8, 7)).reshape(3, 3, 8)
    assert open_walk.shape == (3, 2 * 4 + 1, 8)
    np.testing.assert_allclose(open_walk[:, 0], points[:, 0], atol=1e-5)
    np.testing.assert_allclose(open_walk[:, 4], points[:, 1], atol=1e-5)
    np.testing.assert_allclose(open_walk[:, -1], points[:, 2], atol=1e-5)
    closed = sampling.interpolation_latents(
        3, steps=4, latent_dim=8, num_points=3, closed=True, seed=7
    )
    assert closed.shape == (3, 12, 8)
    np.testing.assert_allclose(closed[:, :9], open_walk, atol=1e-6)


def test_interpolation_latents_rejects_one_point():
    with pytest.raises(ValueError, match="num_points"):
        sampling.interpolation_latents(1, 3, 8, num_points=1)


class _Generator:
    """Stands in for a DCGAN: the image is the latent's first entries."""

    latent_dim = 4
    conditional = False

    def __init__(self):
        self.sampling_generator = self

    def predict(self, latents, batch_size=None, verbose=None):
        return np.tanh(np.asarray(latents)[:, :4].reshape(-1, 2, 2, 1))

    def generate(self, num_samples, labels=None, seed=None):
        assert labels is None  # an unconditional model
        return self.predict(sample_latents(num_samples, 4, seed))


def test_write_samples_uses_the_seed(tmp_path):
    out = sampling.write_samples(
        _Generator(), str(tmp_path / "s.npy"), num_samples=3, seed=4
    )
    latents = np.asarray(sample_latents(3, 4, 4))
    expected = images.to_uint8(np.tanh(latents.reshape(3, 2, 2, 1)))
    np.testing.assert_array_equal(np.load(out), expected)


def test_write_interpolation_png_rows_are_walks(tmp_path):
    out = sampling.write_interpolation(
        _Generator(),
        str(tmp_path / "w.png"),
        num_walks=2,
        steps=5,
        seed=1,
        upscale=1,
    )
    with Image.open(out) as image:
        grid = np.asarray(image)
    # 2 rows of 5 images of 2x2 pixels with 2 pixels of padding.
    assert grid.shape == (2 * 4 + 2, 5 * 4 + 2)
    walks = sampling.interpolation_latents(2, 4, 4, seed=1)
    first_row_last = images.to_uint8(np.tanh(walks[0, -1].reshape(2, 2)))
    np.testing.assert_array_equal(grid[2:4, 18:20], first_row_last)


def test_write_interpolation_gif_loops(tmp_path):
    out = sampling.write_interpolation(
        _Generator(),
        str(tmp_path / "w.gif"),
        num_walks=3,
        steps=4,
        num_points=3,
        seed=1,
    )
    with Image.open(out) as gif:
        assert gif.n_frames == 12
    with pytest.raises(ValueError, match=r"'\.png'.*'\.gif'"):
        sampling.write_interpolation(_Generator(), str(tmp_path / "w.mp4"))


def test_write_interpolation_keeps_one_class_per_walk(tmp_path, tiny_gan):
    gan = tiny_gan(num_classes=3)
    out = sampling.write_interpolation(
        gan, str(tmp_path / "w.png"), num_walks=4, steps=3, seed=1, upscale=1
    )
    with Image.open(out) as image:
        grid = np.asarray(image)
    walks = sampling.interpolation_latents(4, 2, gan.latent_dim, seed=1)
    # Walk i draws class i % 3: 0, 1, 2, 0.
    labels = np.repeat([0, 1, 2, 0], 3).astype(np.int32)
    expected = gan.sampling_generator.predict(
        [walks.reshape(-1, gan.latent_dim), labels], verbose=0
    )
    expected = images.make_grid(expected, columns=3)[..., 0]
    np.testing.assert_array_equal(grid, expected)
    sampling.write_interpolation(
        gan, str(tmp_path / "twos.gif"), num_walks=2, steps=2, labels=2
    )


def test_write_interpolation_checks_labels(tmp_path, tiny_gan):
    out = str(tmp_path / "w.png")
    with pytest.raises(ValueError, match=r"unconditional.*received 3"):
        sampling.write_interpolation(tiny_gan(), out, labels=3)
    with pytest.raises(ValueError, match=r"in \[0, 3\); received \[5\]"):
        sampling.write_interpolation(tiny_gan(num_classes=3), out, labels=5)


# --- Bad arguments: each names the argument, the value and what is allowed --


@pytest.mark.parametrize(
    ("seed", "match"),
    [
        # A float was truncated (1.5 drew what 1 draws); a string failed in
        # TensorFlow's Cast; 2**70 in tensor conversion, naming no argument.
        (1.5, r"`seed` must be an int \(a 64-bit integer\) or None; .* 1\.5"),
        ("x", r"`seed` must be an int .* received 'x'"),
        (2**70, r"`seed` must be an int .* received 1180591620717411303424"),
        (True, r"`seed` must be an int .* received True"),
    ],
)
def test_bad_seeds_are_refused(seed, match):
    with pytest.raises(ValueError, match=match):
        sample_latents(2, 4, seed)
    with pytest.raises(ValueError, match=match):
        sampling.sample_labels(2, 3, seed)


def test_numpy_and_negative_seeds_are_ints():
    np.testing.assert_array_equal(
        sample_latents(2, 4, np.int64(5)), sample_latents(2, 4, 5)
    )
    assert sample_latents(2, 4, -1).shape == (2, 4)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # Before: tf InvalidArgumentError "Dimension -1 must be >= 0".
        (lambda: sample_latents(-1, 4, 0), r"`num_samples` .* received -1"),
        (lambda: sample_latents(2, 0, 0), r"`latent_dim` .* received 0"),
        # Before: tf InvalidArgumentError "Need minval < maxval".
        (
            lambda: sampling.sample_labels(2, 0, 0),
            r"`num_classes` must be a positive integer; received 0",
        ),
        # Before: TypeErrors from range() and "<".
        (
            lambda: sampling.interpolation_latents(2, 3, 4, num_points=2.5),
            r"`num_points` must be a positive integer; received 2\.5",
        ),
        (
            lambda: sampling.interpolation_latents(2, 3, 4, num_points="3"),
            r"`num_points` must be a positive integer; received '3'",
        ),
        # Before: "no" read as True.
        (
            lambda: sampling.interpolation_latents(2, 3, 4, closed="no"),
            r"`closed` must be True or False; received 'no'",
        ),
        # Before: the zero vector made NaN latents, t=2 extrapolated.
        (
            lambda: sampling.slerp(np.zeros(3), np.ones(3), 0.5),
            r"`start` holds a zero vector",
        ),
        (
            lambda: sampling.slerp(np.ones(2), np.eye(2)[0], 2.0),
            r"`t` must be positions in \[0, 1\]; received \[2\.0\]",
        ),
    ],
)
def test_bad_draw_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("frame_ms", [0, -5, 2.5, 5, 85, 700_000])
def test_write_interpolation_checks_frame_ms(tmp_path, frame_ms):
    # Before: 2.5 was rounded by the GIF encoder; 0 named `duration_ms`;
    # 5 was stored as 0 (the viewer's default) and 85 as 80, silently;
    # 700000 failed in PIL (OverflowError) after every image was made.
    with pytest.raises(ValueError, match=rf"`frame_ms` .* received {frame_ms}"):
        sampling.write_interpolation(
            _Generator(), str(tmp_path / "w.gif"), frame_ms=frame_ms
        )
    assert not (tmp_path / "w.gif").exists()


def test_outputs_may_be_paths(tmp_path):
    # Before: AttributeError: 'PosixPath' object has no attribute 'endswith'.
    out = sampling.write_samples(_Generator(), tmp_path / "s.npy", 2, seed=0)
    assert np.load(out).shape == (2, 2, 2, 1)
    gif = sampling.write_interpolation(
        _Generator(), tmp_path / "w.gif", num_walks=1, steps=2
    )
    assert os.path.isfile(gif)
    with pytest.raises(TypeError, match=r"`out` must be a path .* received 3"):
        sampling.write_samples(_Generator(), 3)


def test_sample_format_points_at_a_folder_without_slash(tmp_path):
    assert sampling.sample_format(str(tmp_path) + "/") == "/"
    assert sampling.sample_format("a.PNG") == ".png"
    with pytest.raises(
        ValueError,
        match=rf"Cannot tell .* '{tmp_path}' is a folder: write '{tmp_path}/'",
    ):
        sampling.write_samples(_Generator(), str(tmp_path), 2)
    with pytest.raises(ValueError, match=r"'x\.jpg'.*'\.png' .*'/' .*'\.npy'"):
        sampling.sample_format("x.jpg")
