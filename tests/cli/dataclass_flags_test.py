"""Tests of the flags generated from TrainConfig and NetworkConfig fields."""

import pytest
from absl import flags

from keras_dcgan.cli import _dataclass_flags
from keras_dcgan.losses import LOSSES
from keras_dcgan.models.presets import NetworkConfig
from keras_dcgan.training import TrainConfig
from keras_dcgan.training import get_train_config


@pytest.fixture
def flag_values():
    values = flags.FlagValues()
    names = _dataclass_flags.define_flags(
        TrainConfig,
        "test",
        exclude=("preset", "network"),
        choices={"loss": LOSSES},
        flag_values=values,
    )
    network = _dataclass_flags.define_flags(
        NetworkConfig, "test", flag_values=values
    )
    return values, names, network


def test_every_field_has_a_flag_with_its_docstring(flag_values):
    values, names, network = flag_values
    assert len(names) == len(TrainConfig.__dataclass_fields__) - 2
    assert len(network) == len(NetworkConfig.__dataclass_fields__)
    assert values["batch_size"].help.startswith("Images per training step.")
    assert "Defaults to" not in values["batch_size"].help


def test_only_given_flags_override_the_preset(flag_values):
    values, names, network = flag_values
    values(
        [
            "prog",
            "--epochs=3",
            "--ema_decay=none",
            "--notensorboard",
            "--loss=hinge",
            "--latent_dim=16",
            "--steps_per_epoch=7",
        ]
    )
    given = _dataclass_flags.given(names, values)
    assert given == {
        "epochs": 3,
        "ema_decay": None,
        "tensorboard": False,
        "loss": "hinge",
        "steps_per_epoch": 7,
    }
    config = get_train_config(
        "mnist", network=_dataclass_flags.given(network, values), **given
    )
    assert config.ema_decay is None  # the mnist preset keeps one otherwise
    assert config.network.latent_dim == 16
    assert config.batch_size == 64  # not given: the preset's


@pytest.mark.parametrize(
    ("argument", "match"),
    [
        ("--ema_decay=high", "expected float or none, got 'high'"),
        ("--loss=l1", "value should be one of <non_saturating"),
        ("--epochs=two", "invalid literal"),
    ],
)
def test_bad_values_are_flag_errors(flag_values, argument, match):
    values, _, _ = flag_values
    with pytest.raises(flags.IllegalFlagValueError, match=match):
        values(["prog", argument])


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [(["--nojit_compile"], False), (["--jit_compile"], True), ([], None)],
)
def test_an_optional_bool_is_a_switch_and_none_when_not_given(
    flag_values, arguments, expected
):
    # jit_compile=None chooses XLA by image size; the switch forces it.
    values, names, _ = flag_values
    values(["prog", *arguments])
    given = _dataclass_flags.given(names, values)
    assert given.get("jit_compile", "absent") == (
        "absent" if expected is None else expected
    )
    assert get_train_config("mnist", **given).jit_compile is expected


def test_every_named_choice_is_a_choice_flag():
    """A field whose config check lists the allowed values must be an enum
    flag of `keras-dcgan train`, so a bad value fails as `flag --name=...:
    value should be one of <...>`, in flag terms (`--fake_labels` once
    failed as "Unknown fake_labels 'real'")."""
    import dataclasses

    from keras_dcgan.cli import train as train_cli

    checked = []
    for config in (get_train_config("mnist"), NetworkConfig()):
        for field in dataclasses.fields(config):
            if field.type is not str:
                continue
            try:
                dataclasses.replace(config, **{field.name: "no-such-choice"})
            except ValueError as error:
                if "expected one of" not in str(error):
                    continue
                checked.append(field.name)
                parser = train_cli.FLAGS[field.name].parser
                assert isinstance(parser, flags.EnumParser), field.name
    assert {"loss", "precision", "fake_labels", "upsampling"} <= set(checked)
