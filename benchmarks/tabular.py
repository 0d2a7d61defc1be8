"""Tabular benchmark: every table in shared/data/tabular, 5-fold CV, the same folds for every model.

    python benchmarks/tabular.py [--models tabular,mlp,sklearn,linear,lightgbm,realmlp]
                                 [--tables glass,haberman] [--folds 5] [--seed 0]
                                 [--data ../shared/data/tabular] [--cache results.json] [--markdown]

Each table is read as its ``manifest.json`` says (target column, task, dropped columns,
missing-value marker, quote character) with pandas, and handed to every model as the same
DataFrame: numeric, text and missing cells as they come.  Folds are ``StratifiedKFold``
(classification) or ``KFold`` (regression) with ``shuffle=True, random_state=seed``.

Models (``--models``; names as in the table):

* ``tabular``: ``backprop.TabularMLPClassifier`` / ``TabularMLPRegressor`` with their defaults;
* ``mlp``: ``backprop.MLPClassifier`` / ``MLPRegressor`` (scikit-learn's defaults) in a Pipeline
  that imputes, one-hot encodes and standardises, as a practitioner would;
* ``sklearn``: scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` in the same Pipeline;
* ``linear``: logistic / ridge regression in the same Pipeline;
* ``lightgbm``: LightGBM's defaults, text columns as pandas categories;
* ``realmlp``: pytabkit's ``RealMLP_TD_Classifier`` / ``Regressor`` (``device="cpu"``), numeric
  NaN mean-imputed for it (it refuses NaN), text as categories.

Printed per table and model: error (1 - accuracy; RMSE / std(y) for regression), log-loss and
ROC AUC (two classes) where they apply, and seconds per fit; then each model's mean rank (by
error), mean error relative to the best model of each table, and summed fit time.  ``lightgbm``
and ``realmlp`` need the ``bench`` extra (``pip install -e '.[bench]'``); they are never needed
at run time.  Timings are only meaningful on a quiet machine (PyTorch, behind RealMLP, slows
down a hundredfold when another process loads the cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tabular"
MODELS = ("tabular", "mlp", "sklearn", "linear", "lightgbm", "realmlp")


def load_table(data: Path, name: str):
    """``(X DataFrame, y array, task)`` of one manifest entry; rows whose target is missing dropped."""
    import pandas as pd
    man = json.loads((data / "manifest.json").read_text())["datasets"][name]
    df = pd.read_csv(data / man["file"], header=None, quotechar=man["quote"],
                     na_values=[man["missing"]] if man["missing"] else None, keep_default_na=False,
                     skipinitialspace=True)
    target = man["target"] % df.shape[1]
    y = df.iloc[:, target]
    X = df.drop(columns=[target] + [d % df.shape[1] for d in man["drop"]])
    keep = y.notna().to_numpy()
    X, y = X[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    X.columns = [f"c{c}" for c in X.columns]
    for c in X.columns:  # text columns as object dtype (not pandas' experimental string dtype)
        if not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype(object)
    return X, y.to_numpy(), man["task"]


def table_names(data: Path) -> list[str]:
    return list(json.loads((data / "manifest.json").read_text())["datasets"])


def _pipeline(estimator):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    numeric = make_pipeline(SimpleImputer(strategy="mean", add_indicator=True), StandardScaler())
    text = make_pipeline(SimpleImputer(strategy="most_frequent"),
                         OneHotEncoder(handle_unknown="ignore"))
    prep = ColumnTransformer([("num", numeric, make_column_selector(dtype_include="number")),
                              ("txt", text, make_column_selector(dtype_exclude="number"))])
    return make_pipeline(prep, estimator)


def make_model(name: str, task: str, seed: int):
    """A fresh, unfitted model; ``(model, adapt)`` where ``adapt(Xtr, Xte)`` prepares its inputs."""
    clf = task == "classification"
    same = lambda a, b: (a, b)  # noqa: E731
    if name == "tabular":
        from backprop import TabularMLPClassifier, TabularMLPRegressor
        return (TabularMLPClassifier if clf else TabularMLPRegressor)(random_state=seed), same
    if name == "mlp":
        from backprop import MLPClassifier, MLPRegressor
        return _pipeline((MLPClassifier if clf else MLPRegressor)(random_state=seed)), same
    if name == "sklearn":
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        return _pipeline((MLPClassifier if clf else MLPRegressor)(random_state=seed)), same
    if name == "linear":
        from sklearn.linear_model import LogisticRegression, Ridge
        return _pipeline(LogisticRegression(max_iter=5000) if clf else Ridge()), same
    if name == "lightgbm":
        import lightgbm as lgb
        est = (lgb.LGBMClassifier if clf else lgb.LGBMRegressor)(random_state=seed, verbose=-1)
        return est, lambda a, b: (_categories(a, a), _categories(b, a))
    if name == "realmlp":
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor
        est = (RealMLP_TD_Classifier if clf else RealMLP_TD_Regressor)(
            device="cpu", random_state=seed, verbosity=0)
        return est, _realmlp_inputs
    raise SystemExit(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def _categories(X, ref):
    """Text columns as pandas categories with the training fold's categories (LightGBM, RealMLP)."""
    import pandas as pd
    X = X.copy()
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(ref[c]):
            cats = sorted(ref[c].dropna().astype(str).unique())
            X[c] = pd.Categorical(X[c].where(X[c].isna(), X[c].astype(str)), categories=cats)
    return X


def _realmlp_inputs(Xtr, Xte):
    """RealMLP refuses NaN in numeric columns: the training fold's mean fills them."""
    import pandas as pd
    Xtr, Xte = _categories(Xtr, Xtr), _categories(Xte, Xtr)
    for c in Xtr.columns:
        if pd.api.types.is_numeric_dtype(Xtr[c]):
            mean = Xtr[c].mean()
            Xtr[c], Xte[c] = Xtr[c].fillna(mean), Xte[c].fillna(mean)
    return Xtr, Xte


def evaluate(name: str, table: str, data: Path, folds: int, seed: int) -> dict:
    """Mean error, log-loss, AUC and seconds per fit of model ``name`` on ``table``."""
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import LabelEncoder
    X, y, task = load_table(data, table)
    clf = task == "classification"
    if clf:
        y = LabelEncoder().fit_transform(y.astype(str))
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y)
    else:
        y = y.astype(float)
        splits = KFold(folds, shuffle=True, random_state=seed).split(X)
    errors, losses, aucs, seconds = [], [], [], []
    labels = np.arange(y.max() + 1) if clf else None
    for train, test in splits:
        model, adapt = make_model(name, task, seed)
        Xtr, Xte = adapt(X.iloc[train], X.iloc[test])
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, y[train])
        seconds.append(time.perf_counter() - t0)
        if clf:
            P = np.zeros((len(test), len(labels)))
            P[:, np.asarray(model.classes_, int)] = model.predict_proba(Xte)
            errors.append(float(np.mean(P.argmax(1) != y[test])))
            losses.append(float(log_loss(y[test], np.clip(P, 1e-15, 1), labels=labels)))
            if len(labels) == 2:
                aucs.append(float(roc_auc_score(y[test], P[:, 1])))
        else:
            p = np.asarray(model.predict(Xte), float).ravel()
            errors.append(float(np.sqrt(np.mean((p - y[test]) ** 2)) / np.std(y)))
    mean = lambda v: float(np.mean(v)) if v else None  # noqa: E731
    return {"error": mean(errors), "log_loss": mean(losses), "auc": mean(aucs),
            "seconds": mean(seconds), "task": task, "n": len(y), "folds": folds, "seed": seed}


def summary(results: dict, models: list[str], tables: list[str]) -> dict:
    """Mean rank (1 = lowest error, ties averaged), mean error relative to each table's best, seconds."""
    out = {m: {"ranks": [], "relative": [], "seconds": 0.0} for m in models}
    for t in tables:
        errs = {m: results[m][t]["error"] for m in models if t in results.get(m, {})}
        if len(errs) < len(models):
            continue
        values = np.array([errs[m] for m in models])
        order = values.argsort(kind="stable")
        ranks = np.empty(len(models))
        ranks[order] = np.arange(1, len(models) + 1)
        for v in np.unique(values):  # ties share their mean rank
            ranks[values == v] = ranks[values == v].mean()
        best = values.min()
        for m, r, v in zip(models, ranks, values):
            out[m]["ranks"].append(float(r))
            out[m]["relative"].append(float(v / best) if best > 0 else (1.0 if v == 0 else np.inf))
            out[m]["seconds"] += results[m][t]["seconds"]
    return {m: {"mean_rank": float(np.mean(s["ranks"])) if s["ranks"] else None,
                "mean_relative_error": float(np.mean(s["relative"])) if s["relative"] else None,
                "seconds_per_fit_summed": s["seconds"]} for m, s in out.items()}


def _fmt(v, digits=4):
    return "--" if v is None else f"{v:.{digits}f}"


def report(results: dict, models: list[str], tables: list[str], markdown: bool) -> str:
    lines = []
    if markdown:
        lines += ["| table | model | error | log-loss | AUC | s/fit |", "|---|---|---|---|---|---|"]
    for t in tables:
        for m in models:
            r = results.get(m, {}).get(t)
            if r is None:
                continue
            row = [t, m, _fmt(r["error"]), _fmt(r["log_loss"]), _fmt(r["auc"]), _fmt(r["seconds"], 3)]
            lines.append("| " + " | ".join(row) + " |" if markdown else
                         f"{t:14s} {m:9s} error {row[2]}  log-loss {row[3]}  AUC {row[4]}  s/fit {row[5]}")
    s = summary(results, models, tables)
    lines.append("")
    if markdown:
        lines += ["| model | mean rank | mean error / best | fit seconds (summed over tables) |",
                  "|---|---|---|---|"]
    for m in models:
        row = [m, _fmt(s[m]["mean_rank"], 2), _fmt(s[m]["mean_relative_error"], 3),
               _fmt(s[m]["seconds_per_fit_summed"], 2)]
        lines.append("| " + " | ".join(row) + " |" if markdown else
                     f"{m:9s} mean rank {row[1]}  mean error/best {row[2]}  s/fit summed {row[3]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--tables", default=None, help="comma-separated names (default: all)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="seed of the folds and of every model")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=None,
                    help="JSON file of results: read, extended with what is missing, written back")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    models = args.models.split(",")
    tables = args.tables.split(",") if args.tables else table_names(args.data)
    results = json.loads(args.cache.read_text()) if args.cache and args.cache.exists() else {}
    print(f"tabular benchmark: {len(tables)} tables, {args.folds}-fold CV, seed {args.seed}",
          file=sys.stderr)
    for t in tables:
        for m in models:
            key = results.setdefault(m, {})
            if t in key and key[t].get("folds") == args.folds and key[t].get("seed") == args.seed:
                continue
            key[t] = evaluate(m, t, args.data, args.folds, args.seed)
            print(f"  {t} {m}: error {key[t]['error']:.4f}, {key[t]['seconds']:.2f} s/fit",
                  file=sys.stderr, flush=True)
            if args.cache:
                args.cache.write_text(json.dumps(results, indent=1) + "\n")
    print(report(results, models, tables, args.markdown))


if __name__ == "__main__":
    main()
