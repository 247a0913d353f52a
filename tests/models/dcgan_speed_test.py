"""DCGAN training options for speed: mixed precision and XLA."""

import keras
import numpy as np
import pytest


def _gan(tiny_gan, policy):
    # The global policy, not `dtype=`: the networks build their layers with
    # the global policy (see the report on Generator's `dtype` argument).
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        return tiny_gan()
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def _images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (8, 16, 16, 1)).astype("float32")


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein"])
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_without_nan_and_outputs_float32(
    policy, loss, tiny_gan
):
    gan = _gan(tiny_gan, policy)
    gan.compile(loss=loss)
    history = gan.fit(_images(), batch_size=4, epochs=2, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values).all(), name
    assert gan.generator.get_layer("up1_conv").compute_dtype == policy[6:]
    # Variables stay float32; only the computation is in half precision.
    assert {w.dtype for w in gan.generator.trainable_weights} == {"float32"}
    images = gan.generate(3, seed=0)
    assert images.dtype == np.float32
    assert np.isfinite(images).all()
    assert np.abs(images).max() <= 1.0
    logits = gan.discriminator(images)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"


def test_float16_wraps_both_optimizers_for_loss_scaling(tiny_gan):
    gan = _gan(tiny_gan, "mixed_float16")
    gan.compile()
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    gan.fit(_images(), batch_size=4, epochs=1, verbose=0)
    # The dynamic scale was used: two finite steps, no skipped update.
    assert int(gan.g_optimizer.iterations.numpy()) == 2


def test_bfloat16_and_float32_need_no_loss_scaling(tiny_gan):
    for policy in ("mixed_bfloat16", "float32"):
        gan = _gan(tiny_gan, policy)
        gan.compile()
        assert not isinstance(
            gan.d_optimizer, keras.optimizers.LossScaleOptimizer
        )


def test_float16_gan_saves_and_loads_without_double_wrapping(
    tmp_path, tiny_gan
):
    gan = _gan(tiny_gan, "mixed_float16")
    gan.compile(
        d_optimizer=keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(1e-3)
        )
    )
    gan.fit(_images(), batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.models.load_model(path)
    for optimizer in (loaded.d_optimizer, loaded.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        assert not isinstance(
            optimizer.inner_optimizer, keras.optimizers.LossScaleOptimizer
        )
    # Same weights; float16 arithmetic agrees to about 1e-3.
    np.testing.assert_allclose(
        loaded.generate(2, seed=1), gan.generate(2, seed=1), atol=2e-3
    )


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein"])
def test_xla_step_compiles_and_trains(loss, tiny_gan):
    # `DCGAN.compile` keeps Keras's default (XLA off on CPU, on for one
    # GPU); `TrainConfig` turns it on (about 1.5x faster on CPU,
    # docs/performance.md) and TPUs always compile, so the step must.
    # XLA draws other random numbers than TensorFlow's kernels for the same
    # seed, so its updates are not compared with a graph run's.
    gan = _gan(tiny_gan, "float32")
    initial = gan.generator.get_layer("project").kernel.numpy()
    gan.compile(loss=loss, jit_compile=True)
    assert gan.jit_compile is True
    history = gan.fit(_images(), batch_size=4, epochs=2, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values).all(), name
    trained = gan.generator.get_layer("project").kernel.numpy()
    assert np.abs(trained - initial).max() > 1e-4
    assert np.isfinite(gan.generate(2, seed=0)).all()


def test_xla_is_off_by_default_on_a_cpu_only_machine(tiny_gan):
    gan = _gan(tiny_gan, "float32")
    gan.compile()
    assert gan.jit_compile is False
