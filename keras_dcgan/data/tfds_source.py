"""Image datasets from tensorflow-datasets, offline-first."""

import tensorflow as tf

from keras_dcgan.data.types import DatasetInfo
from keras_dcgan.data.types import Source
from keras_dcgan.errors import OptionError


def _not_prepared(name: str, builder) -> ValueError:
    catalog = name.split("/")[0]
    return OptionError(
        f"The TFDS dataset {name!r} is not prepared in "
        f"{builder.data_dir!r}, and this library never downloads on its own. "
        "Prepare it on a machine with internet access: "
        f"`tfds build {name} --data_dir=DIR`, copy DIR here and pass "
        "{data_dir}; or, on a connected machine, let Python's "
        "`keras_dcgan.data.load(..., download=True)` fetch it. Datasets "
        "with manual downloads (e.g. celeb_a, lsun) are described at "
        f"https://www.tensorflow.org/datasets/catalog/{catalog}.",
        data_dir="DIR",
    )


def _find_feature(features, kind, key, what, name):
    candidates = sorted(k for k, f in features.items() if isinstance(f, kind))
    if key is not None:
        if key not in candidates:
            raise ValueError(
                f"TFDS dataset {name!r} has no {what} feature {key!r}; its "
                f"{what} features are {candidates} (all features: "
                f"{sorted(features)})."
            )
        return key
    if what == "label" and "label" in candidates:
        return "label"
    if len(candidates) == 1:
        return candidates[0]
    if what == "image" and not candidates:
        raise ValueError(
            f"TFDS dataset {name!r} has no image feature; its features are "
            f"{sorted(features)}."
        )
    if what == "image":
        raise ValueError(
            f"TFDS dataset {name!r} has several image features "
            f"{candidates}; pass image_key= one of them."
        )
    return None


def from_tfds(
    spec: str,
    *,
    split: str | None = None,
    data_dir: str | None = None,
    download: bool = False,
    image_key: str | None = None,
    label_key: str | None = None,
    shuffle_files: bool = False,
    seed: int | None = None,
) -> Source:
    """A source reading an image dataset of tensorflow-datasets.

    Images stay encoded until after shuffling, so the shuffle buffer holds
    small byte strings rather than decoded images.

    Args:
        spec: str. `NAME[/CONFIG][:SPLIT]`, e.g. `"mnist"`,
            `"lsun/bedroom:train"` or `"cifar10:train[:10%]"`.
        split: str or None. The split, if not in `spec`. Defaults to None
            ("train").
        data_dir: str or None. Where the prepared data lives. Defaults to
            None (TFDS's default, `~/tensorflow_datasets`).
        download: bool. Download and prepare missing data first (needs
            internet). Defaults to False.
        image_key: str or None. The image feature. Defaults to None: the
            dataset's only image feature.
        label_key: str or None. The class-label feature. Defaults to None:
            "label", or the only class-label feature.
        shuffle_files: bool. Read the files in a shuffled order. Defaults
            to False.
        seed: int or None. Seed of the file order. Defaults to None.

    Returns:
        A `Source`.

    Example:
    >>> source = from_tfds("mnist:test", data_dir="/data")  # doctest: +SKIP
    """
    import tensorflow_datasets as tfds

    name, _, spec_split = spec.partition(":")
    if split and spec_split and split != spec_split:
        raise ValueError(
            f"Two splits given: {spec_split!r} in the source 'tfds:{spec}' "
            f"and split={split!r}; give one."
        )
    split = split or spec_split or "train"
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.DatasetNotFoundError as error:
        hint = [ln for ln in str(error).splitlines() if "Did you mean" in ln]
        raise ValueError(
            f"Unknown TFDS dataset {name!r}. {' '.join(hint)} See "
            "https://www.tensorflow.org/datasets/catalog/overview."
        ) from None
    except ValueError as error:
        # An unknown config: TFDS lists the close matches.
        raise ValueError(
            f"Cannot build TFDS dataset {name!r}: {error}"
        ) from None
    features = builder.info.features
    image_key = _find_feature(
        features, tfds.features.Image, image_key, "image", name
    )
    label_key = _find_feature(
        features, tfds.features.ClassLabel, label_key, "label", name
    )
    image_feature = features[image_key]
    height, width, channels = image_feature.shape
    if download:
        builder.download_and_prepare()
    try:
        dataset = builder.as_dataset(
            split=split,
            shuffle_files=shuffle_files,
            read_config=tfds.ReadConfig(shuffle_seed=seed),
            decoders={image_key: tfds.decode.SkipDecoding()},
        )
    except AssertionError:
        # TFDS asserts that the data exists; offline that is the usual case.
        raise _not_prepared(name, builder) from None
    except ValueError as error:
        splits = sorted(builder.info.splits)
        raise ValueError(
            f"Cannot read split {split!r} of TFDS dataset {name!r} "
            f"(splits: {splits}): {error}"
        ) from None

    def to_pair(example):
        if label_key is None:
            return example[image_key], tf.constant(-1)
        return example[image_key], tf.cast(example[label_key], tf.int32)

    cardinality = int(dataset.cardinality())
    label_feature = features[label_key] if label_key else None
    info = DatasetInfo(
        name=f"'tfds:{name}:{split}'",
        image_shape=(height, width, channels),
        num_examples=cardinality if cardinality >= 0 else None,
        num_classes=label_feature.num_classes if label_feature else None,
        class_names=tuple(label_feature.names) if label_feature else None,
        has_labels=label_feature is not None,
        min_side=min(height, width) if height and width else None,
    )
    return Source(
        info=info,
        elements=dataset.map(to_pair),
        decode=image_feature.decode_example,
        value_range=(0.0, 255.0),
        in_memory=False,
        checked=True,
    )
