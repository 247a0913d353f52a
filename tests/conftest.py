"""Shared test setup: quiet TensorFlow's C++ logs before it is imported."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
