"""``backprop train DATA.csv --target COLUMN ...``: train a network on a CSV file and save the model.

Thin: it reads the file, picks the task, builds :class:`~backprop.MLPClassifier` or
:class:`~backprop.MLPRegressor` (which call the trainer), saves the model file and
prints a summary.  See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from .. import activations, optim
from .._errors import DataError, UsageError
from ..cli import parse_list
from ..io import save_model
from . import _tabular as tab


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train", help="train a network on a CSV file and save the model",
        description="Train a multi-layer network on DATA (CSV; delimiter and header row are "
                    "detected) to predict the --target column, then save the model file. "
                    "Defaults are scikit-learn's MLP defaults.",
        epilog="example: backprop train iris.csv --target species --hidden 16,8 --activation tanh "
               "--learning-rate 0.01 --epochs 300 --early-stopping --scale standard --seed 0 "
               "--out iris.bp")
    p.add_argument("data", metavar="DATA.csv", help="training data ('-' for standard input)")
    p.add_argument("--target", required=True, help="name of the column to predict")
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="auto (default): text or at most 20 distinct integers -> classification")
    tab.add_csv_options(p)
    p.add_argument("--hidden", type=lambda s: parse_list(s, int, "integer"), default=[100],
                   help="hidden layer sizes, e.g. 16,8 (default 100)")
    p.add_argument("--activation", default="relu",
                   choices=sorted({"logistic", *activations.available()} - {"softmax"}),
                   help="hidden activation (default relu)")
    p.add_argument("--optimizer", default="adam", choices=optim.available(),
                   help="optimizer (default adam)")
    p.add_argument("--learning-rate", type=tab.positive(float), default=1e-3,
                   help="initial learning rate of first-order optimizers (default 0.001)")
    p.add_argument("--epochs", type=tab.positive(int), default=200, help="maximum epochs (default 200)")
    p.add_argument("--batch-size", default="auto",
                   help="samples per update: auto = min(200, n) (default), full, or a number")
    p.add_argument("--early-stopping", action="store_true",
                   help="hold out --validation-fraction and stop when its score stops improving")
    p.add_argument("--validation-fraction", type=float, default=None,
                   help="share held out for --early-stopping (default 0.1)")
    p.add_argument("--patience", type=tab.positive(int), default=10,
                   help="epochs without improvement by --tol before stopping (default 10)")
    p.add_argument("--tol", type=tab.non_negative, default=1e-4, help="improvement threshold (1e-4)")
    p.add_argument("--weight-decay", type=tab.non_negative, default=1e-4,
                   help="L2 penalty on the weights, scikit-learn's alpha (default 1e-4)")
    p.add_argument("--scale", choices=("minmax", "standard"), help="rescale the inputs")
    p.add_argument("--impute", choices=("mean",), help="replace missing values by the column mean")
    p.add_argument("--missing-values", type=float, default=None,
                   help="value that marks a missing entry for --impute (NaN always does), e.g. 0")
    p.add_argument("--seed", type=int, default=None, help="random seed (weights, split, order)")
    p.add_argument("--out", "-o", default=None, help="model file (default: DATA with .bp)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _batch(text: str):
    if text in ("auto", "full"):
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    return value if value >= 1 else None


def run(args: argparse.Namespace) -> int:
    batch = _batch(args.batch_size)
    if batch is None:
        raise UsageError(f"--batch-size must be auto, full or a positive integer, got {args.batch_size!r}")
    if args.validation_fraction is not None and not args.early_stopping:
        raise UsageError("--validation-fraction sets the share held out for --early-stopping; "
                      "add --early-stopping")
    frac = 0.1 if args.validation_fraction is None else args.validation_fraction
    if not 0 < frac < 1:
        raise UsageError(f"--validation-fraction must lie in (0, 1), got {frac}")
    if args.missing_values is not None and not args.impute:
        raise UsageError("--missing-values needs --impute mean")
    if args.data == "-" and not args.out:
        raise UsageError("reading standard input (-): name the model file with --out")
    out = Path(args.out) if args.out else Path(args.data).with_suffix(".bp")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise DataError(f"cannot write {str(out)!r}: directory {str(out.parent)!r} does not exist")

    from ..estimators import MLPClassifier, MLPRegressor

    table = tab.read_table(args, "train")
    if table.X.shape[1] == 0:
        raise DataError(f"{args.data} has no input columns besides the target {args.target!r}")
    tab.check_missing(table, bool(args.impute))
    task = tab.choose_task(table.y) if args.task == "auto" else args.task
    if task == "regression" and table.y.dtype.kind in "USO":
        raise DataError(f"target column {args.target!r} holds text ({table.y[0]!r}); it can only be "
                        "a classification target")
    y = tab.class_labels(table.y, args.target) if task == "classification" else table.y.astype(float)
    Est = MLPClassifier if task == "classification" else MLPRegressor
    est = Est(tuple(args.hidden), args.activation, solver=args.optimizer,
              learning_rate_init=args.learning_rate, max_iter=args.epochs, batch_size=batch,
              early_stopping=args.early_stopping, validation_fraction=frac,
              n_iter_no_change=args.patience, tol=args.tol, alpha=args.weight_decay,
              scale=args.scale, impute=args.impute,
              missing_values=np.nan if args.missing_values is None else args.missing_values,
              random_state=args.seed, verbose=False if args.quiet else "auto")
    with tab.warnings_as_lines("train"):
        est.fit(table.X, y)
    model = est.to_model()
    model.feature_names = list(table.feature_names)
    summary = _summary(est, table.X, y, task)
    model.metadata.update(csv=tab.csv_spec(table), target=args.target, summary=summary)
    save_model(out, model)
    print(_format(summary, est, task, len(y), out))
    return 0


def _summary(est, X: np.ndarray, y: np.ndarray, task: str) -> dict:
    hist = est.history_
    metric = "accuracy" if task == "classification" else "r2"
    s = {"task": task, "epochs": est.n_iter_, "iterations": hist.n_iterations,
         "stop_reason": est.stop_reason_, "train_loss": est.loss_curve_[-1],
         f"train_{metric}": float(est.score(X, y)), "n_samples": int(len(y))}
    if est.validation_scores_ is not None:
        best = int(np.nanargmax(est.validation_scores_)) if est.validation_scores_ else 0
        s["val_loss"] = hist.val_loss[best]
        s[f"val_{metric}"] = est.validation_scores_[best]
        s["best_epoch"] = best + 1
    return s


def _format(s: dict, est, task: str, n: int, out: Path) -> str:
    metric = "accuracy" if task == "classification" else "R^2"
    key = "accuracy" if task == "classification" else "r2"
    sizes = "-".join(map(str, est.network_.layer_sizes))
    reasons = {"max_epochs": f"reached the epoch limit ({est.max_iter})",
               "no_improvement": f"no improvement by more than tol={est.tol:g} for "
                                 f"{est.n_iter_no_change} epochs",
               "diverged": "diverged (weights of the best epoch restored)",
               "interrupted": "interrupted (Ctrl-C); the model trained so far was saved"}
    lines = [f"{task}: network {sizes} ({est.activation}, {est.out_activation_} output), "
             f"{est.solver}, {n} samples",
             f"epochs {s['epochs']}, iterations {s['iterations']}; stopped: "
             f"{reasons.get(s['stop_reason'], s['stop_reason'])}",
             f"final training loss {s['train_loss']:.6g}, training {metric} {s['train_' + key]:.4f}"]
    if "val_loss" in s:
        vl = s["val_loss"]
        lines.append(f"validation (best epoch {s['best_epoch']}, restored): loss "
                     f"{vl if vl is None or not math.isfinite(vl) else round(vl, 6)}, "
                     f"{metric} {s['val_' + key]:.4f}")
    lines.append(f"saved {out}")
    return "\n".join(lines)
