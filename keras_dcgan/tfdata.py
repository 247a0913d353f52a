"""tf.data settings the package applies to the datasets it iterates.

tf.data's autotuning runs a thread per iterator that re-optimizes the
pipeline on a period doubling from 10 ms to 60 s, and TensorFlow 2.21
destroys an iterator (`RootDataset::Iterator::~Iterator`) only after that
thread's next wake-up. Every iterator therefore outlives its last element by
up to its own age, at most a minute: the end of each `DCGAN.fit` and of
each feature-extraction pass waited for it. `without_autotuning` removes
the wait (docs/performance.md, "Run-to-run variation").
"""

import tensorflow as tf


def without_autotuning(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` with tf.data autotuning off, unless its options set it.

    Without autotuning, `num_parallel_calls=tf.data.AUTOTUNE` runs as many
    parallel calls as there are cores, and `prefetch(tf.data.AUTOTUNE)`
    grows its buffer whenever its consumer waits: for the in-memory and
    image-folder pipelines of this package, training ran no slower. A
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
