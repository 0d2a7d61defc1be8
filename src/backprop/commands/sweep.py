"""``backprop sweep DATA.csv --target C --grid KEY=V1,V2 ...``: a hyperparameter grid, in parallel."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from .._errors import ConfigError, DataError, UsageError
from .._jsonsafe import json_safe
from ..cli import MAX_JOBS, check_memory, check_out, file_path, jobs, number, numbers, seed


# The grid's numeric axes take what the matching options of ``backprop train`` take.
GRID_LIMITS = {"learning_rate": number(float, 0, 1e3, low_open=True), "epochs": number(int, 1, 10**6),
               "batch_size": number(int, 1, 10**9), "momentum": number(float, 0, 1),
               "seed": seed, "weight_decay": number(float, 0, 1e3), "hidden": numbers(int, 1)}


def check_grid(grid: dict, n_inputs: int, n_rows: int) -> None:
    """UsageError naming ``--grid KEY=VALUE`` for a value out of range; no network too large."""
    from ..training.memory import training_bytes
    for key, values in grid.items():
        for v in values:
            text = str(v).replace("x", ",") if key == "hidden" else str(v)
            try:
                checked = GRID_LIMITS[key](text) if key in GRID_LIMITS else v
            except argparse.ArgumentTypeError as exc:
                raise UsageError(f"--grid {key}={v}: {exc}") from None
            if key == "hidden":
                check_memory(f"--grid hidden={v}", training_bytes([n_inputs, *checked, 1], n_rows))


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ..sweep import GRID_KEYS
    p = sub.add_parser(
        "sweep", help="train one network per point of a hyperparameter grid, in parallel",
        description="Train one network per combination of the grid's values on a CSV file, score each "
                    "on a held-out split, and print them best first. Runs on all local cores through "
                    "joblib, or on a Dask cluster with --scheduler.",
        epilog="example: backprop sweep data.csv --target label --grid learning_rate=0.01,0.1 "
               "hidden=8,16 --epochs 50")
    p.add_argument("data", help="CSV file with a header row; numeric feature columns")
    p.add_argument("--target", required=True, help="name of the target column")
    p.add_argument("--grid", nargs="+", default=[], metavar="KEY=V1,V2",
                   help=f"grid axes; KEY one of {', '.join(GRID_KEYS)} (hidden: 8 or 16x8)")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto")
    p.add_argument("--epochs", type=number(int, 1, 10**6),
                   help="epochs when not on the grid (default 100)")
    p.add_argument("--validation-fraction", type=number(float, 0, 1, True, True), default=0.25,
                   help="share of the rows held out for scoring, in (0, 1) (default 0.25)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: joblib, local cores)")
    p.add_argument("--jobs", type=jobs, default=-1,
                   help=f"local worker processes, -1 for all cores (default), at most {MAX_JOBS}")
    p.add_argument("--out", type=file_path, help="write all results to this .json or .csv file")
    p.set_defaults(func=run)
    return p


def read_table(path: Path, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Numeric features and the raw target column of a CSV file with a header."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise DataError(f"{path} has no data rows")
    header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
    if target not in header:
        raise ConfigError(f"no column {target!r} in {path}; columns: {', '.join(header)}")
    j = header.index(target)
    try:
        X = np.array([[float(v) for i, v in enumerate(r) if i != j] for r in body])
    except ValueError as exc:
        raise DataError(f"{path}: feature columns must be numeric ({exc})") from None
    return X, np.array([r[j].strip() for r in body]), header


def run(args: argparse.Namespace) -> int:
    from ..sweep import grid_search, parse_grid
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in (".json", ".csv"):   # before the sweep, not after
        raise ConfigError(f"--out must end in .json or .csv, got {out.name!r}")
    if out is not None:
        check_out(out)
    X, raw, _ = read_table(Path(args.data), args.target)
    try:
        y_num = raw.astype(float)
    except ValueError:
        y_num = None
    classification = (args.task == "classification" or
                      (args.task == "auto" and (y_num is None or (np.all(y_num == np.round(y_num))
                                                                  and len(np.unique(y_num)) <= 20))))
    if classification:
        classes, y = np.unique(raw if y_num is None else y_num, return_inverse=True)
    elif y_num is None:
        raise DataError(f"target column {args.target!r} is not numeric; use --task classification")
    else:
        y = y_num
    grid = parse_grid(args.grid)
    check_grid(grid, X.shape[1], len(X))
    if args.epochs and "epochs" not in grid:
        grid["epochs"] = [args.epochs]
    results = grid_search(X, y, grid, classification, args.validation_fraction,
                          scheduler=args.scheduler, n_jobs=args.jobs)
    metric = "accuracy" if classification else "r2"
    keys = list(grid)
    order = sorted(range(len(results)), key=lambda i: results[i]["val_loss"])
    print("| " + " | ".join([*keys, "val_loss", metric]) + " |")
    print("|" + "---|" * (len(keys) + 2))
    for i in order:
        r = results[i]
        print("| " + " | ".join([*(str(r[k]) for k in keys), f"{r['val_loss']:.5g}",
                                 f"{r['metric']:.4f}"]) + " |")
    if out is not None:
        if out.suffix == ".json":  # diverged settings have val_loss inf: written as null
            with atomic_write(out, text=True) as f:
                f.write(json.dumps(json_safe(results), indent=1))
        else:
            with atomic_write(out, text=True, newline="") as f:
                w = csv.DictWriter(f, fieldnames=[*keys, "val_loss", "metric"])
                w.writeheader()
                w.writerows(results)
        print(f"wrote {out}")
    return 0
