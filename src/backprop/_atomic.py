"""Atomic file replacement: the one way the library writes a file it may overwrite.

    temporary file beside ``path`` -> write -> flush + fsync -> [old file kept as
    ``path.prev``] -> ``os.replace(tmp, path)`` -> fsync of the folder

A crash at any moment leaves either the old or the complete new file at
``path``; on any error the temporary file is removed and the old file is left
untouched.  A new file gets the permissions the umask gives (0o666 & ~umask);
an overwritten one keeps its own.  Used by model files (:mod:`backprop.io`),
checkpoints (:mod:`backprop.training.checkpoint`) and CSV output
(:mod:`backprop._csv_write`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write", "fsync_dir"]


def fsync_dir(folder: Path) -> None:
    """fsync a folder, so that a rename inside it is on disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _keep_previous(path: Path) -> None:
    """The current ``path`` becomes ``path.prev`` (a hard link, else a copy), atomically."""
    prev_tmp = path.with_name(f".{path.name}.prev.{secrets.token_hex(6)}.tmp")
    try:
        try:
            os.link(path, prev_tmp)
        except OSError:
            shutil.copy2(path, prev_tmp)
        os.replace(prev_tmp, path.with_name(path.name + ".prev"))
    finally:
        if os.path.exists(prev_tmp):
            os.unlink(prev_tmp)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, text: bool = False, keep_previous: bool = False,
                 **open_kwargs) -> Iterator[IO]:
    """Context manager yielding a file object whose contents replace ``path`` on success.

    ``text=True`` opens the temporary file in text mode (``open_kwargs`` such as
    ``encoding`` and ``newline`` go to :func:`os.fdopen`); ``keep_previous=True``
    keeps the file being replaced as ``path.prev``.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = None
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # mode 0o666 lets the umask decide the permissions of a new file, as for any new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "w" if text else "wb", **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if keep_previous and mode is not None:
            _keep_previous(path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fsync_dir(path.parent)
