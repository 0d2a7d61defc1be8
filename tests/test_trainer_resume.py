"""Interrupt (SIGINT) and kill (SIGKILL) a training process; resuming reproduces the uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from backprop import Network, fit
from backprop.training import checkpoint

from conftest import SRC

pytestmark = [pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning"),
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

OPTIONS = dict(epochs=24, batch_size=7, random_state=5, engine="numpy", validation_fraction=0.2, weight_decay=1e-3,
               optimizer_params={"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
               schedule={"name": "plateau", "patience": 1, "factor": 0.5, "min_delta": 1e-3})

SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    from backprop import Network, fit
    from backprop.training import Callback

    def data():
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 3))
        return X, np.sin(X[:, :2]) + 0.1 * rng.normal(size=(60, 2))

    class Slow(Callback):
        def on_iteration_end(self, event):
            time.sleep(0.012)
        def on_epoch_end(self, event):
            print("epoch", event.epoch, flush=True)

    if __name__ == "__main__":
        X, T = data()
        net = Network([3, 6, 2], "tanh", "identity", random_state=0)
        h = fit(net, X, T, checkpoint_path=sys.argv[1], checkpoint_every=1, callbacks=[Slow()],
                progress=False, **OPTIONS)
        print("STOP", h.stop_reason, flush=True)
""")


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, np.sin(X[:, :2]) + 0.1 * rng.normal(size=(60, 2))


def run_until(tmp_path, epoch: int, sig: int) -> tuple[str, str]:
    script = tmp_path / "train.py"
    script.write_text(f"OPTIONS = {OPTIONS!r}\n" + SCRIPT)
    path = tmp_path / "ck.npz"
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.strip() == f"epoch {epoch}":
                break
        os.kill(proc.pid, sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out, err


def resume_and_compare(path):
    header, _ = checkpoint.load(path)
    saved_epoch = header["state"]["epoch"]
    X, T = data()
    calls = []
    net = Network([3, 6, 2], "tanh", "identity", random_state=99)  # weights come from the checkpoint
    h = fit(net, X, T, checkpoint_path=path, resume=True, callbacks=[lambda e: calls.append(e.epoch)],
            **OPTIONS)
    ref = Network([3, 6, 2], "tanh", "identity", random_state=0)
    href = fit(ref, X, T, **OPTIONS)
    assert calls == list(range(saved_epoch + 1, OPTIONS["epochs"] + 1))  # resumed, not restarted
    np.testing.assert_array_equal(net.params, ref.params)
    assert h.loss == href.loss and h.val_loss == href.val_loss
    assert h.learning_rate == href.learning_rate and h.iterations == href.iterations
    assert h.stop_reason == href.stop_reason == "max_epochs"
    return header


def test_sigint_stops_cleanly_writes_a_checkpoint_and_resumes_bit_for_bit(tmp_path):
    out, err = run_until(tmp_path, 4, signal.SIGINT)
    assert "STOP interrupted" in out, err
    assert "Traceback" not in err
    header = resume_and_compare(tmp_path / "ck.npz")
    assert header["history"]["stop_reason"] == "interrupted"
    assert 4 <= header["state"]["epoch"] < OPTIONS["epochs"]


def test_sigkill_then_resume_from_last_checkpoint_is_bit_for_bit(tmp_path):
    out, _ = run_until(tmp_path, 3, signal.SIGKILL)
    assert "STOP" not in out
    header = resume_and_compare(tmp_path / "ck.npz")
    assert header["history"]["stop_reason"] is None and header["state"]["epoch"] >= 2  # epoch 3's file may not be written yet
