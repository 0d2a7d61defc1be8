"""Time backprop against scikit-learn and PyTorch on the workloads W1-W5 of docs/performance.md.

    python benchmarks/run.py [--quick] [--only W1,W4] [--repeats 5]

Every implementation trains the same architecture from the same initial
weights, on the same data, with the same optimizer, batch size and number of
epochs; implementations are interleaved within each repeat and the median
time is reported, as a ratio to scikit-learn (W1-W4) and per update.
PyTorch runs eagerly with as many threads as NumPy's BLAS.  W4 also prints
the GEMM lower bound (the eight matrix products of every iteration, run alone
at the layer shapes, interleaved with the others) and the peak resident memory of
each implementation (each trained in a fresh subprocess).  On a shared
machine the numbers are indicative only.

backprop variants: ``fast/epoch`` is the compiled kernel called once per
epoch (as the trainer calls it), ``fast/run`` one call for all epochs,
``numpy`` the readable loop (``loss_and_grad`` + ``update``).  When the
trainer is on this branch (``backprop.training.fit``) its ``engine="numpy"``
and ``engine="fast"`` are timed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Got `batch_size` less than 1")  # sklearn, on the prefit
# Fixed epoch budgets end before convergence on purpose: convergence advice is noise here.
warnings.filterwarnings("ignore", message=".*(stopped at the epoch limit|networks stopped at).*")
warnings.filterwarnings("ignore", message="Stochastic Optimizer: Maximum iterations")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from backprop import Network, fast, optim  # noqa: E402
from backprop.training.batching import epoch_batches  # noqa: E402
from workloads import WORKLOADS, gemm_iterations  # noqa: E402

try:
    from backprop.training import trainer as _trainer
    HAVE_TRAINER = "engine" in _trainer.OPTIONS
except (ImportError, AttributeError, TypeError):
    HAVE_TRAINER = False


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
        return max([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1])
    except ImportError:  # pragma: no cover
        return os.cpu_count() or 1


# --- backprop ------------------------------------------------------------------
def bp_numpy(w, net, X, T):
    opt = optim.get(w.optimizer, **w.opt_params)
    state, grad, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(0)
    n = len(X)
    bufs = {}
    for _ in range(w.epochs):
        for idx in epoch_batches(n, w.batch_size, rng):
            if len(idx) not in bufs:
                bufs[len(idx)] = (np.empty((len(idx), X.shape[1]), X.dtype),
                                  np.empty((len(idx), T.shape[1]), T.dtype))
            Xb, Tb = bufs[len(idx)]
            np.take(X, idx, axis=0, out=Xb)
            np.take(T, idx, axis=0, out=Tb)
            net.loss_and_grad(Xb, Tb, w.loss, w.reduction, out=grad)
            step, state = opt.update(grad, state, net.params)
            net.params += step


def bp_fast_epoch(w, net, X, T):
    opt = optim.get(w.optimizer, **w.opt_params)
    state, rng = opt.init(net.params), np.random.default_rng(0)
    for _ in range(w.epochs):
        fast.run_epoch(net, opt, state, X, T, (rng.permutation(len(X)), w.batch_size),
                       loss=w.loss, reduction=w.reduction, check=False)


def bp_fast_run(w, net, X, T):
    opt = optim.get(w.optimizer, **w.opt_params)
    state, rng = opt.init(net.params), np.random.default_rng(0)
    perms = rng.permuted(np.tile(np.arange(len(X)), (w.epochs, 1)), axis=1)  # = epochs permutation()s
    fast.run_epochs(net, opt, state, X, T, (perms, w.batch_size),
                    loss=w.loss, reduction=w.reduction, check=False)


def bp_trainer(engine):
    def run(w, net, X, T):
        _trainer.fit(net, X, T, loss=w.loss, reduction=w.reduction, optimizer=w.optimizer,
                     optimizer_params=w.opt_params, epochs=w.epochs, batch_size=w.batch_size,
                     random_state=0, progress=False, engine=engine)
    return run


# --- scikit-learn and PyTorch -------------------------------------------------------
def sklearn_model(w, net, X, T):
    """An MLP with ``net``'s weights, its solver fresh (prefitted one epoch on a few rows)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    common = dict(hidden_layer_sizes=net.layer_sizes[1:-1], activation=w.sk_activation,
                  batch_size=w.batch_size, alpha=0.0, max_iter=w.epochs, tol=0.0,
                  n_iter_no_change=10 ** 9, shuffle=True, random_state=0, warm_start=True,
                  **w.sk_params)
    y = T.argmax(1) if T.shape[1] > 1 else T[:, 0]
    model = (MLPRegressor if w.sk_kind == "regressor" else MLPClassifier)(**common)
    model.set_params(max_iter=1)
    few = np.concatenate([np.flatnonzero(y == c)[:2] for c in np.unique(y)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[few], y[few])
    for l, (W, b) in enumerate(net.unflatten(net.params)):
        model.coefs_[l][...] = W.T
        model.intercepts_[l][...] = b
    model.set_params(max_iter=w.epochs)
    return model, y


def sklearn_run(model, X, y):
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)


def torch_model(w, net, X, T):
    import torch
    from workloads import _torch
    layers = []
    for (W, b), act in zip(net.unflatten(net.params), w.torch_acts):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=getattr(torch, net.dtype.name))
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if act is not None:
            layers.append(_torch(act)())
    return torch.nn.Sequential(*layers)


def torch_run(w, model, X, T):
    import torch
    Xt, Tt = torch.from_numpy(X), torch.from_numpy(T)
    if w.loss == "cross_entropy":
        Tt = Tt.argmax(1)
    opt = w.torch_opt(model.parameters())
    lossf = w.torch_loss()
    g = torch.Generator().manual_seed(0)
    n, B = len(X), w.batch_size
    for _ in range(w.epochs):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, B):
            idx = perm[i:i + B]
            opt.zero_grad(set_to_none=True)
            lossf(model(Xt[idx]), Tt[idx]).backward()
            opt.step()


def implementations(w):
    """name -> prepare() returning the zero-argument timed run."""
    out = {}

    def bp(fn):
        def prepare():
            net = w.net()
            return lambda: fn(w, net, w.X, w.T)
        return prepare
    if w.sk_kind:
        def sk():
            model, y = sklearn_model(w, w.net(), w.X, w.T)
            return lambda: sklearn_run(model, w.X, y)
        out["scikit-learn"] = sk

    def th():
        model = torch_model(w, w.net(), w.X, w.T)
        return lambda: torch_run(w, model, w.X, w.T)
    out["pytorch"] = th
    out["backprop numpy"] = bp(bp_numpy)
    if fast.available() and w.fast:
        out["backprop fast/epoch"] = bp(bp_fast_epoch)
        out["backprop fast/run"] = bp(bp_fast_run)
    if w.sizes[1] >= 256:  # the GEMM lower bound, timed interleaved with the others
        out["GEMM lower bound"] = lambda: gemm_iterations(w)
    if HAVE_TRAINER:
        out["backprop fit(engine=numpy)"] = bp(bp_trainer("numpy"))
        if fast.available() and w.fast:
            out["backprop fit(engine=fast)"] = bp(bp_trainer("fast"))
    return out


def time_workload(w, repeats):
    impls = implementations(w)
    times = {k: [] for k in impls}
    for _ in range(repeats):
        for name, prepare in impls.items():  # interleaved: one run of each per repeat
            run = prepare()
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_memory(wname: str, impl: str) -> float:
    """Extra peak RSS (MiB) of training ``impl`` on ``wname`` in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--memory-probe", wname, impl],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "OMP_NUM_THREADS": str(blas_threads()),
                              "OPENBLAS_NUM_THREADS": str(blas_threads())})
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return float("nan")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def memory_probe(wname: str, impl: str) -> None:
    """Print the peak resident memory during training above the resident memory before it (MiB).

    Linux: the high-water mark VmHWM is reset (``/proc/self/clear_refs``) after the data and
    the model are built, so only what training itself allocates counts."""
    import torch  # noqa: F401  (all libraries loaded before the baseline)
    import sklearn.neural_network  # noqa: F401
    w = WORKLOADS[wname](quick=False)
    run = implementations(w)[impl]()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_kib("VmRSS")
    run()
    print((_status_kib("VmHWM") - before) / 1024)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats, W4 on a quarter of the rows")
    p.add_argument("--only", default="W1,W2,W3,W4,W5")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS and torch threads (default: NumPy's BLAS default); 1 on a busy machine")
    p.add_argument("--memory-probe", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory_probe:
        return memory_probe(*args.memory_probe)
    import torch
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    threads = blas_threads()
    torch.set_num_threads(threads)
    print(f"numpy {np.__version__}, torch {torch.__version__} ({threads} threads = BLAS threads), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if fast.available():
        t0 = time.perf_counter()
        fast._kernel()
        net, opt = Network([2, 2, 1]), optim.get("sgd")
        fast.run_epoch(net, opt, opt.init(net.params), np.eye(2), np.ones(2), [[0, 1]])
        print(f"fast kernel ready in {time.perf_counter() - t0:.2f} s (compile, or load numba's cache)")
    for wname in args.only.split(","):
        w = WORKLOADS[wname](quick=args.quick)
        if w is None:
            print(f"\n{wname}: skipped (backprop.training.many is not on this branch yet)")
            continue
        repeats = args.repeats or (w.quick_repeats if args.quick else w.repeats)
        print(f"\n{wname}: {w.title}  [{w.updates} updates, median of {repeats}]")
        res = w.timer(repeats) if w.timer else time_workload(w, repeats)
        base = res.get("scikit-learn") or res.get(w.baseline)
        for name, t in res.items():
            print(f"  {name:28s} {t:9.4f} s  {t / base:8.3f}x  {1e6 * t / w.updates:9.2f} us/update")
        if "GEMM lower bound" in res:
            lb = res["GEMM lower bound"]
            print(f"  backprop numpy = {res['backprop numpy'] / lb:.2f}x the GEMM bound, "
                  f"{res['backprop numpy'] / res['pytorch']:.2f}x PyTorch; "
                  f"PyTorch = {res['pytorch'] / lb:.2f}x the bound")
            if not args.quick:
                for name in ("scikit-learn", "pytorch", "backprop numpy"):
                    print(f"  peak extra RSS {name:18s} {peak_memory(wname, name):8.1f} MiB")


if __name__ == "__main__":
    main()
