"""Argument checks shared by the whole package, with messages that name the
argument, the value received and what is allowed."""


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


def check_positive_int(argument: str, value: object) -> None:
    """Raises a `ValueError` unless `value` is a positive integer.

    Args:
        argument: str. The argument's name, used in the message.
        value: object. The value the user passed.

    Example:
    >>> check_positive_int("channels", 3)
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"`{argument}` must be a positive integer; received {value!r}."
        )
