"""``backprop predict MODEL DATA.csv [--out FILE] [--proba]``: predictions for the rows of a CSV file."""

from __future__ import annotations

import argparse
import sys

from .._csv_write import write_csv, write_rows
from .._errors import UsageError
from ..cli import check_out, file_path
from ..io import load_model
from . import _tabular as tab


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "predict", help="predict the rows of a CSV file with a saved model",
        description="Predict each row of DATA with MODEL. With a header row, columns are matched "
                    "by name (any order; the target column, if present, is ignored); without "
                    "one, by position. Writes CSV to --out (atomically) or to stdout.")
    p.add_argument("model", metavar="MODEL", help="model file (backprop train, save_model)")
    p.add_argument("data", metavar="DATA.csv", help="rows to predict")
    p.add_argument("--out", "-o", type=file_path, default=None, help="write the predictions here (CSV)")
    p.add_argument("--proba", action="store_true",
                   help="also write one probability column per class (classification)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if args.out:
        check_out(args.out)
    model = load_model(args.model)
    if args.proba and model.task != "classification":
        raise UsageError("--proba needs a classification model; this one does regression")
    table = tab.read_for_model(args.data, model)
    name = str(model.metadata.get("target") or "prediction")
    pred = model.predict(table.X)
    cols: dict = {}
    if pred.ndim == 1:
        cols[name] = pred
    else:
        for k in range(pred.shape[1]):
            cols[f"{name}_{k + 1}"] = pred[:, k]
    if args.proba:
        proba = model.predict_proba(table.X)
        for k, c in enumerate(model.classes):
            cols[f"P({c})"] = proba[:, k]
    if args.out:
        write_csv(args.out, cols)
        print(f"wrote {len(pred)} predictions to {args.out}")
    else:
        write_rows(sys.stdout, cols)
    return 0
