"""Class conditioning: the label layers the conditional networks share."""

import keras
import numpy as np  # noqa: F401 (the doctests use it)

from keras_dcgan.checks import check_labels  # noqa: F401
from keras_dcgan.checks import check_num_classes
from keras_dcgan.options import CONDITIONINGS  # noqa: F401
from keras_dcgan.options import check_conditional_only  # noqa: F401


def is_conditional(model) -> bool:
    """Whether a generator or discriminator takes class labels.

    Args:
        model: keras.Model. A functional network; a conditional one has a
            second input named `"labels"`.

    Returns:
        A bool.

    Example:
    >>> from keras_dcgan import Generator
    >>> is_conditional(Generator(8, 16, 1, 4, num_classes=3))
    True
    """
    inputs = getattr(model, "inputs", None) or []
    return len(inputs) == 2 and inputs[1].name.split(":")[0] == "labels"


@keras.saving.register_keras_serializable(package="keras_dcgan")
class OneHot(keras.layers.Layer):
    """One-hot encodes integer class labels: `(batch,)` to `(batch, K)`.

    Args:
        num_classes: int. The number of classes `K`.
        **kwargs: Standard layer arguments such as `name` and `dtype`.

    Example:
    >>> OneHot(3)(np.array([2, 0])).numpy().tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_num_classes(num_classes)

    def call(self, labels):
        return keras.ops.one_hot(
            keras.ops.cast(labels, "int32"),
            self.num_classes,
            dtype=self.compute_dtype,
        )

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="keras_dcgan")
class LabelMaps(keras.layers.Layer):
    """Broadcasts per-example vectors to constant feature maps.

    `(batch, K)` becomes `(batch, size, size, K)`: the one-hot label maps a
    `"channels"` conditional discriminator stacks onto the image.

    Args:
        size: int. Height and width of the maps.
        **kwargs: Standard layer arguments such as `name` and `dtype`.

    Example:
    >>> tuple(LabelMaps(4)(np.eye(3, dtype="float32")).shape)
    (3, 4, 4, 3)
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, vectors):
        vectors = keras.ops.cast(vectors, self.compute_dtype)
        batch, depth = keras.ops.shape(vectors)[0], vectors.shape[-1]
        return keras.ops.broadcast_to(
            vectors[:, None, None, :], (batch, self.size, self.size, depth)
        )

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": self.size}
