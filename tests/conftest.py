"""Shared test setup: quiet TensorFlow logs, fresh Keras state per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Layer names and global seeds do not leak from one test to the next."""
    keras.backend.clear_session()
    yield
