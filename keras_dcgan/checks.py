"""Argument checks shared by the whole package, with messages that name the
argument, the value received and what is allowed."""

import contextlib
import math
import numbers
import re

import numpy as np


def check_choice(argument: str, value: object, allowed: tuple) -> None:
    """Raises a `ValueError` unless `value` is one of `allowed`.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.
        allowed: tuple. The accepted values.

    Example:
    >>> check_choice("upsampling", "nearest", ("transposed", "nearest"))
    """
    if value not in allowed:
        raise ValueError(
            f"Unknown {argument} {value!r}; expected one of {list(allowed)}."
        )


def is_integer(value: object) -> bool:
    """Whether `value` is an integer: a Python or NumPy int, not a bool.

    `np.int64(3)` (what indexing a NumPy array gives) is an integer; `True`
    and `np.True_` are not, and neither is `3.0`.

    Args:
        value: object. Any value.

    Returns:
        A bool.

    Example:
    >>> is_integer(np.int64(3)), is_integer(True), is_integer(3.0)
    (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(
        value, bool | np.bool_
    )


def is_real(value: object) -> bool:
    """Whether `value` is a real number: an int or float (Python or NumPy),
    not a bool.

    Args:
        value: object. Any value.

    Returns:
        A bool.

    Example:
    >>> is_real(np.float32(0.5)), is_real(np.int64(2)), is_real(False)
    (True, True, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(
        value, bool | np.bool_
    )


def check_positive_int(argument: str, value: object) -> int:
    """Raises a `ValueError` unless `value` is a positive integer.

    NumPy integers count (`np.int64(8)`); bools and floats such as `3.0` do
    not.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.

    Returns:
        `value` as a Python int, to store (JSON has no `np.int64`).

    Example:
    >>> check_positive_int("channels", np.int64(3))
    3
    """
    if not is_integer(value) or value < 1:
        raise ValueError(
            f"`{argument}` must be a positive integer; received {value!r}."
        )
    return int(value)


def check_bool(argument: str, value: object, or_none: bool = False) -> None:
    """Raises a `ValueError` unless `value` is True or False (or None).

    A string such as `"false"` is refused rather than read as truthy.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.
        or_none: bool. Whether None is allowed too. Defaults to False.

    Example:
    >>> check_bool("flip", False)
    """
    if or_none and value is None:
        return
    if not isinstance(value, bool):
        allowed = "True, False or None" if or_none else "True or False"
        raise ValueError(f"`{argument}` must be {allowed}; received {value!r}.")


def check_number(
    argument: str, value: object, allowed: str, or_none: bool = False
) -> float | None:
    """Raises a `ValueError` unless `value` is a real number in `allowed`.

    Python and NumPy ints and floats count (`np.float32(0.5)`). Strings,
    booleans, NaN and infinities are refused: `"0.5"` or `True` is a
    mistake, not a number, and an infinite weight or learning rate makes
    every loss NaN.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.
        allowed: str. An interval such as `"[0, 1)"` or `"(0, 1)"`, or a
            bound such as `">= 0"` or `"> 0"` (a finite number).
        or_none: bool. Whether None is also accepted. Defaults to False.

    Returns:
        `value` as a Python float (None stays None), to store (JSON has no
        `np.float32`).

    Example:
    >>> check_number("beta_1", np.float32(0.5), "[0, 1)")
    0.5
    >>> check_number("r1_weight", float("inf"), ">= 0")
    Traceback (most recent call last):
    ...
    ValueError: `r1_weight` must be a finite number >= 0; received inf.
    """
    if or_none and value is None:
        return None
    interval = re.fullmatch(r"([\[(])(\S+), (\S+)([\])])", allowed)
    bound = re.fullmatch(r"(>=|>) (\S+)", allowed)
    if interval:
        low, high = float(interval[2]), float(interval[3])
        closed_low, closed_high = interval[1] == "[", interval[4] == "]"
        wanted = f"a number in {allowed}"
    elif bound:
        low, high = float(bound[2]), math.inf
        closed_low, closed_high = bound[1] == ">=", False
        wanted = f"a finite number {allowed}"
    else:
        raise ValueError(f"Cannot read the range {allowed!r}.")
    ok = (
        is_real(value)
        and math.isfinite(value)
        and (low <= value if closed_low else low < value)
        and (value <= high if closed_high else value < high)
    )
    if not ok:
        none = " or None" if or_none else ""
        raise ValueError(
            f"`{argument}` must be {wanted}{none}; received {value!r}."
        )
    return float(value)


def check_num_classes(num_classes) -> int | None:
    """Raises unless `num_classes` is None (unconditional) or an int >= 2.

    Args:
        num_classes: int or None. The number of classes.

    Returns:
        `num_classes` as a Python int, or None.

    Example:
    >>> check_num_classes(np.int64(10))
    10
    """
    if num_classes is None:
        return None
    if not is_integer(num_classes) or num_classes < 2:
        raise ValueError(
            "`num_classes` must be None (unconditional) or an int >= 2; "
            f"received {num_classes!r}."
        )
    return int(num_classes)


def doubling_steps(image_size: int, base_size: int | None = None) -> int:
    """Counts the doublings that grow a `base_size` map to `image_size`.

    Args:
        image_size: int. Height and width of the (square) image.
        base_size: int or None. Height and width of the smallest feature map.
            `None` picks the smallest base of at least 4 pixels reached by
            halving `image_size` (4 for 32, 64 and 128; 7 for 28). Defaults
            to None.

    Returns:
        The number of stride-2 stages, at least 1.

    Example:
    >>> doubling_steps(28)
    2
    >>> doubling_steps(64, base_size=8)
    3
    """
    check_positive_int("image_size", image_size)
    if base_size is None:
        base_size = image_size
        while base_size % 2 == 0 and base_size // 2 >= 4:
            base_size //= 2
    check_positive_int("base_size", base_size)
    steps, size = 0, base_size
    while size < image_size:
        size *= 2
        steps += 1
    if size != image_size or steps == 0:
        reachable = sorted({base_size * 2**k for k in range(1, 6)})
        raise ValueError(
            f"image_size={image_size} cannot be reached by doubling "
            f"base_size={base_size}; sizes reachable from that base are "
            f"{reachable}. Pick an image_size of the form base_size * 2**k "
            "with k >= 1 (for example 28, 32, 64 or 128)."
        )
    return steps


def check_labels(
    labels, num_classes: int, num_samples: int, argument: str = "labels"
) -> np.ndarray:
    """Checks class labels for `num_samples` images and returns them.

    Args:
        labels: int or array-like. One class for all images, or one class
            per image, `(num_samples,)`.
        num_classes: int. Valid labels are `0 .. num_classes - 1`.
        num_samples: int. How many images the labels are for.
        argument: str. The caller's name for the labels, used in the
            messages. Defaults to `"labels"`.

    Returns:
        An int32 numpy array `(num_samples,)`.

    Example:
    >>> check_labels(3, num_classes=10, num_samples=2).tolist()
    [3, 3]
    """
    array = np.asarray(labels)
    if array.dtype.kind not in "iu" or array.ndim > 1:
        raise ValueError(
            f"`{argument}` must be an int or a 1-D array of ints; received "
            f"{labels!r}."
        )
    if array.ndim == 0:
        array = np.full([num_samples], array)
    if len(array) != num_samples:
        raise ValueError(
            f"Expected {num_samples} labels in `{argument}` (one per "
            f"image); received {len(array)}."
        )
    bad = array[(array < 0) | (array >= num_classes)]
    if len(bad):
        raise ValueError(
            f"`{argument}` must be class ids in [0, {num_classes}); "
            f"received {sorted(set(bad.tolist()))}."
        )
    return array.astype(np.int32)


def check_minibatch_stddev(argument: str, value: object) -> int:
    """Raises a `ValueError` unless `value` is 0 (off) or an int >= 2.

    A minibatch standard deviation group size: a group of one image has
    no spread.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.

    Returns:
        `value` as a Python int.

    Example:
    >>> check_minibatch_stddev("minibatch_stddev", 4)
    4
    >>> check_minibatch_stddev("group", 1)
    Traceback (most recent call last):
    ...
    ValueError: `group` must be 0 (off) or a group size >= 2; received 1.
    """
    if not is_integer(value) or value < 0 or value == 1:
        raise ValueError(
            f"`{argument}` must be 0 (off) or a group size >= 2; "
            f"received {value!r}."
        )
    return int(value)


def check_non_negative_int(argument: str, value: object) -> int:
    """Raises a `ValueError` unless `value` is an int >= 0.

    For seeds of NumPy's generators (`np.random.default_rng`), which refuse
    negative numbers, strings and floats with messages that name no
    argument.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.

    Returns:
        `value` as a Python int.

    Example:
    >>> check_non_negative_int("seed", np.uint32(0))
    0
    >>> check_non_negative_int("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be an int >= 0; received -1.
    """
    if not is_integer(value) or value < 0:
        raise ValueError(
            f"`{argument}` must be an int >= 0; received {value!r}."
        )
    return int(value)


# A GIF stores each frame's display time in hundredths of a second, in 16
# bits: other millisecond values would be rounded down (85 -> 80, 5 -> 0,
# which viewers replace by their own default) or overflow the encoder.
GIF_FRAME_MS_RANGE = (10, 655_350)


def check_gif_frame_ms(argument: str, value: object) -> int:
    """Raises a `ValueError` unless `value` is a frame time a GIF can store.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. Milliseconds per frame.

    Returns:
        `value` as a Python int.

    Example:
    >>> check_gif_frame_ms("frame_ms", np.int64(80))
    80
    """
    low, high = GIF_FRAME_MS_RANGE
    if not is_integer(value) or not low <= value <= high or value % 10:
        raise ValueError(
            f"`{argument}` must be a multiple of 10 from {low} to {high} (a "
            "GIF stores frame times in hundredths of a second, in 16 bits); "
            f"received {value!r}."
        )
    return int(value)


def check_value_range(value_range) -> tuple[float, float]:
    """Checks the pixel values of black and white and returns them.

    A string is refused rather than read character by character (`"05"`
    would otherwise be `(0, 5)`).

    Args:
        value_range: A pair of finite numbers `(black, white)`, black <
            white.

    Returns:
        `(black, white)` as floats.

    Example:
    >>> check_value_range([0, 255])
    (0.0, 255.0)
    """
    low = high = math.nan
    if not isinstance(value_range, str | bytes | dict):
        with contextlib.suppress(TypeError, ValueError):
            low, high = value_range
    ok = all(is_real(value) for value in (low, high))
    if ok:
        low, high = float(low), float(high)
    if not (ok and math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            "`value_range` must be two finite numbers (black, white) with "
            f"black < white, e.g. (0, 255); received {value_range!r}."
        )
    return low, high
