"""The benchmark workloads W1-W5 (see docs/performance.md): data, network, optimizer, references."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from backprop import Network


@dataclass
class Workload:
    title: str
    X: np.ndarray
    T: np.ndarray
    sizes: list[int]
    activations: list[str]
    loss: str
    reduction: str
    optimizer: str
    opt_params: dict
    epochs: int
    batch_size: int
    sk_kind: str | None
    sk_activation: str
    sk_params: dict
    torch_acts: list[str | None]
    torch_loss: Callable
    torch_opt: Callable
    dtype: Any = np.float64
    fast: bool = True
    repeats: int = 5
    quick_repeats: int = 3
    timer: Callable | None = None
    baseline: str = "scikit-learn"
    seed: int = 1
    extra: dict = field(default_factory=dict)

    def net(self) -> Network:
        return Network(self.sizes, activation=self.activations, init="glorot_uniform",
                       random_state=self.seed, dtype=self.dtype)

    @property
    def updates(self) -> int:
        return self.epochs * math.ceil(len(self.X) / self.batch_size)


def _torch(name):
    import torch
    return {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[name]


def _half_sse(z, t):
    return 0.5 * ((z - t) ** 2).sum()


def _sgd(lr, momentum=0.0):
    import torch
    return lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum)


def _adam(lr):
    import torch
    return lambda p: torch.optim.Adam(p, lr=lr)


def _bce():
    import torch
    return torch.nn.BCEWithLogitsLoss()


def _ce():
    import torch
    return torch.nn.CrossEntropyLoss()


def xor(quick: bool) -> Workload:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    T = np.array([[0], [1], [1], [0]], dtype=float)
    return Workload("XOR 2-2-1 sigmoid, squared error, online SGD lr 0.5, 2000 epochs, float64",
                    X, T, [2, 2, 1], ["sigmoid", "sigmoid"], "squared_error", "sum", "sgd",
                    {"learning_rate": 0.5}, 2000, 1, "regressor", "logistic",
                    {"solver": "sgd", "learning_rate_init": 0.5, "momentum": 0.0},
                    ["sigmoid", "sigmoid"], lambda: _half_sse, _sgd(0.5), seed=3)


def diabetes_like(n=614, d=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    logit = X @ rng.normal(size=d) + 0.5 * np.sin(2 * X[:, 0])
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)[:, None]


def w2(quick: bool) -> Workload:
    X, T = diabetes_like()
    return Workload("8-16-1 tanh, log-loss, Adam lr 1e-3, batch 32, 200 epochs, 614 rows, float64",
                    X, T, [8, 16, 1], ["tanh", "sigmoid"], "binary_cross_entropy", "mean", "adam",
                    {"learning_rate": 1e-3}, 200, 32, "classifier", "tanh",
                    {"solver": "adam", "learning_rate_init": 1e-3},
                    ["tanh", None], _bce, _adam(1e-3))


def w3(quick: bool) -> Workload:
    X, T = diabetes_like()
    return Workload("8-16-1 tanh, log-loss, SGD lr 0.01 momentum 0.9, online, 20 epochs, float64",
                    X, T, [8, 16, 1], ["tanh", "sigmoid"], "binary_cross_entropy", "mean", "sgd",
                    {"learning_rate": 0.01, "momentum": 0.9}, 20, 1, "classifier", "tanh",
                    {"solver": "sgd", "learning_rate_init": 0.01, "momentum": 0.9,
                     "nesterovs_momentum": False},
                    ["tanh", None], _bce, _sgd(0.01, 0.9), quick_repeats=3)


def w4(quick: bool) -> Workload:
    rng = np.random.default_rng(0)
    n = 4096 if quick else 16384
    X = rng.random((n, 784), dtype=np.float32)
    y = ((X - 0.5) @ rng.normal(size=(784, 10)).astype(np.float32)).argmax(1)
    T = np.eye(10, dtype=np.float32)[y]
    return Workload(f"784-512-512-10 relu/softmax, cross-entropy, SGD momentum 0.9, batch 256, "
                    f"2 epochs, {n} rows, float32", X, T, [784, 512, 512, 10],
                    ["relu", "relu", "softmax"], "cross_entropy", "mean", "sgd",
                    {"learning_rate": 0.01, "momentum": 0.9}, 2, 256, "classifier", "relu",
                    {"solver": "sgd", "learning_rate_init": 0.01, "momentum": 0.9,
                     "nesterovs_momentum": False},
                    ["relu", "relu", None], _ce, _sgd(0.01, 0.9), dtype=np.float32, fast=False,
                    repeats=3, quick_repeats=1)


def gemm_iterations(w: Workload) -> Callable[[], None]:
    """The matrix products alone, for as many iterations as the workload has: per iteration 3
    forward, 3 weight-gradient and 2 delta GEMMs at the layer shapes, outputs preallocated."""
    rng = np.random.default_rng(0)
    B, sizes, dt = w.batch_size, w.sizes, w.dtype
    ys = [rng.standard_normal((B, m), dtype=dt) for m in sizes]
    Ws = [rng.standard_normal((o, i), dtype=dt) for i, o in zip(sizes[:-1], sizes[1:])]
    gW = [np.empty_like(W) for W in Ws]
    outs = [np.empty((B, m), dt) for m in sizes]

    def run():
        for _ in range(w.updates):
            for l, W in enumerate(Ws):
                np.matmul(ys[l], W.T, out=outs[l + 1])
            for l in range(len(Ws) - 1, -1, -1):
                np.matmul(ys[l + 1].T, ys[l], out=gW[l])
                if l > 0:
                    np.matmul(ys[l + 1], Ws[l], out=outs[l])
    return run


def w5(quick: bool) -> Workload | None:
    try:
        from backprop.training.many import NetworkStack, fit_many
    except ImportError:
        return None
    from backprop import fast, optim
    K, epochs, sample = 256, 500, 8 if quick else 32
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    T = np.array([[0], [1], [1], [0]], dtype=float)

    def one_numpy(k):
        net = Network([2, 2, 1], "sigmoid", random_state=k)
        opt = optim.get("sgd", learning_rate=0.5)
        st, g, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(k)
        for _ in range(epochs):
            for idx in rng.permutation(4)[:, None]:
                net.loss_and_grad(X[idx], T[idx], out=g)
                step, st = opt.update(g, st, net.params)
                net.params += step

    def one_fast(k):
        net = Network([2, 2, 1], "sigmoid", random_state=k)
        opt = optim.get("sgd", learning_rate=0.5)
        st, rng = opt.init(net.params), np.random.default_rng(k)
        for _ in range(epochs):
            fast.run_epoch(net, opt, st, X, T, (rng.permutation(4), 1), reduction="sum", check=False)

    def one_fit(k):
        import warnings
        from backprop import fit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit(Network([2, 2, 1], "sigmoid", random_state=k), X, T, optimizer="sgd",
                optimizer_params={"learning_rate": 0.5}, batch_size=1, epochs=epochs,
                reduction="sum", random_state=k, progress=False, engine="numpy")

    def timer(repeats):
        res = {"many (fit_many, K together)": [], "one by one, numpy loop": [],
               "one by one, fit(engine=numpy)": [], "one by one, fast/epoch": []}
        for _ in range(repeats):
            t0 = time.perf_counter()
            fit_many(NetworkStack([2, 2, 1], "sigmoid", random_states=K), X, T, optimizer="sgd",
                     learning_rate=0.5, epochs=epochs, batch_size=1, shuffle=True)
            res["many (fit_many, K together)"].append(time.perf_counter() - t0)
            for name, fn in (("one by one, numpy loop", one_numpy),
                             ("one by one, fit(engine=numpy)", one_fit),
                             ("one by one, fast/epoch", one_fast)):
                t0 = time.perf_counter()
                for k in range(sample):
                    fn(k)
                res[name].append((time.perf_counter() - t0) * K / sample)
        return {k: statistics.median(v) for k, v in res.items()}

    w = xor(quick)
    w.title = (f"{K} XOR 2-2-1 networks, online SGD lr 0.5, {epochs} epochs "
               f"(one-by-one times: {sample} networks, scaled to {K})")
    w.epochs, w.timer, w.baseline, w.repeats, w.quick_repeats = epochs, timer, "one by one, numpy loop", 3, 1
    w.extra["K"] = K
    return w


WORKLOADS = {"W1": xor, "W2": w2, "W3": w3, "W4": w4, "W5": w5}
