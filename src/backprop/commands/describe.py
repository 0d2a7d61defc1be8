"""``backprop describe``: per-attribute statistics of a CSV file or a named dataset."""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

from .. import datasets
from .._csv_detect import show
from .._errors import DataError, UsageError
from .._jsonsafe import json_safe
from ..datasets.summary import pima_attribute_table, summarize
from ._tabular import add_csv_options, read_table, warnings_as_lines

COLUMNS = ("count", "mean", "std", "min", "max", "missing", "zeros")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "describe", help="per-attribute statistics of a CSV file or dataset",
        description="Per attribute: count, mean, sample standard deviation (n-1), min, max, missing "
                    "values and zeros. DATA is a CSV file, 'pima' (the lecture's attribute table of "
                    "the Pima Indians Diabetes data: your copy via --data or $BACKPROP_PIMA_DIR, "
                    "else a SYNTHETIC stand-in) or a dataset name: " + ", ".join(datasets.DATASETS),
        epilog="examples: backprop describe data.csv --target label; backprop describe pima --data "
               "~/data/pima-indians-diabetes.data")
    p.add_argument("data", metavar="DATA", help="CSV file ('-' for standard input), 'pima' or a "
                   "dataset name")
    p.add_argument("--target", help="name of the target column (its classes are counted)")
    add_csv_options(p)
    p.add_argument("--header", choices=("auto", "yes", "no"), default="auto",
                   help="whether the first row holds column names (default: detect)")
    p.add_argument("--data", dest="pima_path", metavar="PATH",
                   help="for 'pima': your copy of the data (file or directory)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    return p


def _num(v) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6g}"


def run(args: argparse.Namespace) -> int:
    if args.pima_path is not None and args.data.lower() != "pima":
        raise UsageError("--data is only for 'backprop describe pima'")
    with warnings_as_lines("describe"):
        report = _pima(args) if args.data.lower() == "pima" else _general(args)
    print(json.dumps(json_safe(report), indent=2) if args.json else _format(report))
    return 0


def _general(args: argparse.Namespace) -> dict:
    exists = args.data == "-" or os.path.lexists(args.data)
    if not exists and args.data in datasets.DATASETS:
        ds = datasets.load(args.data)
        report = {"source": args.data, "description": ds.description, "synthetic": ds.synthetic,
                  "rows": ds.n_samples, "attributes": summarize(ds.X, ds.feature_names)}
        if ds.task == "regression":
            report["attributes"] += summarize(ds.y[:, None], ["(target)"])
        else:
            counts = np.bincount(ds.y, minlength=len(ds.target_names))
            report["target"] = {"name": "class", "classes": dict(zip(ds.target_names, map(int, counts)))}
        return report
    if not exists:
        raise DataError(f"no such file or dataset {show(args.data)}; datasets: pima, "
                        + ", ".join(datasets.DATASETS))
    t = read_table(args, "describe")
    report = {"source": t.path, "description": f"delimiter {t.delimiter!r}, "
              + ("header row" if t.header else "no header row"), "synthetic": False,
              "rows": t.n_rows, "attributes": summarize(t.X, t.feature_names)}
    if t.y is not None:
        if t.classes is not None:
            labels, counts = np.unique(t.y, return_counts=True)
            report["target"] = {"name": t.target, "classes": dict(zip(map(str, labels), map(int, counts)))}
        else:
            report["attributes"] += summarize(t.y[:, None], [f"{t.target} (target)"])
    return report


def _pima(args: argparse.Namespace) -> dict:
    path = args.pima_path or os.environ.get(datasets.PIMA_ENV) or None
    ds = datasets.load_pima(path) if path else datasets.make_synthetic_pima()
    counts = np.bincount(ds.y, minlength=2)
    return {"dataset": "pima", "source": None if ds.synthetic else str(datasets.find_pima_file(path)),
            "description": ds.description, "synthetic": ds.synthetic, "rows": ds.n_samples,
            "classes": {"negative": int(counts[0]), "positive": int(counts[1])},
            "attributes": pima_attribute_table(ds)}


def _format(r: dict) -> str:
    tag = "SYNTHETIC -- " if r["synthetic"] else ""
    if r.get("dataset") == "pima":
        return _format_pima(r, tag)
    lines = [f"{tag}{r['source']}: {r['rows']} rows; {r['description']}"]
    width = max([len("attribute")] + [len(a["name"]) for a in r["attributes"]])
    lines.append(f"{'attribute':<{width}}" + "".join(f"{c:>12}" for c in COLUMNS))
    for a in r["attributes"]:
        lines.append(f"{a['name']:<{width}}" + "".join(
            f"{a[c]:>12}" if isinstance(a[c], int) else f"{_num(a[c]):>12}" for c in COLUMNS))
    if "target" in r:
        classes = ", ".join(f"{k}: {v}" for k, v in r["target"]["classes"].items())
        lines.append(f"target {r['target']['name']!r}: {len(r['target']['classes'])} classes ({classes})")
    lines.append("std is the sample standard deviation (n - 1); count, mean, std, min, max leave "
                 "missing values out")
    return "\n".join(lines)


def _format_pima(r: dict, tag: str) -> str:
    where = (f"read from {r['source']}" if r["source"] else "generated from aggregate statistics, "
             "NOT the real data (pass --data PATH or set $BACKPROP_PIMA_DIR to use your copy)")
    c = r["classes"]
    lines = [f"{tag}Pima Indians Diabetes{' stand-in' if tag else ''}: {r['rows']} rows "
             f"({c['negative']} negative, {c['positive']} positive), {where}",
             f"{'attribute':<44}{'mean':>9}{'stdv':>9}{'zeros':>7}{'mean*':>10}{'stdv*':>9}{'n*':>6}"]
    for i, a in enumerate(r["attributes"], 1):
        star = (f"{a['mean_nonzero']:>10.4g}{a['std_nonzero']:>9.4g}{a['count_nonzero']:>6}"
                if a["mean_nonzero"] is not None else "")
        label = f"{i}. {a['title']}"
        lines.append(f"{label:<44}{a['mean']:>9.4g}{a['std']:>9.4g}{a['zeros']:>7}{star}")
    lines.append("mean, stdv: all rows, zeros included, sample SD (n - 1), as the dataset's "
                 "documentation computes them; * zeros treated as missing (n* values left)")
    return "\n".join(lines)
