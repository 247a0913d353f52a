"""Tests of keras_dcgan.training.config: presets, JSON, resume checks."""

import dataclasses

import pytest

from keras_dcgan.models.presets import PRESETS
from keras_dcgan.training import RESUMABLE_FIELDS
from keras_dcgan.training import TRAIN_PRESETS
from keras_dcgan.training import TrainConfig
from keras_dcgan.training import get_train_config
from keras_dcgan.training.trainer import build_gan


def test_default_is_the_paper_recipe():
    config = TrainConfig()
    assert (config.d_learning_rate, config.g_learning_rate) == (2e-4, 2e-4)
    assert (config.beta_1, config.batch_size) == (0.5, 128)
    assert config.network.image_size == 64


@pytest.mark.parametrize("name", sorted(TRAIN_PRESETS))
def test_presets_override_only_a_few_fields(name):
    preset = TRAIN_PRESETS[name]
    # The network preset, with at most its widths and the discriminator's
    # depth tuned for training.
    network_changes = {
        field.name
        for field in dataclasses.fields(preset.network)
        if getattr(preset.network, field.name)
        != getattr(PRESETS[name], field.name)
    }
    assert network_changes <= {
        "generator_filters",
        "discriminator_filters",
        "discriminator_extra_layers",
    }
    assert preset.preset == name
    changed = [
        field.name
        for field in dataclasses.fields(TrainConfig)
        if getattr(preset, field.name) != getattr(TrainConfig(), field.name)
    ]
    assert set(changed) <= {
        "preset",
        "network",
        "dataset",
        "batch_size",
        "epochs",
        "d_learning_rate",
        "g_learning_rate",
        "ema_decay",
        "reuse_fakes",
        "r1_weight",
        "r1_interval",
        "mode_seeking_weight",
        "precision",
        "shuffle_buffer",
    }


def test_mnist_preset_keeps_an_ema_generator():
    assert TRAIN_PRESETS["mnist"].ema_decay is not None
    assert TRAIN_PRESETS["mnist"].network.image_size == 28


def test_mnist_preset_is_the_tuned_recipe():
    # docs/quality.md: a 5x faster generator, a half-width discriminator
    # and the discriminator update's fakes reused, for 50 epochs (the
    # demo's clock ends it first), with an R1 penalty of 0.2 (lazily, every
    # 4th step at 0.8), a generator average of decay 0.97, the mode-seeking
    # regularizer at 0.3, and bfloat16 where the device has its units.
    preset = TRAIN_PRESETS["mnist"]
    assert (preset.g_learning_rate, preset.d_learning_rate) == (1e-3, 2.5e-4)
    assert (preset.reuse_fakes, preset.epochs) == (True, 50)
    assert preset.precision == "auto"
    assert preset.ema_decay == 0.97
    assert (preset.fake_labels, preset.mode_seeking_weight) == ("uniform", 0.3)
    assert (preset.r1_weight, preset.r1_interval) == (0.2, 4)
    # docs/quality.md: two stride-1 layers after the discriminator's last
    # stage, paid for with 24 instead of 32 filters.
    assert preset.network.discriminator_filters == 24
    assert preset.network.discriminator_extra_layers == 2
    assert (
        preset.network.generator_filters == PRESETS["mnist"].generator_filters
    )
    assert preset.jit_compile is None  # XLA at 28x28


def test_get_train_config_applies_overrides():
    config = get_train_config(
        "mnist", network={"latent_dim": 8}, epochs=3, loss="hinge"
    )
    assert config.network.latent_dim == 8
    assert config.network.image_size == 28
    assert (config.epochs, config.loss) == (3, "hinge")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"preset": "imagenet"}, "Unknown preset 'imagenet'; expected one of"),
        ({"epoch": 3}, r"Unknown training option\(s\) \['epoch'\]"),
        ({"network": {"size": 3}}, r"Unknown network option\(s\) \['size'\]"),
        ({"batch_size": 0}, "`batch_size` must be a positive integer"),
        ({"loss": "l2"}, "Unknown loss 'l2'"),
        ({"ema_decay": 1.0}, r"`ema_decay` must be a number in \(0, 1\)"),
        ({"beta_1": 1.5}, r"`beta_1` must be a number in \[0, 1\)"),
        (
            {"d_learning_rate": 0.0},
            "`d_learning_rate` must be a finite number > 0",
        ),
        ({"steps_per_epoch": -1}, "`steps_per_epoch` must be a positive"),
        ({"augment": "zoom"}, r"Unknown or repeated augmentation \['zoom'\]"),
        ({"ada_target": 0.6}, "`ada_target` needs an `augment` policy"),
        (
            {"augment": "", "augment_probability": 0.5, "ada_target": 0.6},
            r"`augment_probability` and `ada_target` need an `augment` "
            r"policy .* but `augment` is empty \(''\)",
        ),
        (
            {"augment": "color", "ada_target": 1.0},
            r"must be a number in \(0, 1\)",
        ),
        ({"r1_weight": -0.5}, "`r1_weight` must be a finite number >= 0"),
        ({"r1_interval": 0}, "`r1_interval` must be a positive integer"),
        ({"precision": "float16"}, "Unknown precision 'float16'; expected"),
        ({"reuse_fakes": 1}, "`reuse_fakes` must be True or False"),
        # Empty names: '' would read the current folder or TFDS's default.
        ({"dataset": ""}, r"`dataset` is empty \(''\); pass a dataset name"),
        ({"split": ""}, r"`split` is empty \(''\); pass a split such as"),
        ({"image_key": ""}, r"`image_key` is empty \(''\)"),
        ({"label_key": ""}, r"`label_key` is empty \(''\)"),
    ],
)
def test_bad_settings_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_train_config(**kwargs)


FLOAT_FIELDS = [
    field.name
    for field in dataclasses.fields(TrainConfig)
    if field.type in (float, float | None)
]
BOOL_FIELDS = [
    field.name
    for field in dataclasses.fields(TrainConfig)
    if field.type is bool
]


def test_every_float_field_has_a_range():
    from keras_dcgan.options import NUMBER_RANGES as FLOAT_RANGES

    assert sorted(FLOAT_RANGES) == sorted(FLOAT_FIELDS)


@pytest.mark.parametrize("name", FLOAT_FIELDS)
@pytest.mark.parametrize("value", ["0.5", True, float("nan"), float("inf")])
def test_float_fields_take_finite_numbers_only(name, value):
    # A string (a hand-written config.json) failed in a comparison with a
    # TypeError; True passed as 1; inf passed the "> 0" and ">= 0" checks.
    changes = {name: value}
    if name in ("augment_probability", "ada_target"):
        changes["augment"] = "color"
    with pytest.raises(
        ValueError, match=rf"`{name}` must be a (finite )?number .*received"
    ):
        get_train_config(**changes)


@pytest.mark.parametrize("name", BOOL_FIELDS)
def test_bool_fields_refuse_strings(name):
    # "false" is truthy: it used to turn `crop` or `flip` on.
    with pytest.raises(
        ValueError,
        match=f"`{name}` must be True or False; received 'false'.",
    ):
        get_train_config(**{name: "false"})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"gradient_penalty_weight": -1.0},
            "`gradient_penalty_weight` must be a finite number >= 0; "
            "received -1.0.",
        ),
        (
            {"r1_weight": float("inf")},
            "`r1_weight` must be a finite number >= 0; received inf.",
        ),
        # NumPy's and TensorFlow's global seeds are 32-bit: -1 failed when
        # training started, in NumPy's words.
        (
            {"seed": -1},
            r"`seed` must be an int in \[0, 2\*\*32 - 1\]; received -1.",
        ),
        ({"resize": "linear"}, "Unknown resize 'linear'; expected one of"),
        ({"dataset": None}, "`dataset` must be a str; received None."),
        ({"split": 3}, "`split` must be a str or None; received 3."),
        (
            {"value_range": (0, float("inf"))},
            "`value_range` must be two finite numbers",
        ),
        # Before: read character by character, as (0.0, 5.0).
        (
            {"value_range": "05"},
            r"`value_range` must be two finite numbers \(black, white\) with "
            r"black < white, e.g. \(0, 255\); received '05'.",
        ),
        (
            {"augment": "translation,zoom"},
            r"Unknown or repeated augmentation \['zoom'\] in "
            "augment='translation,zoom'; expected comma-separated names",
        ),
        (
            {"augment": ["color"]},
            "`augment` must be a string such as 'translation,cutout,color' "
            "or None; received",
        ),
        (
            {"network": {"leaky_relu_slope": float("nan")}},
            "`leaky_relu_slope` must be a finite number >= 0; received nan.",
        ),
        (
            {"network": {"synchronized_batch_norm": "false"}},
            "`synchronized_batch_norm` must be True or False",
        ),
        (
            {"network": {"discriminator_extra_layers": -1}},
            "`discriminator_extra_layers` must be an int >= 0; received -1.",
        ),
        (
            {"network": {"discriminator_minibatch_stddev": 1}},
            r"`discriminator_minibatch_stddev` must be 0 \(off\) or a group "
            "size >= 2; received 1.",
        ),
        (
            {"network": {"num_classes": "10"}},
            r"`num_classes` must be None \(unconditional\) or an int >= 2; "
            "received '10'.",
        ),
    ],
)
def test_bad_values_of_each_kind_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_train_config(**kwargs)


def test_a_hand_edited_config_json_names_the_bad_field():
    values = {**TrainConfig().to_dict(), "r1_weight": "1"}
    with pytest.raises(
        ValueError, match="`r1_weight` must be a finite number >= 0"
    ):
        TrainConfig.from_dict(values)


def test_json_round_trip():
    config = get_train_config("cifar10", network={"upsampling": "nearest"})
    restored = TrainConfig.from_dict(config.to_dict())
    assert restored == config
    assert '"upsampling": "nearest"' in config.to_json()
    with pytest.raises(ValueError, match="Unknown training option"):
        TrainConfig.from_dict({**config.to_dict(), "surprise": 1})


def test_incompatible_changes_ignore_resumable_fields():
    config = get_train_config("mnist")
    assert config.incompatible_changes(config.replace(epochs=99)) == []
    assert "epochs" in RESUMABLE_FIELDS
    changes = config.incompatible_changes(
        config.replace(dataset="cifar10", network={"latent_dim": 7})
    )
    assert changes == [
        "network.latent_dim: 100 -> 7",
        "dataset: 'mnist' -> 'cifar10'",
    ]


def test_build_gan_passes_reuse_fakes_to_compile():

    config = get_train_config("mnist", network={"latent_dim": 8})
    assert build_gan(config).reuse_fakes is True  # the preset's choice
    assert build_gan(config.replace(reuse_fakes=False)).reuse_fakes is False


def test_build_gan_passes_the_r1_settings_to_compile():

    config = get_train_config("mnist", network={"latent_dim": 8})
    gan = build_gan(config.replace(r1_weight=0.4, r1_interval=4))
    assert (gan.r1_weight, gan.r1_interval) == (0.4, 4)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # Before: "Unknown network option(s) ['x']", the string's letters.
        (
            lambda: get_train_config("mnist", network="x"),
            r"`network` must be a dict of NetworkConfig fields and values; "
            r"received 'x'\.",
        ),
        # Before: silently ignored (an empty list is falsy).
        (
            lambda: TrainConfig().replace(network=[]),
            r"`network` must be a dict of NetworkConfig fields and values; "
            r"received \[\]\.",
        ),
        # Before: TypeError: 'int' object is not iterable.
        (
            lambda: TrainConfig.from_dict({"epochs": 2, "network": 5}),
            r"`network` must be a dict of NetworkConfig fields and values; "
            r"received 5\.",
        ),
        (
            lambda: TrainConfig.from_dict([1]),
            r"`values` must be a dict of TrainConfig fields and values; "
            r"received \[1\]\.",
        ),
    ],
)
def test_settings_that_are_not_dicts_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_config_saved_before_discriminator_extra_layers_loads_as_before():
    """config.json written before the field existed: the paper's network."""
    values = get_train_config("mnist").to_dict()
    del values["network"]["discriminator_extra_layers"]
    config = TrainConfig.from_dict(values)
    assert config.network.discriminator_extra_layers == 0
    assert (
        config.network.build_discriminator().get_config()["extra_layers"] == 0
    )


def test_a_config_saved_before_discriminator_minibatch_stddev_loads_as_before():
    """config.json written before the field existed: no stddev map."""
    values = get_train_config("mnist").to_dict()
    del values["network"]["discriminator_minibatch_stddev"]
    config = TrainConfig.from_dict(values)
    assert config.network.discriminator_minibatch_stddev == 0
    discriminator = config.network.build_discriminator()
    assert discriminator.get_config()["minibatch_stddev"] == 0
    names = [layer.name for layer in discriminator.layers]
    assert "minibatch_stddev" not in names


def test_a_config_saved_before_mode_seeking_resumes_without_it():
    """config.json of a run started before the field existed (and before
    the preset used it): the run resumes without the regularizer."""
    values = get_train_config("mnist", network={"num_classes": 10}).to_dict()
    del values["mode_seeking_weight"]
    config = TrainConfig.from_dict(values)
    assert config.mode_seeking_weight == 0.0
    assert build_gan(config).mode_seeking_weight == 0.0
