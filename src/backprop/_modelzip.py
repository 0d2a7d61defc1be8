"""Reading a model file's zip archive in bounded memory, trusting nothing it declares.

* Only a regular file is opened: a FIFO, a device, a socket or a directory is refused by
  ``os.stat`` before anything could block or read without end.
* No single read from the file exceeds ``MAX_READ``.  :mod:`zipfile` reads the central
  directory in one call, so a directory of a million entries is refused before it is parsed.
* Entries are read in chunks of ``CHUNK`` bytes and never past the size the caller expects;
  an entry that turns out longer or shorter than it says is refused.  (:mod:`zipfile` itself
  stops at an entry's declared size and checks its CRC.)
"""

from __future__ import annotations

import io
import itertools
import os
import stat
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np

from ._modelfile import NPY_HEADER_MAX, ModelFileError, fail, short

MAX_READ = 1 << 20
CHUNK = 1 << 18
_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket")]
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}
NpyHeader = tuple[np.dtype, tuple, bool, int]  # dtype, shape, fortran order, data offset
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
           RuntimeError, OverflowError)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else ModelFileError (never blocks)."""
    st = os.stat(path)          # FileNotFoundError and PermissionError stay what they are
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        fail(path, f"is {kind}, not a model file; give the path of a file written by save_model "
                   "or backprop train")
    # O_NONBLOCK: should a FIFO replace the file between stat and open, open still returns
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            fail(path, "is not a regular file (it changed while being opened)")
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _CappedReads:
    """A file object whose single reads are at most MAX_READ bytes."""

    def __init__(self, f: BinaryIO, path: Path):
        self._f, self._path = f, path

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(MAX_READ + 1 if n is None or n < 0 or n > MAX_READ else n)
        if len(data) > MAX_READ:  # only the central directory is read in one piece
            fail(self._path, "the archive's directory is larger than 1 MiB: more entries than a "
                             "model file has")
        return data

    def seek(self, *args: Any) -> int:
        return self._f.seek(*args)

    def tell(self) -> int:
        return self._f.tell()

    def seekable(self) -> bool:
        return True


@contextmanager
def damage_as_errors(path: Path) -> Iterator[None]:
    """Errors of a damaged archive (zipfile, zlib, numpy's .npy reader) as one ModelFileError."""
    try:
        yield
    except ModelFileError:
        raise
    except _DAMAGE as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(f"{path}: truncated or corrupt model file ({msg})") from None


@contextmanager
def open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    """The model file as a zip archive (refusing pickles and non-zip files by their first bytes)."""
    with open_regular(path) as f:
        head = f.read(4)
        if head[:1] == b"\x80":
            fail(path, "this is a Python pickle; backprop model files never contain pickles, "
                       "and loading one could run code: refusing")
        if head != b"PK\x03\x04":
            fail(path, "not a backprop model file (expected a backprop-model zip archive)")
        with damage_as_errors(path):
            zf = zipfile.ZipFile(_CappedReads(f, path))
        with zf:
            yield zf


def entries(zf: zipfile.ZipFile, path: Path, max_entries: int) -> dict[str, zipfile.ZipInfo]:
    """Entry name -> ZipInfo, refusing duplicates, too many entries, encryption, odd compression."""
    infos = zf.infolist()
    if len(infos) > max_entries:
        fail(path, f"{len(infos)} entries in the archive (a model file has at most {max_entries})")
    out = {}
    for info in infos:
        name = short(repr(info.filename))
        if info.filename in out:
            fail(path, f"duplicate entry {name} in the archive")
        if info.flag_bits & 0x1:
            fail(path, f"entry {name} is encrypted; model files are not")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            fail(path, f"entry {name} uses compression method {info.compress_type}; model files "
                       "use deflate or none")
        out[info.filename] = info
    return out


def stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Iterator[bytes]:
    """The entry's bytes in chunks; exactly ``info.file_size`` of them, else ModelFileError."""
    left, name = info.file_size, short(repr(info.filename))
    with damage_as_errors(path), zf.open(info) as f:
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                fail(path, f"entry {name} ends after {info.file_size - left} of its {info.file_size} "
                           "bytes: truncated or corrupt model file")
            left -= len(data)
            yield data
        if f.read(1):
            fail(path, f"entry {name} holds more than its declared {info.file_size} bytes")


def read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path) -> bytes:
    """A whole entry of at most ``limit`` bytes."""
    if info.file_size > limit:
        fail(path, f"entry {short(repr(info.filename))} is {info.file_size} bytes; at most {limit} "
                   "are allowed")
    return b"".join(stream(zf, info, path))


def npy_header(data: bytes, path: Path, key: str) -> NpyHeader:
    """``(dtype, shape, fortran_order, data offset)`` from the first bytes of a ``.npy`` entry."""
    buf, name = io.BytesIO(data), short(repr(key))
    try:
        version = np.lib.format.read_magic(buf)
    except ValueError:
        fail(path, f"array {name} is not a .npy array")
    if version not in _NPY_HEADERS:
        fail(path, f"array {name} uses unsupported .npy version {version}")
    width = 2 if version == (1, 0) else 4
    length = 8 + width + int.from_bytes(data[8:8 + width], "little")
    if length > NPY_HEADER_MAX:
        fail(path, f"array {name} has a .npy header of {length} bytes (at most {NPY_HEADER_MAX})")
    try:
        shape, fortran, dtype = _NPY_HEADERS[version](buf)
    except ValueError as exc:
        fail(path, f"array {name} has an invalid .npy header ({short(str(exc).splitlines()[0])})")
    if dtype.hasobject:
        fail(path, f"array {name} holds Python objects (a pickle); refusing to load it")
    return dtype, shape, fortran, buf.tell()


def read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, header: NpyHeader, path: Path, key: str,
             out: np.ndarray | None = None) -> np.ndarray:
    """The array of an entry whose ``.npy`` header was checked, read in chunks into ``out`` (or a
    new array) in native byte order.  The bytes are copied: nothing is ever unpickled."""
    dtype, shape, fortran, offset = header
    if out is None:
        out = np.empty(shape[::-1] if fortran else shape, dtype.newbyteorder("="))
    raw = out.reshape(-1).view(np.uint8)
    chunks = stream(zf, info, path)
    first = next(chunks, b"")
    if npy_header(first, path, key) != header:
        fail(path, f"array {short(repr(key))} changed while it was being read")
    at = 0
    for data in itertools.chain([first[offset:]], chunks):
        raw[at:at + len(data)] = np.frombuffer(data, np.uint8)
        at += len(data)
    if not dtype.isnative:
        out.byteswap(inplace=True)
    return out.T if fortran else out
