"""Helpers the export tests share."""

import numpy as np


def randomize(model, seed):
    """Random weights and batch-norm statistics, as after training.

    An exported untrained generator would compare trivially (batch norm at
    its initial statistics); these weights make every layer matter.
    """
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "moving_variance" in variable.path:
            value = rng.uniform(0.5, 2.0, shape)
        else:
            value = rng.normal(0.0, 0.3, shape)
        variable.assign(value.astype("float32"))


def to_uint8(images):
    """[-1, 1] images to uint8, written out independently of the library."""
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
