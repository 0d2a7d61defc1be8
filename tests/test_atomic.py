"""The one atomic-write helper behind model files, checkpoints and CSV output."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from backprop._atomic import atomic_write, check_writable
from conftest import SRC


def test_new_file_gets_umask_permissions_and_an_overwrite_keeps_the_old_mode(tmp_path):
    p = tmp_path / "f.bin"
    with atomic_write(p) as f:
        f.write(b"one")
    umask = os.umask(0o022)
    os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(p, 0o600)
    with atomic_write(p, text=True, encoding="utf-8") as f:
        f.write("two")
    assert p.read_text() == "two" and p.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["f.bin"]


def test_keep_previous_and_a_failed_write_leaves_everything_as_it_was(tmp_path):
    p = tmp_path / "c.npz"
    with atomic_write(p, keep_previous=True) as f:   # nothing to keep yet
        f.write(b"v1")
    with atomic_write(p, keep_previous=True) as f:
        f.write(b"v2")
    assert (p.read_bytes(), (tmp_path / "c.npz.prev").read_bytes()) == (b"v2", b"v1")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(p, keep_previous=True) as f:
            f.write(b"v3")
            raise RuntimeError("boom")
    assert (p.read_bytes(), (tmp_path / "c.npz.prev").read_bytes()) == (b"v2", b"v1")
    assert sorted(os.listdir(tmp_path)) == ["c.npz", "c.npz.prev"]


# --- signals: a terminated write leaves no temporary file ---------------------------------------
STALL = """
import sys, time
def stall():
    print("writing", flush=True)
    time.sleep(120)
"""


def _kill_mid_write(script: str, folder, sig: int) -> int:
    """Run ``script`` (it prints "writing" and stalls inside a write), send ``sig``; its exit status."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(STALL) + textwrap.dedent(script),
                             str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        line = proc.stdout.readline()
        assert line == "writing\n", (line, proc.stderr.read() if proc.poll() is not None else "")
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_mid_write_removes_the_temporary_file_and_keeps_the_old(tmp_path, sig):
    (tmp_path / "m.bp").write_bytes(b"old")
    code = _kill_mid_write("""
        import pathlib
        from backprop._atomic import atomic_write
        with atomic_write(pathlib.Path(sys.argv[1]) / "m.bp") as f:
            f.write(b"half of the new")
            f.flush()
            stall()
        """, tmp_path, sig)
    assert code != 0                                   # the signal still ends the process
    if sig != signal.SIGINT:                           # SIGINT: KeyboardInterrupt, as always
        assert code == -sig
    assert os.listdir(tmp_path) == ["m.bp"] and (tmp_path / "m.bp").read_bytes() == b"old"


def test_sigterm_while_a_checkpoint_is_written_during_training(tmp_path):
    code = _kill_mid_write("""
        import pathlib
        import numpy as np
        from backprop import Network
        from backprop.training import fit
        savez, calls = np.savez, []
        def slow_savez(f, **arrays):            # the second checkpoint stalls half-written
            calls.append(1)
            savez(f, **arrays)
            if len(calls) == 2:
                stall()
        np.savez = slow_savez
        rng = np.random.default_rng(0)
        X = rng.normal(size=(16, 2))
        fit(Network([2, 3, 1], random_state=0), X, X[:, :1] > 0, epochs=5, progress=False,
            checkpoint_path=pathlib.Path(sys.argv[1]) / "run.ckpt", checkpoint_every=1)
        """, tmp_path, signal.SIGTERM)
    assert code == -signal.SIGTERM
    assert os.listdir(tmp_path) == ["run.ckpt"]        # the first checkpoint, whole
    from backprop.training import checkpoint
    header, _ = checkpoint.load(tmp_path / "run.ckpt")
    assert header["state"]["epoch"] == 1


def test_a_programs_own_signal_handler_is_left_alone_and_handlers_are_restored(tmp_path):
    got = []
    old = signal.signal(signal.SIGTERM, lambda *a: got.append(a[0]))
    try:
        before_int = signal.getsignal(signal.SIGINT)
        with atomic_write(tmp_path / "f") as f:
            f.write(b"x")
            os.kill(os.getpid(), signal.SIGTERM)      # handled by the program: the write goes on
        assert got == [signal.SIGTERM] and (tmp_path / "f").read_bytes() == b"x"
        assert signal.getsignal(signal.SIGINT) is before_int
    finally:
        signal.signal(signal.SIGTERM, old)


def test_a_long_name_gets_a_temporary_file_that_fits(tmp_path):
    p = tmp_path / ("n" * 250)
    with atomic_write(p) as f:
        f.write(b"x")
    assert p.read_bytes() == b"x" and os.listdir(tmp_path) == [p.name]


# --- check_writable: what can be known before the work --------------------------------------
def test_check_writable_refuses_what_a_write_would_fail_on(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    os.symlink("loop", tmp_path / "loop")
    os.mkfifo(tmp_path / "fifo")
    cases = {tmp_path / "file" / "m.bp": "Not a directory",
             tmp_path / "loop": "Too many levels of symbolic links",
             tmp_path / "loop" / "m.bp": "Too many levels of symbolic links",
             tmp_path / ("n" * 300): "File name too long",
             tmp_path / "fifo": "not a regular file",
             tmp_path: "Is a directory",
             tmp_path / "missing" / "m.bp": "No such file or directory"}
    for path, reason in cases.items():
        with pytest.raises(OSError, match=reason) as info:
            check_writable(path)
        assert info.value.filename == str(path)
    check_writable(tmp_path / "missing" / "deeper" / "m.png", make_parents=True)
    check_writable(tmp_path / "file")                  # an existing file may be replaced
    assert sorted(os.listdir(tmp_path)) == ["fifo", "file", "loop"]   # the probes are gone

    class Full:
        f_bfree = f_bavail = 3
        f_frsize = 4096
    monkeypatch.setattr(os, "statvfs", lambda folder: Full)
    check_writable(tmp_path / "small", size=4096)
    with pytest.raises(OSError, match="No space left on device") as info:
        check_writable(tmp_path / "m.bp", size=10**6)
    assert info.value.errno == 28


def test_an_error_while_writing_names_the_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device") as info:
        with atomic_write(tmp_path / "m.bp") as f:
            f.write(b"x")
    assert info.value.filename == str(tmp_path / "m.bp") and os.listdir(tmp_path) == []
