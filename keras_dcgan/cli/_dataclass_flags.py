"""absl flags generated from the fields of a settings dataclass.

Every field becomes a flag of the same name with no default: only the flags
given on the command line override the preset, so `--help` and the
dataclass docstrings never disagree and a new field is a new flag.
"""

import dataclasses
import re
import types
import typing

from absl import flags


def field_help(cls) -> dict[str, str]:
    """Each field's description from the class docstring's `Attributes:`.

    Args:
        cls: type. A dataclass documented in the `name: type. Text.` style.

    Returns:
        A dict from field name to its description without the type and the
        `Defaults to ...` sentence.
    """
    text = (cls.__doc__ or "").split("Attributes:", 1)[-1]
    text = text.split("\n\n", 1)[0]
    helps = {}
    for match in re.finditer(
        r"^\s{8}(\w+): [^.]+\.\s(.*?)(?=^\s{8}\w+: |\Z)",
        text,
        flags=re.MULTILINE | re.DOTALL,
    ):
        description = " ".join(match.group(2).split())
        description = re.sub(r"\s*Defaults to .*$", "", description)
        helps[match.group(1)] = description
    return helps


def _base_type(annotation):
    """`(type, optional)` for `int`, `int | None` and the like."""
    if isinstance(annotation, types.UnionType):
        args = [arg for arg in annotation.__args__ if arg is not type(None)]
        return args[0], len(args) < len(annotation.__args__)
    return annotation, False


class _FloatPair:
    """`tuple[float, float]` fields: the flag takes `LOW,HIGH`."""

    __name__ = "LOW,HIGH"

    def __call__(self, text):
        parts = text.split(",")
        if len(parts) != 2:
            raise ValueError(f"expected two numbers LOW,HIGH, got {text!r}")
        return tuple(float(part) for part in parts)


def _parser_type(base):
    if typing.get_origin(base) is tuple:
        return _FloatPair()
    return base


class _Choice:
    """A string among `allowed`."""

    def __init__(self, allowed):
        self.allowed = tuple(allowed)
        self.__name__ = "|".join(self.allowed)

    def __call__(self, text):
        if text not in self.allowed:
            raise ValueError(f"expected one of {self.__name__}, got {text!r}")
        return text


class _OptionalParser(flags.ArgumentParser):
    """Parses a value of `base`, or `none` for None."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.syntactic_help = f"{base.__name__} or none"

    def parse(self, argument):
        if not isinstance(argument, str):
            return argument
        if argument.lower() == "none":
            return None
        try:
            return self.base(argument)
        except ValueError as error:
            raise ValueError(
                f"expected {self.base.__name__} or none, got {argument!r}"
            ) from error

    def flag_type(self):
        return f"{self.base.__name__} or none"


def define_flags(
    cls,
    module_name,
    exclude=(),
    choices=None,
    flag_values=flags.FLAGS,
    default_help="Default: the preset's value.",
) -> list[str]:
    """Defines one absl flag per field of a dataclass.

    Args:
        cls: type. The dataclass.
        module_name: str. The module the flags belong to (`__name__` of the
            subcommand), under which `--help` lists them.
        exclude: iterable of str. Fields without a flag. Defaults to ().
        choices: dict or None. Allowed values of string fields, by name,
            for enum flags. Defaults to None.
        flag_values: absl FlagValues. Where to define them. Defaults to
            `flags.FLAGS`.
        default_help: str. The sentence on the default value that ends each
            flag's description. Defaults to "Default: the preset's value.".

    Returns:
        The names of the flags defined.
    """
    helps = field_help(cls)
    choices = choices or {}
    names = []
    for field in dataclasses.fields(cls):
        name = field.name
        if name in exclude:
            continue
        base, optional = _base_type(field.type)
        if not helps.get(name):
            raise ValueError(
                f"{cls.__name__}.{name} has no description in the class "
                "docstring's Attributes: every flag needs one."
            )
        text = f"{helps[name]} {default_help}"
        where = {"module_name": module_name, "flag_values": flag_values}
        if optional and name in choices:
            allowed = [*choices[name], "none"]
            flags.DEFINE(
                _OptionalParser(_Choice(choices[name])),
                name,
                None,
                f"{text} One of: {', '.join(allowed)}.",
                **where,
            )
        elif optional and base is bool:
            # --name / --noname; not given leaves the field's None (or the
            # preset's value) in place.
            flags.DEFINE_bool(name, None, text, **where)
        elif optional:
            flags.DEFINE(
                _OptionalParser(_parser_type(base)), name, None, text, **where
            )
        elif name in choices:
            flags.DEFINE_enum(name, None, list(choices[name]), text, **where)
        elif base is bool:
            flags.DEFINE_bool(name, None, text, **where)
        elif base is int:
            flags.DEFINE_integer(name, None, text, **where)
        elif base is float:
            flags.DEFINE_float(name, None, text, **where)
        elif base is str:
            flags.DEFINE_string(name, None, text, **where)
        else:
            raise TypeError(f"No flag type for field {name!r} of {base}.")
        names.append(name)
    return names


def given(names, flag_values=flags.FLAGS) -> dict:
    """The values of the flags among `names` set on the command line.

    Args:
        names: iterable of str. Flag names.
        flag_values: absl FlagValues. Defaults to `flags.FLAGS`.

    Returns:
        A dict of name to value, only for flags that were given.
    """
    return {
        name: flag_values[name].value
        for name in names
        if flag_values[name].present
    }
