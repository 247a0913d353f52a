"""Reading IDX files, the format of MNIST and Fashion-MNIST."""

import gzip
import os

import numpy as np

# IDX type codes; all multi-byte values are big-endian.
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: str | os.PathLike) -> bytes:
    with open(path, "rb") as file:
        content = file.read()
    # Decide by content rather than by name: MNIST mirrors ship both
    # `*-ubyte.gz` and already-unpacked `*-ubyte` files.
    if content[:2] == _GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise ValueError(
                f"{os.fspath(path)!r} is not a valid gzip file: {error}"
            ) from None
    return content


def is_idx(path: str | os.PathLike) -> bool:
    """Returns whether a file (gzipped or not) starts with an IDX header.

    Args:
        path: str or os.PathLike. The file.

    Returns:
        True when the first bytes are two zeros, a known type code and a
        dimension count from 1 to 4.

    Example:
    >>> is_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    True
    """
    with open(path, "rb") as file:
        head = file.read(4)
        if head[:2] == _GZIP_MAGIC:
            file.seek(0)
            try:
                with gzip.open(file) as unzipped:
                    head = unzipped.read(4)
            except (OSError, EOFError):
                return False
    return (
        len(head) == 4
        and head[:2] == b"\x00\x00"
        and head[2] in _IDX_DTYPES
        and 1 <= head[3] <= 4
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads an IDX file, gzip-compressed or not, into a numpy array.

    Args:
        path: str or os.PathLike. An IDX file such as MNIST's
            `train-images-idx3-ubyte.gz` or `train-labels-idx1-ubyte`.

    Returns:
        A numpy array with the file's shape and native-endian dtype, e.g.
        uint8 `(60000, 28, 28)` for MNIST images and `(60000,)` for labels.

    Example:
    >>> images = read_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    content = _read_bytes(path)
    name = os.fspath(path)
    if (
        len(content) < 4
        or content[:2] != b"\x00\x00"
        or content[2] not in _IDX_DTYPES
    ):
        raise ValueError(
            f"{name!r} is not an IDX file: it does not start with two zero "
            "bytes and a type code (0x08 for uint8 ... 0x0E for float64)."
        )
    dtype = _IDX_DTYPES[content[2]]
    ndim = content[3]
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(content) < header_size:
        raise ValueError(f"{name!r} has a truncated or empty IDX header.")
    shape = tuple(int(d) for d in np.frombuffer(content, ">u4", ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(content) - header_size != expected:
        raise ValueError(
            f"{name!r} declares shape {shape} ({expected} bytes of "
            f"{dtype.name}) but holds {len(content) - header_size} bytes of "
            "data; the file is truncated or corrupt."
        )
    data = np.frombuffer(content, dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
