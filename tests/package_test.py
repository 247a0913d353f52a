"""Tests of the package namespace: lazy imports and Keras registration."""

import subprocess
import sys

import pytest


def _python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_keras_dcgan_loads_no_tensorflow(tmp_path):
    result = _python(
        "import sys, keras_dcgan\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
        "keras_dcgan.export.export_saved_model\n"
        "keras_dcgan.metrics.frechet_distance\n"
        "print('tensorflow' in sys.modules)\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]


@pytest.mark.parametrize(
    "imports", ["import keras_dcgan, keras", "import keras, keras_dcgan"]
)
def test_keras_loads_a_saved_dcgan_after_import_keras_dcgan(
    imports, tiny_gan, tmp_path
):
    gan = tiny_gan(compiled=True)
    gan.save(tmp_path / "gan.keras")
    result = _python(
        f"{imports}\n"
        "gan = keras.saving.load_model('gan.keras')\n"
        "print(type(gan).__name__, type(gan.generator).__name__)\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["DCGAN", "Generator"]


def test_unknown_names_are_attribute_errors():
    import keras_dcgan

    with pytest.raises(AttributeError, match="no attribute 'GAN'"):
        keras_dcgan.GAN  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        keras_dcgan.models.nope  # noqa: B018
