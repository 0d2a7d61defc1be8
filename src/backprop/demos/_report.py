"""The report shared by the application demos (pima, breast-cancer, digits).

Each demo hands over its data, a factory of a fresh preprocessing chain and a
list of models (:mod:`._models`).  :func:`cross_validate` runs stratified
k-fold cross-validation -- in every fold the chain is fitted on the training
folds only and every model sees the same rows -- and :func:`held_out` trains
on one split and predicts the other.  :func:`format_report` prints accuracy
as mean +- sample SD over the folds, the held-out accuracies and the
confusion matrix (rows: true class, columns: predicted class).  With
``synthetic=True`` the header starts with SYNTHETIC and every line holding
a number ends with ``[SYNTHETIC]``: such numbers are never results on real
data.  Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .._errors import ConfigError
from ..evaluation import confusion_matrix

if TYPE_CHECKING:
    from ._models import MLP

__all__ = ["stratified_folds", "held_out_split", "confusion_matrix", "cross_validate", "held_out",
           "format_report", "report_warnings", "progress", "Evaluation", "add_common_arguments",
           "settings", "evaluate"]

TAG = "[SYNTHETIC]"


def progress(demo: str, text: str) -> None:
    """One progress line on stderr."""
    print(f"backprop demo {demo}: {text}", file=sys.stderr, flush=True)


def stratified_folds(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k folds of shuffled indices (scikit-learn's ``StratifiedKFold``)."""
    from sklearn.model_selection import StratifiedKFold
    smallest = int(np.bincount(y).min())
    if not 2 <= k <= smallest:
        raise ConfigError(f"--folds must lie in [2, {smallest}] (the smallest class has {smallest} "
                          f"rows), got {k}")
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def held_out_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train, test) indices with ``test_fraction`` of the rows held out."""
    from sklearn.model_selection import train_test_split
    return tuple(train_test_split(np.arange(len(y)), test_size=test_fraction, stratify=y,
                                  random_state=seed))


@dataclass
class Evaluation:
    """Accuracies per model (and per fold), the MLP's epochs, predictions, warnings by text."""

    names: list[str]
    accuracy: np.ndarray                       # (n_models, n_folds) or (n_models,)
    epochs: list[int] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    n_test: int = 0
    n_train: int = 0
    y_test: np.ndarray | None = None
    test_rows: np.ndarray | None = None        # indices of the held-out rows in the data


def _fit_all(models, Z, y, Z_test, n_classes, seed, ev: Evaluation) -> list[np.ndarray]:
    preds = []
    for model in models:
        pred, info = model.fit_predict(Z, y, Z_test, n_classes, seed)
        if info.epochs:
            ev.epochs.append(info.epochs)
        for w in info.warnings:
            ev.warnings[f"{model.name(Z.shape[1], n_classes)}: {w.splitlines()[0]}"] += 1
        preds.append(pred)
    return preds


def cross_validate(models: Sequence, make_prep: Callable, X: np.ndarray, y: np.ndarray,
                   n_classes: int, folds: int, seed: int, demo: str) -> Evaluation:
    """Stratified ``folds``-fold cross-validation; the chain is refitted on each training part."""
    splits = stratified_folds(y, folds, seed)
    ev = Evaluation([m.name(X.shape[1], n_classes) for m in models], np.empty((len(models), folds)))
    for f, (tr, te) in enumerate(splits):
        prep = make_prep()
        Z, Z_test = prep.fit_transform(X[tr]), prep.transform(X[te])
        preds = _fit_all(models, Z, y[tr], Z_test, n_classes, seed + f, ev)
        ev.accuracy[:, f] = [np.mean(p == y[te]) for p in preds]
        progress(demo, f"fold {f + 1}/{folds}: " + ", ".join(
            f"{n.split(' (')[0]} {a:.3f}" for n, a in zip(ev.names, ev.accuracy[:, f])))
    return ev


def held_out(models: Sequence, make_prep: Callable, X: np.ndarray, y: np.ndarray,
             X_test: np.ndarray, y_test: np.ndarray, n_classes: int, seed: int, demo: str) -> Evaluation:
    """Fit the chain and every model on (X, y); predict X_test."""
    prep = make_prep()
    Z, Z_test = prep.fit_transform(X), prep.transform(X_test)
    ev = Evaluation([m.name(X.shape[1], n_classes) for m in models], np.empty(len(models)),
                    n_test=len(y_test), n_train=len(y), y_test=np.asarray(y_test))
    ev.predictions = _fit_all(models, Z, y, Z_test, n_classes, seed, ev)
    ev.accuracy[:] = [np.mean(p == y_test) for p in ev.predictions]
    progress(demo, "held-out split: " + ", ".join(
        f"{n.split(' (')[0]} {a:.3f}" for n, a in zip(ev.names, ev.accuracy)))
    return ev


def report_warnings(demo: str, *evaluations: Evaluation) -> None:
    """Each distinct warning once on stderr, with how many fits raised it."""
    total = Counter()
    for ev in evaluations:
        if ev is not None:
            total.update(ev.warnings)
    for text, count in total.items():
        progress(demo, f"warning ({count} fit{'s' if count > 1 else ''}): {text}")


def format_report(title: str, facts: Sequence[str], setup: Sequence[str], class_names: Sequence[str],
                  cv: Evaluation | None, test: Evaluation | None, synthetic: bool, folds: int = 0,
                  seed: int = 0, test_note: str = "") -> str:
    """The report: title, facts about the data (tagged when synthetic), the setup (preprocessing,
    models), cross-validated accuracy, held-out accuracy and confusion matrix."""
    tag = f"   {TAG}" if synthetic else ""
    lines = [("SYNTHETIC -- " if synthetic else "") + title, *(f + tag for f in facts), *setup]
    names = (cv or test).names
    width = max(len(n) for n in names) + 2
    if cv is not None:
        lines += ["", f"{folds}-fold stratified cross-validation (seed {seed}; the same folds and "
                  "preprocessing for every model; mean +- sample SD over the folds):"]
        for name, acc in zip(cv.names, cv.accuracy):
            lines.append(f"  {name:<{width}}accuracy {acc.mean():.4f} +- {acc.std(ddof=1):.4f}{tag}")
        if cv.epochs:
            e = np.array(cv.epochs)
            lines.append(f"  ({names[0]} trained for {e.min()}-{e.max()} epochs, median "
                         f"{int(np.median(e))}, before early stopping){tag}")
    if test is not None:
        lines += ["", f"held-out test set: {test.n_test} rows, trained on {test.n_train}"
                  + (f" ({test_note})" if test_note else "") + f":{tag}"]
        for name, acc in zip(test.names, test.accuracy):
            lines.append(f"  {name:<{width}}accuracy {acc:.4f}{tag}")
        lines += _confusion_lines(test, class_names, tag)
    return "\n".join(lines)


def _confusion_lines(test: Evaluation, class_names: Sequence[str], tag: str) -> list[str]:
    k = len(class_names)
    C = confusion_matrix(test.y_test, test.predictions[0], k)
    w = max(6, *(len(c) + 1 for c in class_names), len(str(C.max())) + 1)
    lines = [f"confusion matrix of the {test.names[0]} on the held-out test set "
             "(rows: true class, columns: predicted class):",
             " " * (w + 2) + "".join(f"{c:>{w}}" for c in class_names)]
    for c, row in zip(class_names, C):
        lines.append(f"  {c:>{w}}" + "".join(f"{v:>{w}}" for v in row) + tag)
    return lines


# --- shared command-line options and flow ------------------------------------------------------
def add_common_arguments(p: argparse.ArgumentParser, folds: int, quick_folds: int = 3) -> None:
    """--folds, --seed, --quick, --test-fraction and the MLP's --hidden/--weight-decay/--epochs."""
    from ..cli import number, numbers, seed
    p.add_argument("--folds", type=number(int, 0, 1000), default=None,
                   help=f"cross-validation folds (default {folds}; {quick_folds} with --quick; 0: none)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the folds, splits and weights (default 0)")
    p.add_argument("--quick", action="store_true",
                   help=f"a fast run: {quick_folds} folds, fewer epochs, shorter patience")
    p.add_argument("--test-fraction", type=number(float, 0, 1, True, True), default=0.25,
                   help="share of rows held out for the confusion matrix (default 0.25)")
    p.add_argument("--hidden", type=numbers(int, 1, 10**4), default=None,
                   help="hidden layer sizes, comma-separated (e.g. 16 or 32,16), each at most 10000")
    p.add_argument("--weight-decay", type=number(float, 0, 1e3), default=None,
                   help="L2 weight decay lambda")
    p.add_argument("--epochs", type=number(int, 1, 10**6), default=None,
                   help="most epochs per training run")
    p.set_defaults(_folds_default=(folds, quick_folds))


def settings(args: argparse.Namespace, mlp: "MLP") -> tuple["MLP", int]:
    """The MLP after --hidden/--weight-decay/--epochs/--quick, and the number of folds."""
    from dataclasses import replace
    if args.hidden is not None:  # the options' ranges are checked as they are parsed
        mlp = replace(mlp, hidden=tuple(args.hidden))
    if args.quick:
        mlp = replace(mlp, epochs=min(mlp.epochs, 60), patience=min(mlp.patience, 8))
    if args.weight_decay is not None:
        mlp = replace(mlp, weight_decay=args.weight_decay)
    if args.epochs is not None:
        mlp = replace(mlp, epochs=args.epochs)
    folds = args.folds if args.folds is not None else args._folds_default[bool(args.quick)]
    if folds < 0 or folds == 1:
        raise ConfigError(f"--folds must be 0 (no cross-validation) or an integer >= 2, got {folds}")
    return mlp, folds


def evaluate(demo: str, models: Sequence, make_prep: Callable, X: np.ndarray, y: np.ndarray,
             n_classes: int, folds: int, seed: int, test_fraction: float
             ) -> tuple[Evaluation | None, Evaluation]:
    """Cross-validation over all rows (unless folds == 0), then one stratified held-out split."""
    cv = cross_validate(models, make_prep, X, y, n_classes, folds, seed, demo) if folds else None
    tr, te = held_out_split(y, test_fraction, seed)
    test = held_out(models, make_prep, X[tr], y[tr], X[te], y[te], n_classes, seed, demo)
    test.test_rows = te
    report_warnings(demo, cv, test)
    return cv, test
