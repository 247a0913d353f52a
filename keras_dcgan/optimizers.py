"""Adam that updates each variable with TensorFlow's fused kernel.

`Adam` is `keras.optimizers.Adam` with the same arguments, state, saved
configuration and results (to float rounding), whose per-variable update is
one `ResourceApplyAdam` op where Keras runs about a dozen element-wise ops
and three assignments. `DCGAN.compile`'s default optimizers and
`keras-dcgan train` use it.

Reference:
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
    https://arxiv.org/abs/1412.6980
"""

import keras
import tensorflow as tf


def _resource(variable):
    """The TensorFlow variable behind a Keras one (a replica's, under a
    `tf.distribute` update)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


@keras.saving.register_keras_serializable(package="keras_dcgan")
class Adam(keras.optimizers.Adam):
    """Keras's Adam with one fused update op per variable.

    It takes the arguments of `keras.optimizers.Adam` and keeps the same
    slot variables (first and second moments), so checkpoints move between
    the two. On the TensorFlow backend each dense variable is updated by
    `tf.raw_ops.ResourceApplyAdam`, which computes Keras's update in one
    kernel:

        m <- m + (g - m) (1 - beta_1)
        v <- v + (g^2 - v) (1 - beta_2)
        w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + eps)

    with `t` the step number from 1. `amsgrad=True`, sparse gradients
    (`tf.IndexedSlices`) and other backends take Keras's own update.

    Example:
    >>> optimizer = Adam(learning_rate=2e-4, beta_1=0.5)
    >>> variable = keras.Variable([1.0, -1.0])
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, -0.5])],
    ...                 [variable])
    >>> [round(float(x), 4) for x in variable.numpy()]
    [0.9998, -0.9998]
    """

    def update_step(self, gradient, variable, learning_rate):
        if (
            keras.backend.backend() != "tensorflow"
            or self.amsgrad
            or isinstance(gradient, tf.IndexedSlices)
        ):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=_resource(variable).handle,
            m=_resource(self._momentums[index]).handle,
            v=_resource(self._velocities[index]).handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )
