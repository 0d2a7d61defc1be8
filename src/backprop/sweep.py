"""Independent trainings in parallel: joblib on the local cores, or a Dask cluster.

:func:`run_jobs` is the one place where work fans out: the optimizer
comparison and :func:`grid_search` (``backprop sweep``) hand it a function
and a list of argument tuples.  Every job is seeded through its arguments,
so the results do not depend on where or in which order the jobs ran.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from ._errors import ConfigError, DataError
from .network import Network

__all__ = ["run_jobs", "parse_grid", "grid_search", "score", "GRID_KEYS"]


def run_jobs(function: Callable[..., Any], jobs: Sequence[tuple], scheduler: Any = None,
             n_jobs: int = -1) -> list[Any]:
    """``[function(*args) for args in jobs]``, computed in parallel, in job order.

    Parameters
    ----------
    scheduler : None, str or dask.distributed.Client
        None: joblib with ``n_jobs`` local workers (``-1`` all cores; ``1``
        runs in this process).  A string: the address of a Dask scheduler
        (``tcp://host:8786``).  A Client: that client.
    """
    jobs = list(jobs)
    if scheduler is None:
        if n_jobs == 1 or len(jobs) <= 1:
            return [function(*args) for args in jobs]
        try:
            from joblib import Parallel, delayed
        except ImportError:
            raise ConfigError("parallel runs need joblib: pip install 'backprop-mlp[dask]', "
                              "or use n_jobs=1") from None
        return list(Parallel(n_jobs=n_jobs)(delayed(function)(*args) for args in jobs))
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler needs dask.distributed: pip install 'backprop-mlp[dask]'") from None
    own = isinstance(scheduler, str)
    if own:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    else:
        client = scheduler
    try:
        futures = [client.submit(function, *args, pure=False) for args in jobs]
        return client.gather(futures)
    finally:
        if own:
            client.close()


GRID_KEYS = {"learning_rate": float, "hidden": str, "optimizer": str, "epochs": int,
             "batch_size": int, "momentum": float, "activation": str, "seed": int,
             "weight_decay": float}


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["learning_rate=0.01,0.1", "hidden=8,16"]`` -> ``{"learning_rate": [0.01, 0.1], ...}``."""
    grid: dict[str, list] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in GRID_KEYS or not values:
            raise ConfigError(f"bad grid item {item!r}; write KEY=V1,V2,... with KEY one of "
                              f"{', '.join(GRID_KEYS)}")
        try:
            grid[key] = [GRID_KEYS[key](v) for v in values.split(",") if v]
        except ValueError:
            raise ConfigError(f"bad value in grid item {item!r}: {key} takes "
                              f"{GRID_KEYS[key].__name__} values") from None
    return grid


DEFAULTS = {"learning_rate": 0.01, "hidden": "16", "optimizer": "adam", "epochs": 100,
            "batch_size": 32, "momentum": 0.0, "activation": "tanh", "seed": 0, "weight_decay": 0.0}


def _one(X: np.ndarray, T: np.ndarray, split: tuple, classification: bool, n_classes: int,
         setting: dict) -> dict[str, Any]:
    """Train one network with ``setting`` on the training rows (the trainer, seeded by the
    setting's ``seed``); score it on the validation rows.  A run that diverges scores
    ``val_loss = inf`` and ``metric = nan``."""
    from .training import ConvergenceWarning, TrainingDiverged, fit
    s = {**DEFAULTS, **setting}
    tr, va = split
    hidden = [int(h) for h in str(s["hidden"]).replace("x", ",").split(",") if h]
    k = n_classes if classification and n_classes > 2 else 1
    out_act = "softmax" if k > 1 else ("sigmoid" if classification else "identity")
    loss = "cross_entropy" if k > 1 else ("binary_cross_entropy" if classification else "squared_error")
    net = Network([X.shape[1], *hidden, k], activation=s["activation"], output_activation=out_act,
                  random_state=s["seed"])
    hyper = {"learning_rate": s["learning_rate"]}
    if s["momentum"]:
        hyper["momentum"] = s["momentum"]
    if s["weight_decay"]:
        hyper["weight_decay"] = s["weight_decay"]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # a sweep compares short runs: stalls are expected, divergence is scored below
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", TrainingDiverged)
        hist = fit(net, X[tr], T[tr], loss=loss, optimizer=s["optimizer"], optimizer_params=hyper,
                   epochs=s["epochs"], batch_size=s["batch_size"], random_state=s["seed"],
                   progress=False)
        if hist.stop_reason == "diverged":
            return {**setting, "val_loss": math.inf, "metric": math.nan}
        Z = net.forward(X[va])
        val = net.loss(X[va], T[va], loss, "mean")
    return {**setting, "val_loss": float(val),
            "metric": score(Z, T[va], "accuracy" if classification else "r2")}


def score(Z: np.ndarray, t: np.ndarray, metric: str) -> float:
    """The trainer's ``metric`` (:mod:`backprop.training.metrics`: ``"accuracy"``, ``"r2"``, ...)
    of outputs ``Z`` (n, k) against 1-D targets ``t``: class indices when k > 1, else values."""
    from .training import metrics
    t = np.asarray(t)
    T = np.eye(Z.shape[1])[t] if Z.shape[1] > 1 else t.reshape(-1, 1)
    return metrics.get(metric)(Z, T)


def grid_search(X: np.ndarray, y: np.ndarray, grid: dict[str, list], classification: bool,
                validation_fraction: float = 0.25, split_seed: int = 0, scheduler: Any = None,
                n_jobs: int = -1) -> list[dict[str, Any]]:
    """Train one network per point of the grid (the Cartesian product); score on a held-out split.

    ``y`` holds class indices (classification) or numbers.  Returns one dict
    per setting with ``val_loss`` and ``metric`` (accuracy, or R^2), in grid order.
    """
    X = np.asarray(X, float)
    if X.ndim != 2 or len(X) < 4:
        raise DataError(f"need a 2-D table with at least 4 rows, got shape {X.shape}")
    perm = np.random.default_rng(split_seed).permutation(len(X))
    n_val = max(1, int(round(validation_fraction * len(X))))
    tr, va = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
    X = (X - mu) / np.where(sd > 0, sd, 1.0)
    n_classes = int(np.max(y)) + 1 if classification else 0
    T = np.asarray(y, int if classification and n_classes > 2 else float)
    keys = list(grid)
    settings = [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]
    jobs = [(X, T, (tr, va), classification, n_classes, s) for s in settings]
    return run_jobs(_one, jobs, scheduler=scheduler, n_jobs=n_jobs)
