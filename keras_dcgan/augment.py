"""Differentiable augmentation of discriminator inputs (DiffAugment, ADA).

A discriminator trained on few images memorises them; augmenting every image
it sees, real and fake, in the discriminator *and* the generator updates,
keeps it from doing so without leaking the augmentations into the generated
images (Zhao et al. 2020). Every transform is differentiable with respect to
the images, so the generator's gradients pass through it. With an
augmentation probability `p` < 1 each transform is applied to each image
independently with probability `p`, which adaptive augmentation (Karras et
al. 2020) raises when the discriminator overfits and lowers when it does not.

The transforms take their randomness as an explicit tensor of uniform
numbers, so `DCGAN` draws them from its seeded noise stream (the same under
any `tf.distribute` strategy) and tests can pass their own.

Reference:
    Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
    Training", 2020. https://arxiv.org/abs/2006.10738
    Karras et al., "Training Generative Adversarial Networks with Limited
    Data", 2020. https://arxiv.org/abs/2006.06676
"""

import tensorflow as tf

from keras_dcgan import options

# The transforms and their parsing live with the TensorFlow-free options, so
# `TrainConfig` checks a policy without importing TensorFlow.
TRANSFORMS = options.AUGMENTATIONS
parse_policy = options.parse_augment_policy

# How far translation moves an image, and cutout's square side, as fractions
# of the image size (DiffAugment's defaults).
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5
# Adaptive augmentation: images over which p can move from 0 to 1. Karras et
# al. use 500k over runs of millions of images; the demo trains on ~300k.
ADA_ADJUSTMENT_IMAGES = 100_000


def num_random(policy: tuple[str, ...]) -> int:
    """Uniform numbers per image that `augment` needs for `policy`."""
    return sum(TRANSFORMS[name] for name in policy)


def augment(images, policy: tuple[str, ...], uniforms, probability=1.0):
    """Augments a batch of images, differentiably.

    Args:
        images: float tensor `(batch, height, width, channels)` in [-1, 1].
        policy: tuple of str. Transforms from `parse_policy`, applied in
            order: `"color"` (brightness +-0.5, saturation x[0, 2],
            contrast x[0.5, 1.5]), `"translation"` (integer shifts up to
            1/8 of the size, edges repeated) and `"cutout"` (a square of half
            the size set to 0).
        uniforms: float32 tensor `(batch, num_random(policy))` of numbers in
            [0, 1): the randomness, one row per image.
        probability: float or scalar tensor in [0, 1]. Chance that each
            transform is applied to each image. Defaults to 1.

    Returns:
        A tensor of the shape and dtype of `images`.

    Example:
    >>> import numpy as np
    >>> images = np.zeros((2, 16, 16, 1), "float32")
    >>> policy = parse_policy("translation,cutout")
    >>> uniforms = np.random.uniform(size=(2, num_random(policy)))
    >>> tuple(augment(images, policy, uniforms.astype("float32")).shape)
    (2, 16, 16, 1)
    """
    images = tf.convert_to_tensor(images)
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    uniforms = tf.cast(uniforms, tf.float32)
    probability = tf.cast(probability, tf.float32)
    column = 0
    for name in policy:
        count = TRANSFORMS[name]
        u = uniforms[:, column : column + count]
        column += count
        transformed = _TRANSFORM_FNS[name](x, u[:, 1:])
        apply = tf.reshape(u[:, 0] < probability, [-1, 1, 1, 1])
        x = tf.where(apply, transformed, x)
    return tf.cast(x, dtype)


def _color(x, u):
    brightness = tf.reshape(u[:, 0] - 0.5, [-1, 1, 1, 1])
    x = x + brightness
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    saturation = tf.reshape(u[:, 1] * 2.0, [-1, 1, 1, 1])
    x = (x - mean) * saturation + mean
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    contrast = tf.reshape(u[:, 2] + 0.5, [-1, 1, 1, 1])
    return (x - mean) * contrast + mean


def _translation(x, u):
    height, width = tf.shape(x)[1], tf.shape(x)[2]
    rows = _shifted_indices(height, u[:, 0])
    cols = _shifted_indices(width, u[:, 1])
    x = tf.gather(x, rows, axis=1, batch_dims=1)
    return tf.gather(x, cols, axis=2, batch_dims=1)


def _shifted_indices(size, u):
    """Per-image source indices `(batch, size)` of an integer shift."""
    max_shift = tf.cast(
        tf.round(tf.cast(size, tf.float32) * TRANSLATION_RATIO), tf.int32
    )
    # u in [0, 1) to an integer in [-max_shift, max_shift].
    shift = tf.cast(
        tf.floor(u * tf.cast(2 * max_shift + 1, tf.float32)), tf.int32
    )
    shift = tf.minimum(shift, 2 * max_shift) - max_shift
    indices = tf.range(size)[None, :] - shift[:, None]
    return tf.clip_by_value(indices, 0, size - 1)


def _cutout(x, u):
    height, width = tf.shape(x)[1], tf.shape(x)[2]
    size_h = tf.cast(tf.cast(height, tf.float32) * CUTOUT_RATIO + 0.5, tf.int32)
    size_w = tf.cast(tf.cast(width, tf.float32) * CUTOUT_RATIO + 0.5, tf.int32)
    # The square's top-left corner, anywhere it overlaps the image.
    top = tf.cast(
        u[:, 0] * tf.cast(height + size_h - 1, tf.float32), tf.int32
    ) - (size_h - 1)
    left = tf.cast(
        u[:, 1] * tf.cast(width + size_w - 1, tf.float32), tf.int32
    ) - (size_w - 1)
    rows = tf.range(height)[None, :] - top[:, None]
    cols = tf.range(width)[None, :] - left[:, None]
    inside_rows = (rows >= 0) & (rows < size_h)
    inside_cols = (cols >= 0) & (cols < size_w)
    inside = inside_rows[:, :, None] & inside_cols[:, None, :]
    return x * tf.cast(~inside, x.dtype)[..., None]


_TRANSFORM_FNS = {
    "color": _color,
    "translation": _translation,
    "cutout": _cutout,
}


def adapt_probability(probability, r_t, target, global_batch_size):
    """One adaptive-augmentation update of the augmentation probability.

    The overfitting heuristic `r_t = E[sign(D(real))]` is 0 for a
    discriminator that cannot tell the training images from fakes and 1 for
    one that is sure of all of them. `p` moves up when `r_t > target` and
    down otherwise, by `global_batch_size / ADA_ADJUSTMENT_IMAGES` a step.

    Args:
        probability: scalar float32 tensor. The current `p`.
        r_t: scalar float32 tensor. The mean sign of the discriminator's
            logits on this step's real images (over the global batch).
        target: float. The `r_t` to hold, e.g. 0.6.
        global_batch_size: int or scalar tensor. Images in the step.

    Returns:
        The new `p`, a float32 scalar clipped to [0, 1].

    Example:
    >>> round(float(adapt_probability(0.5, 1.0, 0.6, 10_000)), 4)
    0.6

    Reference:
        Karras et al., "Training Generative Adversarial Networks with Limited
        Data", 2020, section 3. https://arxiv.org/abs/2006.06676
    """
    r_t = tf.cast(r_t, tf.float32)
    step = tf.cast(global_batch_size, tf.float32) / ADA_ADJUSTMENT_IMAGES
    probability = tf.cast(probability, tf.float32)
    return tf.clip_by_value(probability + tf.sign(r_t - target) * step, 0, 1)
