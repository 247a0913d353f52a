"""`Network`: the plumbing every functional network of the package shares.

A network's constructor arguments are its hyperparameters: `Network` stores
each under its own name, returns them from `get_config` (with the name,
trainability and dtype policy) and rebuilds the network from them in
`from_config`. A subclass builds its layers inside `dtype_scope(kwargs)`,
so `dtype="mixed_bfloat16"` makes it compute in bfloat16 whatever the global
policy is, and a saved mixed-precision network loads as one.

Reference:
    keras-hub's `Backbone` (keras_hub/src/models/backbone.py) keeps the same
    plumbing in one base class.
"""

import keras

from keras_dcgan.models import blocks


class Network(keras.Model):
    """A functional `keras.Model` whose config is its constructor arguments.

    Subclasses call, at the end of their `__init__`,
    `super().__init__(inputs, outputs, config={...}, **kwargs)` with every
    hyperparameter in `config`; `kwargs` still holds `dtype` when the
    subclass built its layers inside `self.dtype_scope(kwargs)`.

    Args:
        inputs: The functional model's inputs.
        outputs: The functional model's outputs.
        config: dict. The subclass's constructor arguments by name.
        **kwargs: Standard `keras.Model` arguments such as `name` and
            `dtype`.
    """

    def __init__(self, inputs, outputs, config, **kwargs):
        dtype_policy = keras.dtype_policies.get(kwargs.pop("dtype", None))
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.dtype_policy = dtype_policy
        self._network_config = dict(config)
        for name, value in config.items():
            setattr(self, name, value)

    @staticmethod
    def dtype_scope(kwargs):
        """Builds the layers created inside under `kwargs["dtype"]`.

        Args:
            kwargs: dict. The constructor's `**kwargs`; its `dtype` (str,
                dict, `keras.DTypePolicy` or None, the global policy) is
                left in place for `Network.__init__` to record.
        """
        return blocks.dtype_policy_scope(kwargs.get("dtype"))

    @property
    def image_shape(self):
        """The shape of one image, `(height, width, channels)`."""
        return (self.image_size, self.image_size, self.channels)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.saving.serialize_keras_object(self.dtype_policy),
            **self._network_config,
        }

    # Settings only a conditional network uses. Saves from before they were
    # refused without `num_classes` may hold one; it never had an effect,
    # so `from_config` leaves it out and the network loads.
    CONDITIONAL_ONLY = ()

    @classmethod
    def from_config(cls, config):
        if config.get("num_classes") is None:
            config = {
                name: value
                for name, value in config.items()
                if name not in cls.CONDITIONAL_ONLY
            }
        return cls(**config)
