"""Atomic file replacement: the one way the library writes a file it may overwrite.

    temporary file beside ``path`` -> write -> flush + fsync -> [old file kept as
    ``path.prev``] -> ``os.replace(tmp, path)`` -> fsync of the folder

A crash at any moment leaves either the old or the complete new file at
``path``; on any error the temporary file is removed and the old file is left
untouched.  SIGTERM, SIGINT or SIGHUP during a write (where the signal would
otherwise end the process, and the write runs in the main thread's process)
remove the temporary files first, then end the process as the signal would
have.  A new file gets the permissions the umask gives (0o666 & ~umask); an
overwritten one keeps its own.  :func:`check_writable` tells beforehand
whether a write to a path can succeed (before an hour of training, say).
Used by model files (:mod:`backprop.io`), checkpoints
(:mod:`backprop.training.checkpoint`) and CSV output (:mod:`backprop._csv_write`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import signal
import stat
import threading
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write", "check_writable", "fsync_dir"]

_SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)]
_live: set[str] = set()        # temporary files being written now
_saved: dict[int, object] = {}  # signal -> the handler ours replaced
_lock = threading.RLock()


def _on_signal(signum: int, frame) -> None:
    """Remove the temporary files, then do what the replaced handler would have done."""
    for tmp in list(_live):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _live.clear()
    previous = _saved.get(signum, signal.SIG_DFL)
    _restore()
    if previous is signal.default_int_handler:
        raise KeyboardInterrupt
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)   # end the process by the signal itself (exit status -signum)


def _install() -> None:
    """Take over the signals that would end the process without running ``finally`` blocks
    (SIG_DFL), and SIGINT's default KeyboardInterrupt; leave a program's own handlers alone."""
    if threading.current_thread() is not threading.main_thread() or _saved:
        return
    for sig in _SIGNALS:
        current = signal.getsignal(sig)
        if current is signal.SIG_DFL or current is signal.default_int_handler:
            _saved[sig] = current
            signal.signal(sig, _on_signal)


def _restore() -> None:
    for sig, previous in list(_saved.items()):
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, previous)
    _saved.clear()


@contextlib.contextmanager
def _tracked(tmp: Path) -> Iterator[None]:
    """While the block runs, a terminating signal removes ``tmp`` before the process ends."""
    with _lock:
        _live.add(str(tmp))
        _install()
    try:
        yield
    finally:
        with _lock:
            _live.discard(str(tmp))
            if not _live and threading.current_thread() is threading.main_thread():
                _restore()


def _temporary_name(path: Path, tag: str = "") -> Path:
    """``.NAME<tag>.<hex>.tmp`` beside ``path``; a long NAME is cut so that the name still fits."""
    return path.with_name(f".{path.name[:200]}{tag}.{secrets.token_hex(6)}.tmp")


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
    prev_tmp = _temporary_name(path, ".prev")
    with _tracked(prev_tmp):
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
    keeps the file being replaced as ``path.prev``.  An ``OSError`` without a file
    name (a full disk while writing) gets ``path`` as its file name.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = None
    tmp = _temporary_name(path)
    with _tracked(tmp):
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
        except OSError as exc:
            if exc.filename is None:
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
            raise
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    fsync_dir(path.parent)


def check_writable(path: str | os.PathLike, size: int = 0, make_parents: bool = False) -> None:
    """Raise ``OSError`` (naming ``path`` and the reason) unless :func:`atomic_write` can write it.

    Checks what can be known beforehand: an existing ``path`` is a regular file, its name
    fits the file system, the folder takes a new file (one is created and removed: this
    finds a missing folder, a file where a folder should be, symlink loops, missing
    permissions and read-only file systems) and has ``size`` bytes free.  With
    ``make_parents=True`` missing folders are fine when the nearest existing one is
    writable (for writers that create them).
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:   # a symlink loop, a file used as a folder, a name too long
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EEXIST, "exists and is not a regular file", str(path))
    folder = path.parent
    while make_parents and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    if len(os.fsencode(path.name)) > name_max:
        raise OSError(errno.ENAMETOOLONG, f"{os.strerror(errno.ENAMETOOLONG)} (the longest name "
                      f"this file system takes is {name_max} bytes)", str(path))
    probe = _temporary_name(folder / path.name)
    try:
        with _tracked(probe):
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            os.unlink(probe)
        free = _free_bytes(folder)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    if free is not None and size > free:
        raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} (needs about {size} bytes, "
                      f"{free} free)", str(path))


def _free_bytes(folder: Path) -> int | None:
    """Bytes a new file may take in ``folder`` (root may use the reserved blocks too)."""
    if not hasattr(os, "statvfs"):  # pragma: no cover - Windows
        return None
    st = os.statvfs(folder)
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return (st.f_bfree if root else st.f_bavail) * st.f_frsize
