"""Breast cancer diagnosis: malignant or benign from 30 cell-nucleus measurements (Wisconsin data).

The Wisconsin Diagnostic Breast Cancer data (Street, Wolberg & Mangasarian
1993; 569 fine-needle aspirates, 212 malignant, 357 benign), read offline from
scikit-learn's bundled copy.  In each split the 30 attributes are
standardised with statistics of the training rows only; a small MLP (early
stopping, weight decay) is compared with logistic regression and the
majority class by stratified cross-validation, and a held-out split gives the
confusion matrix.
"""

from __future__ import annotations

import argparse

from ._report import add_common_arguments

DEFAULTS = dict(hidden=(16,), activation="tanh", learning_rate=0.01, weight_decay=1e-2, epochs=300,
                batch_size=32, patience=20, validation_fraction=0.2)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, folds=10, quick_folds=5)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from .. import datasets
    from ..preprocessing import StandardScaler
    from ._models import MLP, LogisticBaseline, MajorityBaseline
    from ._report import evaluate, format_report, settings

    mlp, folds = settings(args, MLP(**DEFAULTS))
    data = datasets.load_breast_cancer()
    X, y = data.X, data.y
    models = [mlp, LogisticBaseline(), MajorityBaseline()]
    cv, test = evaluate("breast-cancer", models, StandardScaler, X, y, 2, folds, args.seed,
                        args.test_fraction)
    counts = np.bincount(y, minlength=2)
    facts = [f"{len(y)} rows x {X.shape[1]} attributes (mean, standard error and worst value of ten "
             f"nucleus features); {data.target_names[0]} {counts[0]}, {data.target_names[1]} {counts[1]}"]
    setup = ["preprocessing, fitted on the training rows of each split only: standardisation "
             "(x - mean) / sd",
             "model: " + mlp.describe(X.shape[1], 2),
             "baselines, on the same preprocessed rows: logistic regression (scikit-learn, L2, C = 1) "
             "and the majority class"]
    print(format_report("Wisconsin Diagnostic Breast Cancer (scikit-learn's bundled copy)", facts, setup,
                        data.target_names, cv, test, False, folds, args.seed,
                        f"{args.test_fraction:.0%} stratified, seed {args.seed}"))
    return 0
