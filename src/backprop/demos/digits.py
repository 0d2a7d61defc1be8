"""Handwritten digits: a softmax network reads 8x8 digit images (or your local MNIST files).

The optical-recognition digits (Alpaydin & Kaynak 1998; 1797 images of 8x8
pixels with values 0..16, ten classes), read offline from scikit-learn's
bundled copy.  A 64-128-10 network (ReLU hidden units, softmax output,
cross-entropy E = -sum_k t_k log z_k, Adam, weight decay, early stopping) is
compared with logistic regression and the majority class by stratified
cross-validation and on a held-out test split; the report gives the confusion
matrix, and --out DIR saves a picture of the misclassified test digits.
--mnist DIR trains on MNIST instead, from IDX files you already have
(train-images-idx3-ubyte[.gz] etc.; nothing is downloaded), on its own
60000 / 10000 split without cross-validation.
"""

from __future__ import annotations

import argparse

from ._report import add_common_arguments

DEFAULTS = dict(hidden=(128,), activation="relu", learning_rate=0.003, weight_decay=1e-3, epochs=300,
                batch_size=32, patience=30, validation_fraction=0.15)
MNIST = dict(DEFAULTS, learning_rate=0.001, batch_size=128, patience=10, epochs=100)
PICTURE = "digits-misclassified.png"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mnist", metavar="DIR",
                   help="train on your local MNIST IDX files in DIR instead (train-* and t10k-*)")
    p.add_argument("--out", metavar="DIR", help=f"save a picture of the misclassified test digits as "
                   f"DIR/{PICTURE} (needs matplotlib)")
    add_common_arguments(p, folds=5)


def save_misclassified(images, y_true, y_pred, shape: tuple[int, int], path, limit: int = 60) -> int:
    """A grid of up to ``limit`` misclassified images titled "true -> predicted"; returns how many."""
    import numpy as np
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from .._errors import ConfigError
        raise ConfigError("--out needs matplotlib: pip install 'backprop-mlp[plot]'") from None
    wrong = np.flatnonzero(y_true != y_pred)[:limit]
    cols = min(10, max(1, len(wrong)))
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(np.asarray(images[i]).reshape(shape), cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{y_true[i]} -> {y_pred[i]}", fontsize=9, color="firebrick")
    fig.suptitle("misclassified test digits (true -> predicted)" if len(wrong) else
                 "no misclassified test digits", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return len(wrong)


def run(args: argparse.Namespace) -> int:
    import os
    import numpy as np
    from .. import datasets
    from ..preprocessing import MinMaxScaler, StandardScaler
    from ._models import MLP, LogisticBaseline, MajorityBaseline
    from ._report import evaluate, format_report, held_out, progress, report_warnings, settings

    mlp, folds = settings(args, MLP(**(MNIST if args.mnist else DEFAULTS)))
    if args.mnist:
        train, test_set = (datasets.load_mnist(args.mnist, kind) for kind in ("train", "test"))
        X, y, shape, folds = train.X, train.y, (28, 28), 0
        models = [mlp, LogisticBaseline(max_iter=200), MajorityBaseline()]
        progress("digits", f"MNIST from {args.mnist}: {len(y)} training and {len(test_set.y)} test "
                           "images; no cross-validation")
        cv, test = None, held_out(models, MinMaxScaler, X, y, test_set.X, test_set.y, 10, args.seed,
                                  "digits")
        report_warnings("digits", test)
        images, title = test_set.X, f"MNIST handwritten digits, read from {args.mnist}"
        note = "MNIST's own test set"
    else:
        data = datasets.load_digits()
        X, y, shape = data.X, data.y, (8, 8)
        models = [mlp, LogisticBaseline(), MajorityBaseline()]
        cv, test = evaluate("digits", models, StandardScaler, X, y, 10, folds, args.seed,
                            args.test_fraction)
        images, title = X[test.test_rows], "Handwritten digits, 8x8 (scikit-learn's bundled copy)"
        note = f"{args.test_fraction:.0%} stratified, seed {args.seed}"
    counts = np.bincount(y, minlength=10)
    facts = [f"{len(y)} {'training ' if args.mnist else ''}images of {shape[0]}x{shape[1]} pixels; "
             f"{counts.min()} to {counts.max()} per digit"]
    setup = ["preprocessing, fitted on the training rows only: " + (
             "min-max rescaling of each pixel to [0, 1]" if args.mnist else
             "standardisation of each pixel (x - mean) / sd (a pixel constant in training gets sd 1)"),
             "model: " + mlp.describe(X.shape[1], 10),
             "baselines, on the same preprocessed rows: logistic regression (scikit-learn, multinomial, "
             "L2, C = 1) and the majority class"]
    print(format_report(title, facts, setup, [str(d) for d in range(10)], cv, test, False, folds,
                        args.seed, note))
    wrong = int(np.sum(test.predictions[0] != test.y_test))
    print(f"misclassified by the {test.names[0]}: {wrong} of {test.n_test} test images")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, PICTURE)
        shown = save_misclassified(images, test.y_test, test.predictions[0], shape, path)
        print(f"picture of {shown} misclassified digits: {path}")
    else:
        print(f"(--out DIR saves a picture of them as DIR/{PICTURE})")
    return 0
