"""``backprop train DATA.csv --target COLUMN ...``: train a network on a CSV file and save the model.

Thin: it reads the file, picks the task, builds :class:`~backprop.MLPClassifier` or
:class:`~backprop.MLPRegressor` (which call the trainer), saves the model file and
prints a summary.  See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import math
import re
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from .. import activations, optim
from .._errors import BackpropError, DataError, UsageError
from ..cli import check_memory, check_out, file_path, number, numbers, seed
from ..io import save_model
from ..training.diagnosis import TrainingDiverged
from ..training.memory import parameter_count, training_bytes
from . import _tabular as tab


MAX_RATE = 1e3        # a learning rate or penalty above this is a typo, never a setting
MAX_COUNT = 10**9     # epochs, patience, batch size

# The estimator's parameters in the CLI's terms: its messages are shown with the flags' names.
FLAGS = {"hidden_layer_sizes": "--hidden", "learning_rate_init": "--learning-rate",
         "max_iter": "--epochs", "batch_size": "--batch-size", "early_stopping": "--early-stopping",
         "validation_fraction": "--validation-fraction", "n_iter_no_change": "--patience",
         "tol": "--tol", "alpha": "--weight-decay", "random_state": "--seed"}


def _batch(text: str):
    """argparse type of --batch-size: auto, full or a positive integer."""
    if text in ("auto", "full"):
        return text
    try:
        return number(int, 1, MAX_COUNT)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be auto, full or an integer in [1, {MAX_COUNT}], "
                                         f"got {text!r}") from None


@contextmanager
def _in_flag_terms() -> Iterator[None]:
    """The estimator's errors, with its parameter names replaced by the flags'."""
    try:
        yield
    except BackpropError as exc:
        text = re.sub(r"\b(" + "|".join(FLAGS) + r")\b", lambda m: FLAGS[m.group(1)], str(exc))
        raise type(exc)(text) from None


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
    p.add_argument("--hidden", type=numbers(int, 1), default=[100],
                   help="hidden layer sizes, e.g. 16,8 (default 100)")
    p.add_argument("--activation", default="relu",
                   choices=sorted({"logistic", *activations.available()} - {"softmax"}),
                   help="hidden activation (default relu)")
    p.add_argument("--optimizer", default="adam", choices=optim.available(),
                   help="optimizer (default adam)")
    p.add_argument("--learning-rate", type=number(float, 0, MAX_RATE, low_open=True), default=1e-3,
                   help=f"initial learning rate of first-order optimizers, at most {MAX_RATE:g} "
                        "(default 0.001)")
    p.add_argument("--epochs", type=number(int, 1, MAX_COUNT), default=200,
                   help="maximum epochs (default 200)")
    p.add_argument("--batch-size", type=_batch, default="auto",
                   help="samples per update: auto = min(200, n) (default), full, or a number")
    p.add_argument("--early-stopping", action="store_true",
                   help="hold out --validation-fraction and stop when its score stops improving")
    p.add_argument("--validation-fraction", type=number(float, 0, 1, True, True), default=None,
                   help="share held out for --early-stopping, in (0, 1) (default 0.1)")
    p.add_argument("--patience", type=number(int, 1, MAX_COUNT), default=10,
                   help="epochs without improvement by --tol before stopping (default 10)")
    p.add_argument("--tol", type=number(float, 0), default=1e-4, help="improvement threshold (1e-4)")
    p.add_argument("--weight-decay", type=number(float, 0, MAX_RATE), default=1e-4,
                   help="L2 penalty on the weights, scikit-learn's alpha (default 1e-4)")
    p.add_argument("--scale", choices=("minmax", "standard"), help="rescale the inputs")
    p.add_argument("--impute", choices=("mean",), help="replace missing values by the column mean")
    p.add_argument("--missing-values", type=number(float), default=None,
                   help="value that marks a missing entry for --impute (NaN always does), e.g. 0")
    p.add_argument("--seed", type=seed, default=None,
                   help="random seed in [0, 2**32 - 1] (weights, split, order)")
    p.add_argument("--out", "-o", type=file_path, default=None,
                   help="model file (default: DATA with .bp)")
    p.add_argument("--save-diverged", action="store_true",
                   help="save the model even when training diverged before any epoch improved "
                        "on the initial weights (it then holds the initial weights)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if args.validation_fraction is not None and not args.early_stopping:
        raise UsageError("--validation-fraction sets the share held out for --early-stopping; "
                         "add --early-stopping")
    frac = 0.1 if args.validation_fraction is None else args.validation_fraction
    if args.missing_values is not None and not args.impute:
        raise UsageError("--missing-values needs --impute mean")
    if args.data == "-" and not args.out:
        raise UsageError("reading standard input (-): name the model file with --out")
    out = Path(args.out) if args.out else Path(args.data).with_suffix(".bp")
    check_out(out)  # before reading the data; with the model's size before training

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
    sizes = [table.X.shape[1], *args.hidden, _outputs(y, task)]
    check_memory(f"--hidden {','.join(map(str, args.hidden))} (a {'-'.join(map(str, sizes))} "
                 f"network on {len(y)} rows)", training_bytes(sizes, len(y)))
    check_out(out, size=8 * parameter_count(sizes))
    Est = MLPClassifier if task == "classification" else MLPRegressor
    est = Est(tuple(args.hidden), args.activation, solver=args.optimizer,
              learning_rate_init=args.learning_rate, max_iter=args.epochs, batch_size=args.batch_size,
              early_stopping=args.early_stopping, validation_fraction=frac,
              n_iter_no_change=args.patience, tol=args.tol, alpha=args.weight_decay,
              scale=args.scale, impute=args.impute,
              missing_values=np.nan if args.missing_values is None else args.missing_values,
              random_state=args.seed, verbose=False if args.quiet else "auto")
    with tab.warnings_as_lines("train"):
        with warnings.catch_warnings(record=True) as caught, _in_flag_terms():
            warnings.simplefilter("always")
            est.fit(table.X, y)
        untrained = est.stop_reason_ == "diverged" and est.history_.best_epoch == 0
        for w in caught:  # shown by warnings_as_lines, but for the divergence an error reports
            if not (untrained and not args.save_diverged and issubclass(w.category, TrainingDiverged)):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if untrained and not args.save_diverged:
        raise DataError(_diverged(est, args))
    model = est.to_model()
    model.feature_names = list(table.feature_names)
    summary = _summary(est, table.X, y, task)
    model.metadata.update(csv=tab.csv_spec(table), target=args.target, summary=summary)
    save_model(out, model)
    print(_format(summary, est, task, len(y), out))
    return 0


def _outputs(y: np.ndarray, task: str) -> int:
    """Output units: one per class (one for two classes), one per regression target."""
    if task == "classification":
        k = len(np.unique(y))
        return 1 if k <= 2 else k
    return 1 if y.ndim == 1 else y.shape[1]


def _diverged(est, args: argparse.Namespace) -> str:
    """The one line that says training diverged and no model was saved, with what to try."""
    hist = est.history_
    last = hist.loss[-1] if hist.loss else float("nan")
    advice = [f"lower --learning-rate (now {args.learning_rate:g})"]
    if args.scale is None and "inputs are not scaled" in (hist.diagnosis or ""):
        advice.append("scale the inputs (--scale standard)")
    return (f"training diverged in epoch {len(hist.loss)} (loss {last:.3g}) before any epoch "
            f"improved on the initial weights, so no model was saved: {', '.join(advice)}, or add "
            "--save-diverged to save the initial weights anyway")


def _summary(est, X: np.ndarray, y: np.ndarray, task: str) -> dict:
    hist = est.history_
    metric = "accuracy" if task == "classification" else "r2"
    s = {"task": task, "epochs": est.n_iter_, "iterations": hist.n_iterations,
         "stop_reason": est.stop_reason_,
         "train_loss": est.loss_curve_[-1] if est.loss_curve_ else None,  # None: diverged at once
         f"train_{metric}": float(est.score(X, y)), "n_samples": int(len(y))}
    if est.validation_scores_:
        best = int(np.nanargmax(est.validation_scores_))
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
               "diverged": "diverged (weights of the best epoch restored)" if est.history_.best_epoch
                           else "diverged before any epoch improved; saved the initial weights",
               "interrupted": "interrupted (Ctrl-C); the model trained so far was saved"}
    loss = "n/a" if s["train_loss"] is None else format(s["train_loss"], ".6g")
    lines = [f"{task}: network {sizes} ({est.activation}, {est.out_activation_} output), "
             f"{est.solver}, {n} samples",
             f"epochs {s['epochs']}, iterations {s['iterations']}; stopped: "
             f"{reasons.get(s['stop_reason'], s['stop_reason'])}",
             f"final training loss {loss}, training {metric} {s['train_' + key]:.4f}"]
    if "val_loss" in s:
        vl = s["val_loss"]
        lines.append(f"validation (best epoch {s['best_epoch']}, restored): loss "
                     f"{vl if vl is None or not math.isfinite(vl) else round(vl, 6)}, "
                     f"{metric} {s['val_' + key]:.4f}")
    lines.append(f"saved {out}")
    return "\n".join(lines)
