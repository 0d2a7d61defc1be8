"""Time backprop's own rows of W1-W5 for two source trees in one process, alternating.

    python benchmarks/ab.py --base ../main/src [--rounds 7]

On a shared machine two benchmark runs minutes apart see different loads, so a
difference of a few percent between them means nothing.  Here both trees'
``backprop`` packages are imported side by side (copied under the names
``backprop_base`` and ``backprop_new``), and each row runs once for each tree,
in alternating order, ``--rounds`` times; the table gives the mean of the
middle runs (the fastest and slowest dropped) and the ratio new / base.  "new"
is this checkout's ``src``.  Rows: the NumPy loop, one kernel call per epoch
(``fast/epoch``) and ``fit`` on both engines for W1-W3, the K = 256 stack and one
network's NumPy loop of W5, and one epoch of W4 on a quarter of its rows
(BLAS-bound).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from workloads import WORKLOADS  # noqa: E402

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_T = np.array([[0], [1], [1], [0]], dtype=float)


def numpy_loop(m, w, net):
    opt = m.optim.get(w.optimizer, **w.opt_params)
    batches = importlib.import_module(m.__name__ + ".training.batching").epoch_batches
    state, grad, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(0)
    bufs: dict = {}
    for _ in range(w.epochs):
        for idx in batches(len(w.X), w.batch_size, rng):
            if len(idx) not in bufs:
                bufs[len(idx)] = (np.empty((len(idx), w.X.shape[1]), w.X.dtype),
                                  np.empty((len(idx), w.T.shape[1]), w.T.dtype))
            Xb, Tb = bufs[len(idx)]
            np.take(w.X, idx, axis=0, out=Xb)
            np.take(w.T, idx, axis=0, out=Tb)
            net.loss_and_grad(Xb, Tb, w.loss, w.reduction, out=grad)
            step, state = opt.update(grad, state, net.params)
            net.params += step


def fast_epoch(m, w, net):
    opt = m.optim.get(w.optimizer, **w.opt_params)
    state, rng = opt.init(net.params), np.random.default_rng(0)
    for _ in range(w.epochs):
        m.fast.run_epoch(net, opt, state, w.X, w.T, (rng.permutation(len(w.X)), w.batch_size),
                         loss=w.loss, reduction=w.reduction, check=False)


def fit(engine):
    def run(m, w, net):
        m.fit(net, w.X, w.T, loss=w.loss, reduction=w.reduction, optimizer=w.optimizer,
              optimizer_params=w.opt_params, epochs=w.epochs, batch_size=w.batch_size,
              random_state=0, progress=False, engine=engine)
    return run


def one_xor_network(m, w, net):
    opt = m.optim.get("sgd", learning_rate=0.5)
    state, grad, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(0)
    for _ in range(500):
        for idx in rng.permutation(4)[:, None]:
            net.loss_and_grad(XOR_X[idx], XOR_T[idx], out=grad)
            step, state = opt.update(grad, state, net.params)
            net.params += step


def stack_of_256(m, w, net):
    many = importlib.import_module(m.__name__ + ".training.many")
    many.fit_many(many.NetworkStack([2, 2, 1], "sigmoid", random_states=256), XOR_X, XOR_T,
                  optimizer="sgd", learning_rate=0.5, epochs=500, batch_size=1, shuffle=True)


def rows() -> list:
    out = []
    for name in ("W1", "W2", "W3"):
        w = WORKLOADS[name](quick=False)
        for label, fn in (("numpy loop", numpy_loop), ("fast/epoch", fast_epoch),
                          ("fit(engine=numpy)", fit("numpy")), ("fit(engine=fast)", fit("fast"))):
            out.append((f"{name} {label}", w, fn))
    w4 = WORKLOADS["W4"](quick=True)
    w4.epochs = 1
    out.append(("W4 numpy loop (1/4 rows, 1 epoch)", w4, numpy_loop))
    xor = WORKLOADS["W1"](quick=False)
    out.append(("W5 one network, numpy loop", xor, one_xor_network))
    out.append(("W5 fit_many, K = 256", xor, stack_of_256))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="the other tree's src directory")
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    warnings.simplefilter("ignore")
    tmp = Path(tempfile.mkdtemp(prefix="backprop-ab-"))
    for alias, src in (("backprop_base", Path(args.base)), ("backprop_new", HERE.parent / "src")):
        shutil.copytree(src / "backprop", tmp / alias, ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(tmp))
    trees = [importlib.import_module("backprop_base"), importlib.import_module("backprop_new")]
    table = rows()
    times: dict = {label: ([], []) for label, _, _ in table}
    for r in range(args.rounds + 1):              # round 0 compiles and warms up, not counted
        for label, w, fn in table:
            for side in ((0, 1) if r % 2 else (1, 0)):
                m = trees[side]
                ref = w.net()
                net = m.Network(ref.layer_sizes, ref.activations, random_state=0, dtype=ref.dtype)
                net.params[...] = ref.params
                t0 = time.perf_counter()
                fn(m, w, net)
                if r:
                    times[label][side].append(time.perf_counter() - t0)
    print(f"{'row':36s} {'base s':>9s} {'new s':>9s} {'new/base':>8s}   ({args.rounds} rounds)")
    for label, (a, b) in times.items():
        a, b = sorted(a)[1:-1] or a, sorted(b)[1:-1] or b
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        print(f"{label:36s} {ma:9.4f} {mb:9.4f} {mb / ma:8.3f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
