"""tf.data settings the package applies to the datasets it iterates.

tf.data's autotuning runs a thread per iterator that re-optimizes the
pipeline on a period doubling from 10 ms to 60 s, and TensorFlow 2.21
destroys an iterator (`RootDataset::Iterator::~Iterator`) only after that
thread's next wake-up. Every iterator therefore outlives its last element by
up to its own age, at most a minute: the end of each `DCGAN.fit` and of
each feature-extraction or sampling pass waited for it. `without_autotuning`
and `predict` remove the wait (docs/performance.md, "Run-to-run
variation").
"""

import keras
import tensorflow as tf


def without_autotuning(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` with tf.data autotuning off, unless its options set it.

    Without autotuning, `num_parallel_calls=tf.data.AUTOTUNE` runs as many
    parallel calls as there are cores, and `prefetch(tf.data.AUTOTUNE)`
    grows its buffer whenever its consumer waits: on in-memory data,
    training steps ran no slower (docs/performance.md). A
    dataset whose options set `autotune.enabled` (True or False) is
    returned as it is.

    Args:
        dataset: tf.data.Dataset. Any dataset.

    Returns:
        A `tf.data.Dataset` with the same elements.

    Example:
    >>> data = without_autotuning(tf.data.Dataset.range(3))
    >>> data.options().autotune.enabled
    False
    """
    if dataset.options().autotune.enabled is not None:
        return dataset
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def predict(model, inputs, batch_size: int = 64):
    """`model.predict(inputs, batch_size=batch_size)` without the wait.

    Keras batches in-memory inputs with a tf.data pipeline whose iterator,
    autotuned, outlives the last batch by up to its own age: generating
    20,000 digits took 20.6 s instead of 10.7 s in every second call. Here
    the batches come from a dataset without autotuning; the outputs are
    the same.

    Args:
        model: keras.Model. Any model (another object with Keras's
            `predict` signature is called as it is).
        inputs: array, or list of arrays for a model with several inputs,
            all with the same first dimension.
        batch_size: int. Examples per batch. Defaults to 64.

    Returns:
        What `model.predict` returns: a NumPy array for one output.
    """
    if not isinstance(model, keras.Model):  # a stand-in: no tf.data to tune
        return model.predict(inputs, batch_size=batch_size, verbose=0)
    if isinstance(inputs, (list, tuple)):
        inputs = tuple(inputs)
    # A 1-tuple element: Keras reads the element as (x,), with x the
    # model's inputs (a 2-tuple would be read as (x, y)).
    data = tf.data.Dataset.from_tensor_slices((inputs,)).batch(batch_size)
    return model.predict(without_autotuning(data), verbose=0)
