"""Errors whose advice names arguments, so each front end speaks its own
language: a Python call reads `overwrite=True`, the command line
`--overwrite`."""

import dataclasses
import re

_NAME_ONLY = object()


@dataclasses.dataclass(frozen=True)
class Option:
    """An argument, and the value an error message advises for it.

    Attributes:
        argument: str. The Python argument name.
        value: object. The advised value; left out, the message names only
            the argument (`image_size`, `--image_size`).
    """

    argument: str
    value: object = _NAME_ONLY

    def as_python(self) -> str:
        """`argument=value` as a Python call spells it."""
        if self.value is _NAME_ONLY:
            return self.argument
        return f"{self.argument}={self.value!r}"

    def as_flag(self, flag: str | None = None) -> str:
        """`--flag=value` as the command line spells it.

        Args:
            flag: str or None. The flag's name; None is the argument's name.
                Defaults to None.

        Returns:
            `--flag`, `--noflag` for booleans, else `--flag=value`.
        """
        flag = flag or self.argument
        value = self.value
        if value is _NAME_ONLY:
            return f"--{flag}"
        if value is True:
            return f"--{flag}"
        if value is False:
            return f"--no{flag}"
        if value is None:
            return f"--{flag}=none"
        if isinstance(value, tuple | list):
            value = ",".join(str(item) for item in value)
        return f"--{flag}={value}"


class OptionError(ValueError):
    """A `ValueError` whose message advises setting some arguments.

    The message is a template with one `{field}` per piece of advice; other
    braces are left as they are. A field's value is an `Option`, or any
    other value `v` meaning `Option(field_name, v)`. `str(error)` writes
    them as Python (`resize='bilinear'`); `for_flags` writes them as
    command-line flags (`--resize=bilinear`), which is how the CLI reports
    the error.

    Args:
        template: str. The message, with one `{field}` per option.
        **fields: The option of each field of `template`.

    Example:
    >>> error = OptionError(
    ...     "Pass {resize} to enlarge, or {pad} to pad.",
    ...     resize="bilinear",
    ...     pad=Option("resize", "pad"),
    ... )
    >>> str(error)
    "Pass resize='bilinear' to enlarge, or resize='pad' to pad."
    >>> error.for_flags()
    'Pass --resize=bilinear to enlarge, or --resize=pad to pad.'
    """

    def __init__(self, template: str, **fields):
        self.template = template
        self.options = {
            name: value if isinstance(value, Option) else Option(name, value)
            for name, value in fields.items()
        }
        super().__init__(self._render(Option.as_python))

    def _render(self, write) -> str:
        # Only the `{field}`s of options are replaced: other braces (a path,
        # a dict in the message) stay as they are.
        def replace(match):
            option = self.options.get(match.group(1))
            return match.group(0) if option is None else write(option)

        return re.sub(r"\{(\w+)\}", replace, self.template)

    def for_flags(self, flag_name=None) -> str:
        """The message with each option written as a flag.

        Args:
            flag_name: callable or None. Maps an argument name to its flag
                name; None keeps the argument's name. Defaults to None.

        Returns:
            The message as the command line prints it.
        """
        flag_name = flag_name or (lambda argument: argument)
        return self._render(
            lambda option: option.as_flag(flag_name(option.argument))
        )


class OptionFileExistsError(OptionError, FileExistsError):
    """An `OptionError` that is also a `FileExistsError`: an output is
    already there, and the message says which argument replaces it."""
