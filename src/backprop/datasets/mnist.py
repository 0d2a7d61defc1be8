"""MNIST (and any IDX file) from local files; nothing is downloaded.

IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a 4-byte magic
number ``0x00 0x00 TYPE NDIM``, then NDIM big-endian uint32 sizes, then the
values, big-endian, row-major.  TYPE: 0x08 uint8, 0x09 int8, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64.  Files may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .._errors import DataError
from ._base import Dataset

__all__ = ["read_idx", "load_mnist_idx", "load_mnist", "IDX_TYPES"]

IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (plain or gzip, detected from the content)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataError(f"IDX file not found: {str(p)!r}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{str(p)!r} is a damaged gzip file ({exc})") from None
    except OSError as exc:
        raise DataError(f"cannot read {str(p)!r}: {exc.strerror or exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES or raw[3] == 0:
        raise DataError(f"{str(p)!r} is not an IDX file (bad magic number {raw[:4].hex() or 'none'}; "
                        "expected 0000 TT NN with type TT in 08 09 0b 0c 0d 0e)")
    dtype, ndim = IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{str(p)!r} is truncated: the header of {ndim} sizes is incomplete")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{str(p)!r} holds {len(raw)} bytes; its header {shape} of {dtype.name} "
                        f"needs {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def load_mnist_idx(images_path: str | os.PathLike, labels_path: str | os.PathLike,
                   scale: bool = True, dtype: np.dtype | type = np.float64) -> Dataset:
    """Images and labels from a pair of IDX files (MNIST layout).

    Parameters
    ----------
    images_path : IDX file of shape (n, rows, cols) (magic 0x00000803 for uint8).
    labels_path : IDX file of shape (n,) (magic 0x00000801), values 0..9.
    scale : divide pixel values by 255 so they lie in [0, 1].
    dtype : dtype of ``X``.

    Returns
    -------
    Dataset
        ``X`` of shape (n, rows * cols), row-major pixels; ``y`` int64.
    """
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise DataError(f"{str(images_path)!r} holds an array of shape {images.shape}; images need 3 "
                        "dimensions (n, rows, cols) -- are the two files swapped?")
    if labels.ndim != 1:
        raise DataError(f"{str(labels_path)!r} holds an array of shape {labels.shape}; labels need 1 "
                        "dimension (n,)")
    if len(images) != len(labels):
        raise DataError(f"{len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() > 9 or labels.dtype.kind == "f"):
        raise DataError(f"labels must be integers 0..9; found {labels.min()}..{labels.max()}")
    n, rows, cols = images.shape
    X = images.reshape(n, rows * cols).astype(dtype)
    if scale:
        X /= 255.0
    return Dataset(X, labels.astype(np.int64), [f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)],
                   [str(d) for d in range(10)],
                   f"MNIST-layout IDX images from {images_path}" + (", scaled to [0, 1]" if scale else ""),
                   name="mnist")


def load_mnist(directory: str | os.PathLike, kind: str = "train", **kwargs) -> Dataset:
    """MNIST's standard files in ``directory`` (``train-images-idx3-ubyte[.gz]``, ...).

    ``kind`` is ``"train"`` (60000 images) or ``"test"`` (``t10k-*``, 10000 images).
    """
    from .._errors import check_choice
    check_choice("kind", kind, MNIST_FILES)
    found = []
    for stem in MNIST_FILES[kind]:
        for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
            if (Path(directory) / name).is_file():
                found.append(Path(directory) / name)
                break
        else:
            raise DataError(f"no {stem}[.gz] in {str(directory)!r} (backprop does not download MNIST)")
    return load_mnist_idx(*found, **kwargs)
