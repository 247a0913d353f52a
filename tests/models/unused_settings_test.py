"""A setting the model would not use is refused, not accepted and ignored.

Each was accepted before and did nothing: the conditional-only settings on
an unconditional model, and a WGAN-GP weight with another loss. Models and
checkpoints saved before the refusal still load.
"""

import os

import keras
import pytest

from keras_dcgan import DCGAN
from keras_dcgan import Discriminator
from keras_dcgan import Generator
from keras_dcgan.training import TrainConfig
from keras_dcgan.training import get_train_config

CONDITIONAL_ONLY = (
    r"applies to a class-conditional DCGAN only, and this one is "
    r"unconditional \(`num_classes` is None\)"
)


def test_a_label_embedding_needs_classes():
    with pytest.raises(
        ValueError, match=rf"`label_embedding_dim`=8 {CONDITIONAL_ONLY}"
    ):
        Generator(8, 16, 1, 4, label_embedding_dim=8)
    Generator(8, 16, 1, 4, num_classes=3, label_embedding_dim=8)


def test_another_conditioning_needs_classes():
    with pytest.raises(
        ValueError, match=rf"`conditioning`='channels' {CONDITIONAL_ONLY}"
    ):
        Discriminator(16, 1, 4, conditioning="channels")
    Discriminator(16, 1, 4, num_classes=3, conditioning="channels")
    Discriminator(16, 1, 4, conditioning="projection")  # the default


def test_networks_saved_with_an_unused_setting_still_load():
    generator = Generator(8, 16, 1, 4)
    config = {**generator.get_config(), "label_embedding_dim": 8}
    loaded = Generator.from_config(config)
    assert loaded.count_params() == generator.count_params()
    discriminator = Discriminator(16, 1, 4)
    config = {**discriminator.get_config(), "conditioning": "channels"}
    loaded = Discriminator.from_config(config)
    assert loaded.count_params() == discriminator.count_params()


@pytest.mark.parametrize("loss", ["non_saturating", "hinge", "least_squares"])
def test_a_gradient_penalty_weight_needs_the_wasserstein_loss(tiny_gan, loss):
    gan = tiny_gan()
    with pytest.raises(
        ValueError,
        match=rf"gradient_penalty_weight=5 weights WGAN-GP's gradient "
        rf"penalty, which only loss 'wasserstein' has; loss '{loss}' would "
        r"ignore it",
    ):
        gan.compile(loss=loss, gradient_penalty_weight=5)
    gan.compile(loss=loss, gradient_penalty_weight=10.0)  # the default
    gan.compile(loss="wasserstein", gradient_penalty_weight=5)
    with pytest.raises(ValueError, match=r"gradient_penalty_weight=0\.0 "):
        TrainConfig(loss=loss, gradient_penalty_weight=0.0)
    TrainConfig(loss="wasserstein", gradient_penalty_weight=0.0)


def test_a_checkpoint_saved_with_unused_settings_still_loads(
    tiny_gan, tmp_path
):
    gan = tiny_gan(compiled=True)
    # As an earlier version saved them: accepted then, and without effect.
    gan.compile(loss="hinge")
    gan.gradient_penalty_weight = 3.0
    gan.fake_labels = "data"
    path = os.path.join(tmp_path, "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, DCGAN)
    assert loaded.loss_name == "hinge"
    assert loaded.gradient_penalty_weight == 10.0
    assert loaded.fake_labels == "uniform"


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        # Without the preset's mode seeking, which pairs uniform labels.
        (
            {"fake_labels": "data", "mode_seeking_weight": 0.0},
            r"`fake_labels`='data'",
        ),
        ({"label_key": "label"}, r"`label_key`='label'"),
    ],
)
def test_a_run_refuses_conditional_settings_without_classes(
    changes, shown, tmp_path
):
    from keras_dcgan.training import train

    config = get_train_config(
        "mnist", dataset="mnist-sample", epochs=1, steps_per_epoch=1, **changes
    )
    workdir = os.path.join(tmp_path, "run")
    with pytest.raises(ValueError, match=rf"{shown} {CONDITIONAL_ONLY}"):
        train(config, workdir, verbose=0)
    assert not os.path.exists(workdir)  # nothing written
    config.replace(network={"num_classes": 10}).check_used()


def test_the_command_line_names_the_flag(cli, tmp_path):
    workdir = os.path.join(tmp_path, "run")
    result = cli(
        "train",
        "--dataset=mnist-sample",
        f"--workdir={workdir}",
        "--loss=hinge",
        "--gradient_penalty_weight=5",
    )
    assert result.returncode != 0
    assert "--gradient_penalty_weight=5" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli(
        "train",
        "--dataset=mnist-sample",
        f"--workdir={workdir}",
        "--fake_labels=data",
    )
    assert result.returncode != 0
    assert (
        "--fake_labels='data' applies to a class-conditional DCGAN only"
        in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(os.path.join(workdir, "config.json"))
