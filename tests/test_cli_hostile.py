"""Hostile options, targets and output paths: one line on stderr, exit 1 or 2, nothing written.

Every case runs the real command in a subprocess.  Where a failure of the machine is needed (a
read-only file system, a full disk, no memory), the subprocess injects it: a monkeypatched
``os`` call, or a kernel limit (RLIMIT_FSIZE) that applies to root as well, so the tests
run in CI containers that run as root.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import SRC, run_cli

BIG = str(2**70)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Tiny CSV files and a trained model, in a folder of their own."""
    d = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    (d / "cls.csv").write_text("a,b,y\n" + "".join(f"{a},{b},{int(a + b > 0)}\n" for a, b in X))
    (d / "reg.csv").write_text("a,b,y\n" + "".join(f"{a},{b},{1.5 * a - b + 0.1}\n" for a, b in X))
    r = run_cli("train", d / "cls.csv", "--target", "y", "--hidden", "3", "--epochs", "2",
                "--seed", "0", "--quiet", "--out", d / "m.bp")
    assert r.returncode == 0, r.stderr
    return d


def one_line(r: subprocess.CompletedProcess, codes=(1, 2)) -> str:
    """The single stderr line of a failed command (no traceback)."""
    assert r.returncode in codes, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def run_patched(patches: list[str], *args, cwd=None) -> subprocess.CompletedProcess:
    """``backprop ARGS`` in a subprocess that first runs ``patches`` (faults to inject)."""
    code = "\n".join([*map(textwrap.dedent, patches),
                      "import sys", "from backprop.cli import main", "sys.exit(main(sys.argv[1:]))"])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


# Training would print this: a check "before training" must fail without it.
NO_TRAINING = """
import backprop.training.trainer as trainer
fit = trainer.Trainer.fit
def loud_fit(self, *a, **k):
    print("TRAINING STARTED", flush=True)
    return fit(self, *a, **k)
trainer.Trainer.fit = loud_fit
"""

TRAIN = ("train", "cls.csv", "--target", "y", "--epochs", "2", "--hidden", "3", "--quiet",
         "--out", "new.bp")

# (arguments, exit code, words the line must hold): every numeric option of every command
CASES = [
    (TRAIN + ("--learning-rate", "inf"), 2, "--learning-rate"),
    (TRAIN + ("--learning-rate", "1e308"), 2, "--learning-rate: must be a finite number in (0, 1000]"),
    (TRAIN + ("--weight-decay", "inf"), 2, "--weight-decay"),
    (TRAIN + ("--seed", "-1"), 2, "--seed: must be an integer in [0, 4294967295]"),
    (TRAIN + ("--seed", BIG), 2, "--seed"),
    (TRAIN + ("--epochs", BIG), 2, "--epochs"),
    (TRAIN + ("--patience", BIG), 2, "--patience"),
    (TRAIN + ("--tol", "inf"), 2, "--tol"),
    (TRAIN + ("--batch-size", BIG), 2, "--batch-size"),
    (TRAIN + ("--hidden", ""), 2, "--hidden"),
    (TRAIN + ("--hidden", BIG), 1, "memory"),
    (TRAIN + ("--impute", "mean", "--missing-values", "inf"), 2, "--missing-values"),
    (TRAIN + ("--early-stopping", "--validation-fraction", "0.99"), 1,
     "--validation-fraction=0.99 holds out 40 of 40 samples"),
    (("train", "reg.csv", "--target", "y", "--task", "classification", "--out", "new.bp"), 1,
     "use --task regression"),
    (TRAIN + ("--out", ""), 2, "--out"),
    (("explain", "--x", "1,0", "--t", "1", "--seed", "-1"), 2, "--seed"),
    (("explain", "--x", "inf,0", "--t", "1"), 2, "--x"),
    (("explain", "--x", "1,0", "--t", "1e308"), 2, "--t"),
    (("explain", "--x", "1,0", "--t", "1", "--layers", "2,200000000,1"), 2, "at most 10000 parameters"),
    (("demo", "xor", "--epochs", "0"), 2, "--epochs"),
    (("demo", "xor", "--seed", "-1"), 2, "--seed"),
    (("demo", "xor", "--restarts", BIG), 2, "--restarts"),
    (("demo", "xor", "--learning-rate", "inf"), 2, "--learning-rate"),
    (("demo", "pima", "--quick", "--seed", BIG), 2, "--seed"),
    (("demo", "pima", "--quick", "--hidden", BIG), 2, "--hidden"),
    (("demo", "pima", "--quick", "--weight-decay", "inf"), 2, "--weight-decay"),
    (("demo", "alvinn", "--length", "inf"), 2, "--length"),
    (("demo", "alvinn", "--length", "0"), 2, "--length"),
    (("demo", "alvinn", "--frames", BIG), 2, "--frames"),
    (("demo", "alvinn", "--course", "-1"), 2, "--course"),
    (("plot", "landscape", "--out", "x.png", "--span", "nan"), 2, "--span"),
    (("plot", "landscape", "--out", "x.png", "--grid", "0"), 2, "--grid"),
    (("plot", "landscape", "--out", "x.png", "--seed", "-1"), 2, "--seed"),
    (("plot", "trajectories", "--out", "x.png", "--steps", BIG), 2, "--steps"),
    (("plot", "bias-correction", "--out", "x.png", "--beta1", "1e308"), 2, "--beta1"),
    (("plot", "bias-correction", "--out", "x.png", "--iterations", BIG), 2, "--iterations"),
    (("plot", "momentum-gain", "--out", "x.png", "--iterations", "0"), 2, "--iterations"),
    (("plot", "momentum-gain", "--out", "x.png", "--momentum", ""), 2, "--momentum"),
    (("plot", "decision-boundary", "--out", "x.png", "--hidden", BIG), 2, "--hidden"),
    (("compare", "--seeds", "0"), 2, "--seeds"),
    (("compare", "--lr-grid", "inf"), 2, "--lr-grid"),
    (("compare", "--jobs", "0"), 2, "--jobs"),
    (("sweep", "cls.csv", "--target", "y", "--validation-fraction", "inf"), 2, "--validation-fraction"),
    (("sweep", "cls.csv", "--target", "y", "--epochs", BIG), 2, "--epochs"),
    (("sweep", "cls.csv", "--target", "y", "--grid", "seed=-1"), 2, "--grid seed=-1: must be"),
    (("sweep", "cls.csv", "--target", "y", "--grid", "learning_rate=0.1,inf"), 2, "--grid learning_rate=inf"),
    (("sweep", "cls.csv", "--target", "y", "--grid", "hidden=200000000x200000000"), 1, "memory"),
    (("predict", "m.bp", "cls.csv", "--out", "cls.csv/p.csv"), 1, "Not a directory"),
    (("export", "m.bp", "--format", "python", "--out", "x" * 300 + ".py"), 1, "File name too long"),
]


@pytest.mark.parametrize("args,code,words", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_hostile_option_is_one_line_and_writes_nothing(work, args, code, words):
    before = sorted(os.listdir(work))
    line = one_line(run_cli(*args, cwd=work), (code,))
    assert line.startswith(f"backprop {args[0]}") and words in line, line
    assert sorted(os.listdir(work)) == before


def test_divergence_in_the_first_epoch(work):
    args = ("train", "cls.csv", "--target", "y", "--optimizer", "sgd", "--learning-rate", "1000",
            "--batch-size", "4", "--seed", "0", "--epochs", "5", "--quiet", "--out", "div.bp")
    line = one_line(run_cli(*args, cwd=work), (1,))
    assert "diverged in epoch 1" in line and "no model was saved" in line and "--save-diverged" in line
    assert not (work / "div.bp").exists()
    r = run_cli(*args, "--save-diverged", cwd=work)        # asked for: the initial weights are kept
    assert r.returncode == 0, r.stderr
    assert "diverged before any epoch improved; saved the initial weights" in r.stdout
    assert "final training loss n/a" in r.stdout
    assert r.stderr.count("\n") == 1 and "warning: Training diverged at epoch 1" in r.stderr
    from backprop.io import load_model
    model = load_model(work / "div.bp")
    assert np.all(np.isfinite(model.network.params))
    (work / "div.bp").unlink()


def test_hidden_that_cannot_fit_in_memory_fails_before_allocating(work):
    from backprop.training.memory import available_bytes, training_bytes
    need = training_bytes([2, 200_000_000, 1], 40)
    have = available_bytes()
    if have is None or need <= have:
        pytest.skip("this machine has the memory for it")
    # an address-space cap makes the old behaviour (allocate, then fail or swap) fail fast too
    r = run_patched(["""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))
        """, NO_TRAINING], *TRAIN[:-2], "--hidden", "200000000", "--out", "new.bp", cwd=work)
    line = one_line(r, (1,))
    assert "--hidden 200000000 (a 2-200000000-1 network on 40 rows) needs at least" in line
    assert "GiB of memory" in line and "TRAINING" not in r.stdout and not (work / "new.bp").exists()


@pytest.fixture
def traps(tmp_path):
    """Output paths that cannot be written, each with the reason the line must give."""
    (tmp_path / "afile").write_text("x")
    os.symlink("loop", tmp_path / "loop")
    os.mkfifo(tmp_path / "fifo")
    return {tmp_path / "afile" / "m.bp": "Not a directory",
            tmp_path / "loop": "Too many levels of symbolic links",
            tmp_path / "loop" / "m.bp": "Too many levels of symbolic links",
            tmp_path / ("m" * 300 + ".bp"): "File name too long",
            tmp_path / "fifo": "exists and is not a regular file",
            tmp_path / "nowhere" / "m.bp": "does not exist"}


def test_unwritable_out_is_refused_before_training(work, traps):
    for out, reason in traps.items():
        r = run_patched([NO_TRAINING], *TRAIN[:-1], out, cwd=work)
        line = one_line(r, (1,))
        assert reason in line and "--out" in line and "TRAINING" not in r.stdout, (out, line)
    assert not os.path.isfile(next(iter(traps)).parent / "fifo")      # the FIFO is still a FIFO


READ_ONLY = """
import errno, os
_open, _root = os.open, os.path.realpath(os.environ["READ_ONLY"])
def read_only_open(path, flags, *args, **kwargs):   # the folder READ_ONLY is mounted read-only
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and os.path.realpath(path).startswith(_root):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
    return _open(path, flags, *args, **kwargs)
os.open = read_only_open
"""


def test_read_only_file_system_is_refused_before_training(work, tmp_path, monkeypatch):
    monkeypatch.setenv("READ_ONLY", str(tmp_path))
    r = run_patched([READ_ONLY, NO_TRAINING], *TRAIN[:-1], tmp_path / "m.bp", cwd=work)
    line = one_line(r, (1,))
    assert "Read-only file system" in line and str(tmp_path / "m.bp") in line
    assert "TRAINING" not in r.stdout and os.listdir(tmp_path) == []


def test_too_little_free_space_is_refused_before_training(work, tmp_path):
    r = run_patched(["""
        import os
        class Full:                         # 3 free blocks: less than the model needs
            f_bfree = f_bavail = 3
            f_frsize = 512
        os.statvfs = lambda folder: Full
        """, NO_TRAINING], *TRAIN[:-3], "--hidden", "64", "--out", tmp_path / "m.bp", cwd=work)
    line = one_line(r, (1,))
    assert "No space left on device" in line and "TRAINING" not in r.stdout
    assert os.listdir(tmp_path) == []


def test_disk_full_while_saving_is_one_line_and_leaves_nothing(work, tmp_path):
    # the kernel refuses to grow any file past 2 KiB (EFBIG, as a full disk refuses with ENOSPC)
    r = run_patched(["""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
        """], *TRAIN[:-3], "--hidden", "64", "--out", tmp_path / "m.bp", cwd=work)
    warnings, error = r.stderr.splitlines()[:-1], r.stderr.splitlines()[-1]
    assert r.returncode == 1 and all(w.startswith("backprop train: warning:") for w in warnings)
    assert error == f"backprop train: error: File too large: {tmp_path / 'm.bp'}"
    assert os.listdir(tmp_path) == []


def test_stdout_on_a_full_disk(work):
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "backprop", "predict", "m.bp", "cls.csv"],
                           stdout=full, stderr=subprocess.PIPE, text=True, cwd=work, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(SRC)})
    assert one_line(r, (1,)) == "backprop predict: error: No space left on device"


def test_out_of_memory_is_one_line(work):
    r = run_patched(["""
        import backprop.csvio
        def read_csv(*a, **k):
            raise MemoryError("Unable to allocate 1.00 TiB for an array with shape (2, 1) and data "
                              "type float64")
        backprop.csvio.read_csv = read_csv
        """], *TRAIN, cwd=work)
    assert one_line(r, (1,)) == ("backprop train: error: out of memory (Unable to allocate 1.00 TiB "
                                 "for an array with shape (2, 1) and data type float64); use a "
                                 "smaller network or less data")


def test_library_warnings_are_one_line_each(work):
    r = run_patched(["""
        import warnings
        import backprop.commands.explain as command
        explain = command.explain
        def warning_explain(*args, **kwargs):     # a library warning over two lines, twice
            warnings.warn("inputs look odd:\\n  column 'a'", RuntimeWarning)
            warnings.warn("a second one", UserWarning)
            return explain(*args, **kwargs)
        command.explain = warning_explain
        """], "explain", "--x", "1,0", "--t", "1", cwd=work)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == ["backprop explain: warning: inputs look odd: column 'a'",
                                     "backprop explain: warning: a second one"]
