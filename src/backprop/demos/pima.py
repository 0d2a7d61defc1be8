"""Pima Indians Diabetes: predict diabetes from eight measurements (your copy, else SYNTHETIC data).

The lecture's medical-diagnosis example.  Reads YOUR copy of the data (--data
PATH or $BACKPROP_PIMA_DIR; backprop never ships or downloads it); without one
it runs on a synthetic stand-in generated from published aggregate statistics,
and every number it prints is labelled SYNTHETIC.  In each split, fitted on the
training rows only: zeros in glucose, blood pressure, skin fold, insulin and
BMI become missing, missing values the column's mean, and every attribute is
rescaled to [-1, 1].  A small MLP (early stopping, weight decay) is compared
with logistic regression and the majority class by stratified cross-validation;
a held-out split gives the confusion matrix.
"""

from __future__ import annotations

import argparse

from ._report import add_common_arguments

DEFAULTS = dict(hidden=(8,), activation="tanh", learning_rate=0.01, weight_decay=1e-2, epochs=300,
                batch_size=32, patience=20, validation_fraction=0.2)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="PATH",
                   help="your copy of the data (file or directory; default $BACKPROP_PIMA_DIR)")
    add_common_arguments(p, folds=10)


def load(path: str | None, demo: str = "pima"):
    """(data, file): the user's copy (warnings to stderr), or the SYNTHETIC stand-in and None."""
    import os
    import warnings
    from .. import datasets
    from ._report import progress
    path = path or os.environ.get(datasets.PIMA_ENV) or None
    if path is None:
        progress(demo, f"no copy of the Pima data (--data PATH or ${datasets.PIMA_ENV}); running on the "
                       "SYNTHETIC stand-in generated from aggregate statistics, not the real data")
        return datasets.make_synthetic_pima(random_state=0), None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = datasets.load_pima(path)
    for w in caught:
        progress(demo, f"warning: {w.message}")
    return data, datasets.find_pima_file(path)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from ..datasets import PIMA_MISSING_AS_ZERO
    from ..preprocessing import MeanImputer, MinMaxScaler, Preprocessor
    from ._models import MLP, LogisticBaseline, MajorityBaseline
    from ._report import evaluate, format_report, settings

    mlp, folds = settings(args, MLP(**DEFAULTS))
    data, file = load(args.data)
    X, y = data.X, data.y
    missing = [data.feature_names.index(c) for c in PIMA_MISSING_AS_ZERO]

    def make_prep() -> Preprocessor:
        return Preprocessor([MeanImputer(missing_values=0, columns=missing), MinMaxScaler((-1, 1))])

    models = [mlp, LogisticBaseline(), MajorityBaseline()]
    cv, test = evaluate("pima", models, make_prep, X, y, 2, folds, args.seed, args.test_fraction)
    counts = np.bincount(y, minlength=2)
    zeros = ", ".join(f"{c} {int(np.sum(X[:, j] == 0))}" for c, j in zip(PIMA_MISSING_AS_ZERO, missing))
    source = ("stand-in: generated from published aggregate statistics, NOT the real data" if data.synthetic
              else f": read from {file}")
    title = f"Pima Indians Diabetes{' ' if data.synthetic else ''}{source}"
    facts = [
        f"{len(y)} rows x {X.shape[1]} attributes; class 0 (no diabetes) {counts[0]}, class 1 "
        f"(diabetes within five years) {counts[1]}",
        f"zeros read as missing: {zeros}",
    ]
    setup = [
        "preprocessing, fitted on the training rows of each split only: 0 -> missing in those five "
        "columns, missing -> the column's training mean, min-max rescaling to [-1, 1]",
        "model: " + mlp.describe(X.shape[1], 2),
        "baselines, on the same preprocessed rows: logistic regression (scikit-learn, L2, C = 1) "
        "and the majority class",
    ]
    print(format_report(title, facts, setup, ["no", "yes"], cv, test, data.synthetic, folds, args.seed,
                        f"{args.test_fraction:.0%} stratified, seed {args.seed}"))
    if data.synthetic:
        print("\nSYNTHETIC: these numbers describe generated data, not the Pima Indians Diabetes "
              "study; pass --data PATH with your own copy for real results.")
    return 0
