"""The one atomic-write helper behind model files, checkpoints and CSV output."""

import os

import pytest

from backprop._atomic import atomic_write


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
