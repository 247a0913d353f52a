"""The types every data reader returns: `DatasetInfo` and `Source`.

A leaf module: the readers (`arrays`, `folder`, `tfds_source`) import only
it, and the dispatcher (`sources.resolve`) imports the readers.
"""

import dataclasses
from collections.abc import Callable

import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a source holds, before any preprocessing.

    Attributes:
        name: str. The source, as error messages name it.
        image_shape: tuple. The native `(height, width, channels)`; a height
            or width is None when the images differ in size.
        num_examples: int or None. None when unknown without reading all.
        num_classes: int or None. Number of classes when known.
        class_names: tuple of str or None. Class names when known (e.g. the
            subfolders of an image folder).
        has_labels: bool. Whether the source has a class label per image.
        min_side: int or None. The shortest image side in the data.
    """

    name: str
    image_shape: tuple[int | None, int | None, int | None]
    num_examples: int | None
    num_classes: int | None = None
    class_names: tuple[str, ...] | None = None
    has_labels: bool = False
    min_side: int | None = None


@dataclasses.dataclass(frozen=True)
class Source:
    """A data source, resolved into tf.data elements.

    Attributes:
        info: DatasetInfo. What the source holds.
        elements: tf.data.Dataset. Unbatched `(item, label)` pairs in a fixed
            order; `label` is int32 (-1 when the source has no labels).
        decode: callable or None. Maps an item to its `(height, width,
            channels)` image; None when items are already images. Decoding
            is kept apart so shuffling can happen on cheap items (file
            names, encoded bytes).
        value_range: tuple of two floats. Pixel values of black and white.
        in_memory: bool. The items come from memory, so the pipeline shards
            by element (`AutoShardPolicy.DATA`) and can shuffle fully.
        checked: bool. Pixel values were verified finite and inside
            `value_range`; otherwise the pipeline checks each image.
    """

    info: DatasetInfo
    elements: tf.data.Dataset
    decode: Callable | None
    value_range: tuple[float, float]
    in_memory: bool
    checked: bool
