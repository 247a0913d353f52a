"""Tests of the shared argument checks: NumPy numbers count, bools do not.

Before: `np.int64(3)` (what indexing an array or `np.arange` gives) was
refused with "`epochs` must be a positive integer; received np.int64(3).",
a message that contradicts itself, while `DCGAN.generate(np.int64(4))`
accepted it.
"""

import json
import re

import numpy as np
import pytest

from keras_dcgan import checks
from keras_dcgan import images
from keras_dcgan.export import saved_model
from keras_dcgan.metrics import artifacts
from keras_dcgan.metrics import statistics


def _raises_exactly(message):
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


INTEGERS = [3, np.int64(3), np.int32(3), np.uint8(3), np.uint64(3)]
NOT_INTEGERS = [True, np.True_, 3.0, np.float64(3.0), np.float32(3), "3", None]


@pytest.mark.parametrize("value", INTEGERS)
@pytest.mark.parametrize(
    "check",
    [
        checks.check_positive_int,
        checks.check_non_negative_int,
        lambda argument, value: checks.check_gif_frame_ms(argument, value * 10),
    ],
)
def test_numpy_integers_pass_as_python_ints(check, value):
    result = check("n", value)
    assert type(result) is int
    # What callers store must be JSON (np.int64 is not).
    json.dumps(result)


@pytest.mark.parametrize("value", [*NOT_INTEGERS, 0, np.int64(0)])
def test_positive_int_refuses_bools_floats_and_zero(value):
    with _raises_exactly(
        f"`epochs` must be a positive integer; received {value!r}."
    ):
        checks.check_positive_int("epochs", value)


@pytest.mark.parametrize("value", [*NOT_INTEGERS, -1, np.int64(-1)])
def test_non_negative_int_refuses_bools_floats_and_negatives(value):
    with _raises_exactly(f"`seed` must be an int >= 0; received {value!r}."):
        checks.check_non_negative_int("seed", value)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), (10, 10), (np.int64(10), 10)]
)
def test_num_classes_takes_numpy_integers(value, expected):
    result = checks.check_num_classes(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("value", [True, np.True_, 10.0, np.int64(1)])
def test_num_classes_refuses_bools_floats_and_one(value):
    with _raises_exactly(
        "`num_classes` must be None (unconditional) or an int >= 2; "
        f"received {value!r}."
    ):
        checks.check_num_classes(value)


@pytest.mark.parametrize("value", [True, np.True_, 80.0, np.float64(80)])
def test_gif_frame_ms_refuses_bools_and_floats(value):
    with pytest.raises(
        ValueError, match=r"^`frame_ms` must be a multiple of 10 from 10 to "
    ):
        checks.check_gif_frame_ms("frame_ms", value)


@pytest.mark.parametrize(
    "value", [0.5, np.float32(0.5), np.float64(0.5), np.float16(0.5)]
)
def test_numpy_floats_pass_as_python_floats(value):
    result = checks.check_number("beta_1", value, "[0, 1)")
    assert result == 0.5
    assert type(result) is float
    # Integers are numbers too, of either kind.
    assert checks.check_number("weight", np.int64(2), ">= 0") == 2.0
    assert checks.check_number("weight", None, ">= 0", or_none=True) is None


@pytest.mark.parametrize("value", [True, np.True_, "0.5", np.float32("nan")])
def test_number_refuses_bools_strings_and_nan(value):
    with _raises_exactly(
        f"`beta_1` must be a number in [0, 1); received {value!r}."
    ):
        checks.check_number("beta_1", value, "[0, 1)")


def test_value_range_takes_numpy_numbers():
    assert checks.check_value_range((np.uint8(0), np.float32(255))) == (
        0.0,
        255.0,
    )
    with pytest.raises(ValueError, match="two finite numbers"):
        checks.check_value_range((np.False_, np.True_))


# --- The integer checks outside checks.py ------------------------------------


def test_saved_model_version_takes_numpy_integers(tmp_path):
    # Before: "`version` must be an int >= 1 or None; received np.int64(2)".
    saved_model.check_saved_model_arguments(
        str(tmp_path), version=np.int64(2), max_samples=np.int32(8)
    )
    with pytest.raises(
        TypeError,
        match=r"^`version` must be an int >= 1 or None; received np.True_.$",
    ):
        saved_model.check_saved_model_arguments(str(tmp_path), version=np.True_)
    with pytest.raises(
        TypeError, match=r"^`max_samples` must be an int; received 8.0.$"
    ):
        saved_model.check_saved_model_arguments(str(tmp_path), max_samples=8.0)


def test_running_statistics_stores_a_python_int():
    running = statistics.RunningStatistics(max_sample=np.int64(4))
    assert type(running.max_sample) is int
    with pytest.raises(ValueError, match="`max_sample` must be an integer"):
        statistics.RunningStatistics(max_sample=np.True_)


def test_checkerboard_stride_and_upscale_take_numpy_integers():
    spectrum = np.ones([8, 8])
    assert artifacts.checkerboard_score_from_spectrum(
        spectrum, stride=np.int64(2)
    ) == artifacts.checkerboard_score_from_spectrum(spectrum, stride=2)
    with pytest.raises(ValueError, match="`stride` must be an integer >= 2"):
        artifacts.checkerboard_score_from_spectrum(spectrum, stride=2.0)
    assert images.upscale_factor(92, 92, upscale=np.int64(3)) == 3
    with pytest.raises(ValueError, match="`upscale` must be a positive int"):
        images.upscale_factor(92, 92, upscale=np.True_)


def test_load_takes_a_numpy_batch_size():
    from keras_dcgan import data

    array = np.zeros([16, 8, 8, 1], np.uint8)
    # Before: "`batch_size` must be a positive integer; received np.int64(8)."
    dataset = data.load(array, batch_size=np.int64(8), shuffle=False)
    assert next(iter(dataset)).shape == (8, 8, 8, 1)
    with pytest.raises(ValueError, match="`batch_size` must be a positive"):
        data.load(array, batch_size=np.True_)
