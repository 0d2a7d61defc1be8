"""``backprop evaluate MODEL DATA.csv --target COLUMN``: how well a saved model predicts a labelled file."""

from __future__ import annotations

import argparse
import json

import numpy as np

from .._errors import DataError
from ..evaluation import classification_scores, regression_scores, roc_auc
from ..io import load_model
from . import _tabular as tab


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "evaluate", help="score a saved model on a labelled CSV file",
        description="Classification: accuracy, confusion matrix, precision / recall / F1 per class "
                    "and ROC AUC for two classes. Regression: R^2, RMSE, MAE.")
    p.add_argument("model", metavar="MODEL", help="model file")
    p.add_argument("data", metavar="DATA.csv", help="labelled rows")
    p.add_argument("--target", default=None,
                   help="the column holding the true values (default: the training target)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
    return p


def _key(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def run(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    target = args.target or model.metadata.get("target")
    if not target:
        raise DataError("this model does not record its target column; pass --target COLUMN")
    table = tab.read_for_model(args.data, model, target=target)
    if table.y is None:
        raise DataError(f"{args.data} has no target column {target!r}")
    if model.task == "classification":
        report = _classification(model, table)
    else:
        if table.y.dtype.kind in "USO":
            raise DataError(f"target column {target!r} holds text; this is a regression model")
        pred = model.predict(table.X)
        report = {"task": "regression", "n_samples": len(pred),
                  **regression_scores(table.y, pred)}
    print(json.dumps(report, indent=2) if args.json else _format(report))
    return 0


def _classification(model, table) -> dict:
    labels = [_key(c) for c in model.classes]
    truth = [_key(v) for v in table.y]
    extra = sorted(set(truth) - set(labels))
    labels += extra
    index = {c: i for i, c in enumerate(labels)}
    t = np.array([index[v] for v in truth])
    p = np.array([index[_key(v)] for v in model.predict(table.X)])
    s = classification_scores(t, p, len(labels))
    report = {"task": "classification", "n_samples": len(t), "classes": labels,
              "accuracy": s["accuracy"], "confusion_matrix": s["confusion_matrix"].tolist(),
              "precision": s["precision"].tolist(), "recall": s["recall"].tolist(),
              "f1": s["f1"].tolist(), "support": s["support"].tolist(),
              "macro_f1": s["macro_f1"]}
    if len(model.classes) == 2 and not extra and len(set(t)) == 2:
        report["roc_auc"] = roc_auc(t == 1, model.predict_proba(table.X)[:, 1])
    return report


def _format(r: dict) -> str:
    if r["task"] == "regression":
        return (f"regression on {r['n_samples']} rows\nR^2   {r['r2']:.6g}\nRMSE  {r['rmse']:.6g}\n"
                f"MAE   {r['mae']:.6g}")
    labels = r["classes"]
    w = max(8, *(len(c) for c in labels)) + 1
    lines = [f"classification on {r['n_samples']} rows", f"accuracy {r['accuracy']:.4f}"]
    if "roc_auc" in r:
        lines.append(f"ROC AUC  {r['roc_auc']:.4f}")
    lines.append("confusion matrix (rows: true class, columns: predicted)")
    lines.append(" " * w + "".join(f"{c:>{w}}" for c in labels))
    for c, row in zip(labels, r["confusion_matrix"]):
        lines.append(f"{c:<{w}}" + "".join(f"{v:>{w}}" for v in row))
    lines.append(f"{'class':<{w}}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}")
    for k, c in enumerate(labels):
        lines.append(f"{c:<{w}}{r['precision'][k]:>10.4f}{r['recall'][k]:>10.4f}{r['f1'][k]:>10.4f}"
                     f"{r['support'][k]:>10}")
    lines.append(f"macro F1 {r['macro_f1']:.4f}")
    return "\n".join(lines)
