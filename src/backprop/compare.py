"""Measured comparison of the optimizers on real tasks, against the textbook's table.

``compare(tasks, optimizers, seeds)`` trains every optimizer on every task
from the *same* initial weights per seed (seed k draws network k's weights
and its mini-batch order, whatever the optimizer), K seeds at once where
:mod:`backprop.training.many` is available.  Protocol:

1. **Learning rate**: for each (task, optimizer) the rate comes from a grid
   search (:data:`LR_GRID`) on separate seeds (:data:`SEARCH_SEED_OFFSET` + i);
   the rate with the lowest median final validation loss wins.
2. **Runs**: ``seeds`` runs per (task, optimizer) with that rate.  Each epoch
   records the training loss (batch losses averaged over the epoch), the
   validation loss (whole validation set, after the epoch) and the wall time.
3. **Speed**: epochs until the training loss first falls to the task's
   ``target`` (a run that never does is a failure); wall time to the target
   is the run's share of its group's elapsed time.  **Quality**: the final
   validation loss and metric (accuracy, or R^2 for regression).
4. **Stars** (see :mod:`backprop._compare_report`): speed from the median
   epochs relative to the fastest optimizer on the task, quality from the
   median final validation loss relative to the best and to a trivial model.

Every independent training group is one job for :func:`backprop.sweep.run_jobs`
(joblib on all local cores, or a Dask cluster).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import optim
from ._errors import ConfigError

__all__ = ["TASKS", "TEXTBOOK", "OPTIMIZERS", "LR_GRID", "compare", "prepare_task", "train_group"]

SEARCH_SEED_OFFSET = 10_000
LR_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


@dataclass(frozen=True)
class Task:
    """A benchmark problem: network, loss, training budget and the target training loss."""

    hidden: tuple[int, ...]
    activation: str
    output: str            # output activation
    loss: str
    batch_size: int | None
    epochs: int
    target: float          # training loss that counts as "converged"
    metric: str            # "accuracy" or "r2"


TASKS: dict[str, Task] = {
    "xor": Task((2,), "sigmoid", "sigmoid", "squared_error", None, 1000, 0.005, "accuracy"),
    "breast-cancer": Task((16,), "tanh", "sigmoid", "binary_cross_entropy", 32, 60, 0.06, "accuracy"),
    "digits": Task((32,), "tanh", "softmax", "cross_entropy", 64, 40, 0.1, "accuracy"),
    "regression": Task((16,), "tanh", "identity", "squared_error", 10, 300, 0.01, "r2"),
}

# label -> (registry name, fixed hyperparameters); the textbook's rows first.
OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "SGD": ("sgd", {}),
    "Momentum": ("sgd", {"momentum": 0.9}),
    "Nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
    "Adagrad": ("adagrad", {}),
    "RMSprop": ("rmsprop", {}),
    "Adam": ("adam", {}),
    "Nadam": ("nadam", {}),
    "AdaMax": ("adamax", {}),
}
# The textbook's (Geron, via the lecture) stars: allowed (speed, quality) star counts.
TEXTBOOK: dict[str, tuple[set[int], set[int]]] = {
    "SGD": ({1}, {3}), "Momentum": ({2}, {3}), "Nesterov": ({2}, {3}),
    "Adagrad": ({3}, {1}), "RMSprop": ({3}, {2, 3}), "Adam": ({3}, {2, 3}),
    "Nadam": ({3}, {2, 3}), "AdaMax": ({3}, {2, 3}),
}


def optimizer_table(names: str | Sequence[str] = "all") -> dict[str, tuple[str, dict]]:
    """Labels -> (registry name, hyperparameters).  ``"all"``: the textbook's rows plus
    every other registered first-order optimizer (oracle/full-batch methods are left out)."""
    table = dict(OPTIMIZERS)
    for name in optim.available():
        o = optim.get(name)
        if name not in {v[0] for v in OPTIMIZERS.values()} and not (o.needs_oracle or o.full_batch_only):
            table[name] = (name, {})
    if names == "all" or names == ["all"]:
        return {k: v for k, v in table.items() if v[0] in optim.available()}
    names = [names] if isinstance(names, str) else list(names)
    lower = {k.lower(): k for k in table}
    bad = [n for n in names if n.lower() not in lower]
    if bad:
        raise ConfigError(f"unknown optimizer {bad[0]!r}; valid choices: all, {', '.join(table)}")
    return {lower[n.lower()]: table[lower[n.lower()]] for n in names}


def prepare_task(name: str, data_seed: int = 0) -> dict[str, Any]:
    """Inputs standardised by training statistics, a fixed 75/25 split by ``data_seed``."""
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; valid choices: {', '.join(TASKS)}")
    spec = TASKS[name]
    X, y = _load(name)
    if name == "xor":                      # four patterns: train and validate on all of them
        tr = va = np.arange(4)
    else:
        perm = np.random.default_rng(data_seed).permutation(len(X))
        cut = int(round(0.75 * len(X)))
        tr, va = np.sort(perm[:cut]), np.sort(perm[cut:])
        mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
        X = (X - mu) / np.where(sd > 0, sd, 1.0)
    n_out = 1 if spec.output != "softmax" else int(y.max()) + 1
    T = y.astype(float) if n_out == 1 else y.astype(int)
    return {"name": name, "spec": spec, "layers": [X.shape[1], *spec.hidden, n_out],
            "X": X[tr], "T": T[tr], "Xv": X[va], "Tv": T[va]}


def _load(name: str) -> tuple[np.ndarray, np.ndarray]:
    from . import datasets
    d = (datasets.make_curve(n_samples=200, random_state=0) if name == "regression"
         else datasets.load(name))
    return np.asarray(d.X, float), np.asarray(d.y)


def _metric(task: dict, Z: np.ndarray) -> float:
    from .sweep import score
    return score(Z, task["Tv"], task["spec"].metric)


def _baseline(task: dict) -> float:
    """Validation loss of the best constant prediction from the training targets (a trivial model)."""
    spec, T, Tv = task["spec"], task["T"], task["Tv"]
    if spec.loss == "squared_error":
        return float(0.5 * np.mean((Tv - T.mean()) ** 2))
    if spec.loss == "binary_cross_entropy":
        p = np.clip(T.mean(), 1e-12, 1 - 1e-12)
        return float(-np.mean(Tv * np.log(p) + (1 - Tv) * np.log(1 - p)))
    p = np.clip(np.bincount(T, minlength=task["layers"][-1]) / len(T), 1e-12, None)
    return float(-np.mean(np.log(p[Tv])))


def train_group(task_name: str, label: str, optimizer: str, hyper: dict, learning_rate: float,
                seeds: Sequence[int], data_seed: int = 0, epochs: int | None = None) -> dict[str, Any]:
    """Train one optimizer on one task for every seed; the unit of work of a comparison.

    Returns per-epoch ``loss`` and ``val_loss`` arrays of shape (epochs, K),
    cumulative wall ``time`` (epochs,) of the group, final ``metric`` (K,).
    """
    task = prepare_task(task_name, data_seed)
    spec = task["spec"]
    epochs = epochs or spec.epochs
    opt = optim.get(optimizer, **{**hyper, "learning_rate": learning_rate})
    kw = dict(activation=spec.activation, output_activation=spec.output)
    X, T, Xv, Tv = task["X"], task["T"], task["Xv"], task["Tv"]
    from .training.many import NetworkStack, fit_many
    stack = NetworkStack(task["layers"], random_states=list(seeds), **kw)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # divergence and stalls are results here, counted below
        hist = fit_many(stack, X, T, optimizer=opt, epochs=epochs, batch_size=spec.batch_size,
                        loss=spec.loss, reduction="mean", validation_data=(Xv, Tv), progress=False)
    loss, val = _pad(hist["loss"], epochs), _pad(hist["val_loss"], epochs)
    times = np.cumsum(_pad(hist["time"], epochs)[:, 0] if np.ndim(hist["time"]) > 1
                      else _pad(hist["time"], epochs))
    Z = [stack.network(k).forward(Xv) for k in range(len(seeds))]
    metric = np.array([_metric(task, z) if np.all(np.isfinite(z)) else np.nan for z in Z])
    return {"task": task_name, "baseline": _baseline(task), "label": label, "optimizer": optimizer, "learning_rate": learning_rate,
            "seeds": list(seeds), "loss": np.asarray(loss, float).reshape(-1, len(seeds)),
            "val_loss": np.asarray(val, float).reshape(-1, len(seeds)), "time": np.asarray(times, float),
            "metric": metric}


def _pad(column: np.ndarray, epochs: int) -> np.ndarray:
    """A history column padded with NaN to ``epochs`` rows (all networks may stop early)."""
    a = np.asarray(column, dtype=float)
    if len(a) >= epochs:
        return a[:epochs]
    pad = np.full((epochs - len(a),) + a.shape[1:], np.nan)
    return np.concatenate([a, pad]) if len(a) else pad


def compare(tasks: Sequence[str] = ("xor", "breast-cancer", "digits", "regression"),
            optimizers: str | Sequence[str] = "all", seeds: int = 20, search_seeds: int = 3,
            lr_grid: Sequence[float] = LR_GRID, epochs: dict[str, int] | None = None,
            scheduler: Any = None, n_jobs: int = -1) -> dict[str, Any]:
    """Run the comparison; returns ``{"runs": [...], "learning_rates": {...}, "settings": {...}}``.

    ``epochs`` overrides a task's budget (``{"digits": 5}``); ``scheduler``
    is a Dask address or Client (default: joblib on ``n_jobs`` local cores).
    """
    from .sweep import run_jobs
    table = optimizer_table(optimizers)
    tasks = list(tasks)
    for t in tasks:
        if t not in TASKS:
            raise ConfigError(f"unknown task {t!r}; valid choices: {', '.join(TASKS)}")
    if seeds < 1 or search_seeds < 1:
        raise ConfigError("seeds and search seeds must be at least 1")
    ep = {t: (epochs or {}).get(t, TASKS[t].epochs) for t in tasks}
    search = list(range(SEARCH_SEED_OFFSET, SEARCH_SEED_OFFSET + search_seeds))
    jobs = [(t, lab, name, kw, lr, search, 0, ep[t]) for t in tasks
            for lab, (name, kw) in table.items() for lr in lr_grid]
    found = run_jobs(train_group, jobs, scheduler=scheduler, n_jobs=n_jobs)
    rates: dict[str, dict[str, float]] = {t: {} for t in tasks}
    best: dict[tuple, float] = {}
    for r in found:
        v = np.nanmedian(np.where(np.isfinite(r["val_loss"][-1]), r["val_loss"][-1], np.inf))
        key = (r["task"], r["label"])
        if key not in best or v < best[key]:
            best[key], rates[r["task"]][r["label"]] = v, r["learning_rate"]
    jobs = [(t, lab, name, kw, rates[t][lab], list(range(seeds)), 0, ep[t]) for t in tasks
            for lab, (name, kw) in table.items()]
    runs = run_jobs(train_group, jobs, scheduler=scheduler, n_jobs=n_jobs)
    return {"runs": runs, "learning_rates": rates,
            "settings": {"tasks": tasks, "optimizers": table, "seeds": seeds,
                         "search_seeds": search, "lr_grid": list(lr_grid), "epochs": ep,
                         "targets": {t: TASKS[t].target for t in tasks}}}
