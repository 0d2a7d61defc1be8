"""Measured comparison of the optimizers on real tasks, against the textbook's table.

``compare(tasks, optimizers, seeds)`` trains every optimizer on every task
from the *same* initial weights per seed (seed k draws network k's weights
and its mini-batch order, whatever the optimizer), K seeds at once where
:mod:`backprop.training.many` is available, in two settings
(:data:`REDUCTIONS`): the lecture's, E summed over the patterns of each batch
(for squared error E = 1/2 sum (z - t)^2), and E averaged over them.  Under
a sum the gradient is B times larger for a batch of B patterns, so plain
gradient descent needs B times the rate; adaptive methods do not care.
Protocol, per task, setting and optimizer:

1. **Learning rate**: a grid search (:data:`LR_GRID`) on separate seeds
   (:data:`SEARCH_SEED_OFFSET` + i); the rate with the lowest median final
   validation loss wins.  While the winner sits on an edge of the rates
   tried, the next half-decade beyond it is tried too (up to
   :data:`MAX_WIDEN` per side), so the search is wide enough for each
   optimizer and setting.
2. **Runs**: ``seeds`` runs with that rate.  Each epoch records the training
   loss and the validation loss (whole validation set, after the epoch), both
   per pattern in either setting, and the wall time.  Every search seed's own
   best rate is run as well: the stars it gives measure how stable the
   verdict is over search seeds.
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

__all__ = ["TASKS", "TEXTBOOK", "OPTIMIZERS", "LR_GRID", "REDUCTIONS", "compare", "prepare_task",
           "train_group"]

SEARCH_SEED_OFFSET = 10_000
LR_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_WIDEN = 4            # half-decades tried beyond each edge of the grid while the best rate is there
# setting -> what E is, as the report states it
REDUCTIONS: dict[str, str] = {
    "sum": "E summed over the patterns of each batch, the lecture's E = 1/2 sum (z - t)^2 for "
           "squared error",
    "mean": "E averaged over the patterns of each batch",
}


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
                seeds: Sequence[int], data_seed: int = 0, epochs: int | None = None,
                reduction: str = "mean") -> dict[str, Any]:
    """Train one optimizer on one task for every seed; the unit of work of a comparison.

    ``reduction`` is the training setting (``"sum"`` or ``"mean"``, see :data:`REDUCTIONS`).
    Returns per-epoch ``loss`` and ``val_loss`` arrays of shape (epochs, K), per pattern
    whatever the setting, cumulative wall ``time`` (epochs,) of the group, final ``metric`` (K,).
    """
    if reduction not in REDUCTIONS:
        raise ConfigError(f"unknown setting {reduction!r}; valid choices: {', '.join(REDUCTIONS)}")
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
                        loss=spec.loss, reduction=reduction, validation_data=(Xv, Tv), progress=False)
    loss, val = _pad(hist["loss"], epochs), _pad(hist["val_loss"], epochs)
    if reduction == "sum":                 # sums over the epoch's patterns -> per pattern
        loss, val = loss / len(X), val / len(Xv)
    times = np.cumsum(_pad(hist["time"], epochs)[:, 0] if np.ndim(hist["time"]) > 1
                      else _pad(hist["time"], epochs))
    Z = [stack.network(k).forward(Xv) for k in range(len(seeds))]
    metric = np.array([_metric(task, z) if np.all(np.isfinite(z)) else np.nan for z in Z])
    return {"task": task_name, "reduction": reduction, "baseline": _baseline(task), "label": label,
            "optimizer": optimizer, "learning_rate": learning_rate, "seeds": list(seeds), "loss": np.asarray(loss, float).reshape(-1, len(seeds)),
            "val_loss": np.asarray(val, float).reshape(-1, len(seeds)), "time": np.asarray(times, float),
            "metric": metric}


def _pad(column: np.ndarray, epochs: int) -> np.ndarray:
    """A history column padded with NaN to ``epochs`` rows (all networks may stop early)."""
    a = np.asarray(column, dtype=float)
    if len(a) >= epochs:
        return a[:epochs]
    pad = np.full((epochs - len(a),) + a.shape[1:], np.nan)
    return np.concatenate([a, pad]) if len(a) else pad


def _next_rate(rate: float, up: bool) -> float:
    """The half-decade beside ``rate`` (1 -> 3 -> 10 up, 1 -> 0.3 -> 0.1 down), as 1 or 3 times a power of 10."""
    exponent = np.floor(np.log10(rate) + 1e-9)
    lead = rate / 10 ** exponent
    if up:
        return float(f"{(3 if lead < 2 else 10) * 10 ** exponent:.3g}")
    return float(f"{(0.3 if lead < 2 else 1) * 10 ** exponent:.3g}")


def _final_val(run: dict) -> np.ndarray:
    """Each seed's final validation loss, inf where it is not finite (a diverged run)."""
    v = run["val_loss"][-1]
    return np.where(np.isfinite(v), v, np.inf)


def _best_rate(scores: dict[float, np.ndarray], seed: int | None = None) -> float:
    """The rate with the lowest median final validation loss (or seed ``seed``'s lowest);
    ties go to the smaller rate."""
    value = {lr: (np.median(v) if seed is None else v[seed]) for lr, v in scores.items()}
    return min(sorted(value), key=lambda lr: value[lr])


def _search(tasks, table, reductions, lr_grid, search, ep, scheduler, n_jobs, widen):
    """Validation losses per group (task, setting, label) and rate, widened at the grid's edges."""
    from .sweep import run_jobs
    groups = [(t, red, lab) for t in tasks for red in reductions for lab in table]
    scores: dict[tuple, dict[float, np.ndarray]] = {g: {} for g in groups}
    pending = {g: list(lr_grid) for g in groups}
    extra = {g: [0, 0] for g in groups}                 # rates added below / above the grid
    while pending:
        jobs = [(t, lab, table[lab][0], table[lab][1], lr, search, 0, ep[t], red)
                for (t, red, lab), rates in pending.items() for lr in rates]
        for r in run_jobs(train_group, jobs, scheduler=scheduler, n_jobs=n_jobs):
            scores[(r["task"], r["reduction"], r["label"])][r["learning_rate"]] = _final_val(r)
        pending = {}
        for g in groups if widen and len(lr_grid) > 1 else []:
            rates, best = sorted(scores[g]), _best_rate(scores[g])
            side = 1 if best == rates[-1] else 0 if best == rates[0] else None
            if side is not None and extra[g][side] < MAX_WIDEN:
                extra[g][side] += 1
                pending[g] = [_next_rate(best, up=bool(side))]
    return scores


def compare(tasks: Sequence[str] = ("xor", "breast-cancer", "digits", "regression"),
            optimizers: str | Sequence[str] = "all", seeds: int = 20, search_seeds: int = 3,
            lr_grid: Sequence[float] = LR_GRID, epochs: dict[str, int] | None = None,
            scheduler: Any = None, n_jobs: int = -1, reductions: Sequence[str] = ("sum", "mean"),
            widen: bool = True) -> dict[str, Any]:
    """Run the comparison; returns ``{"runs", "stability_runs", "learning_rates", "settings"}``.

    ``runs`` hold, per task, setting and optimizer, the runs at the rate the search chose
    (``learning_rates[task][setting][label]``); ``stability_runs`` the runs at each search
    seed's own best rate (``settings["seed_rates"]``).  ``reductions`` are the settings
    (:data:`REDUCTIONS`); ``widen`` extends a grid of two or more rates past an edge where
    the best rate sits.  ``epochs`` overrides a task's budget (``{"digits": 5}``);
    ``scheduler`` is a Dask address or Client (default: joblib on ``n_jobs`` local cores).
    """
    from .sweep import run_jobs
    table = optimizer_table(optimizers)
    tasks, reductions = list(tasks), list(dict.fromkeys(reductions))
    for t in tasks:
        if t not in TASKS:
            raise ConfigError(f"unknown task {t!r}; valid choices: {', '.join(TASKS)}")
    for red in reductions:
        if red not in REDUCTIONS:
            raise ConfigError(f"unknown setting {red!r}; valid choices: {', '.join(REDUCTIONS)}")
    if seeds < 1 or search_seeds < 1:
        raise ConfigError("seeds and search seeds must be at least 1")
    if not reductions or not len(lr_grid) or min(lr_grid) <= 0:
        raise ConfigError("give at least one setting and learning rates > 0")
    ep = {t: (epochs or {}).get(t, TASKS[t].epochs) for t in tasks}
    search = list(range(SEARCH_SEED_OFFSET, SEARCH_SEED_OFFSET + search_seeds))
    scores = _search(tasks, table, reductions, lr_grid, search, ep, scheduler, n_jobs, widen)
    rates: dict[str, dict[str, dict[str, float]]] = {t: {red: {} for red in reductions} for t in tasks}
    seed_rates: dict[str, dict[str, dict[str, list[float]]]] = {t: {red: {} for red in reductions}
                                                                for t in tasks}
    searched: dict[str, dict[str, dict[str, list[float]]]] = {t: {red: {} for red in reductions}
                                                              for t in tasks}
    for (t, red, lab), sc in scores.items():
        rates[t][red][lab] = _best_rate(sc)
        seed_rates[t][red][lab] = [_best_rate(sc, i) for i in range(search_seeds)]
        searched[t][red][lab] = sorted(sc)
    todo = [(t, red, lab, lr) for t in tasks for red in reductions for lab in table
            for lr in dict.fromkeys([rates[t][red][lab], *seed_rates[t][red][lab]])]
    jobs = [(t, lab, table[lab][0], table[lab][1], lr, list(range(seeds)), 0, ep[t], red)
            for t, red, lab, lr in todo]
    done = run_jobs(train_group, jobs, scheduler=scheduler, n_jobs=n_jobs)
    runs = [r for r in done if r["learning_rate"] == rates[r["task"]][r["reduction"]][r["label"]]]
    return {"runs": runs, "stability_runs": done, "learning_rates": rates,
            "settings": {"tasks": tasks, "optimizers": table, "seeds": seeds, "reductions": reductions,
                         "search_seeds": search, "lr_grid": list(lr_grid), "lr_searched": searched,
                         "seed_rates": seed_rates, "epochs": ep,
                         "targets": {t: TASKS[t].target for t in tasks}}}
