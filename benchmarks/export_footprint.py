"""Embedded C export: footprint and agreement with the float model, per network and numeric format.

    python benchmarks/export_footprint.py [--markdown] [--abalone PATH]

Networks (trained here, seeded; held-out rows never seen in training or calibration):

- ``xor``: the lecture's 2-2-1 sigmoid network, weights set by hand (OR, NAND -> AND), its 4 rows;
- ``digits``: 64-32-10 tanh/softmax on scikit-learn's 8x8 digits, standard scaling, 30 epochs,
  1400 rows to train and calibrate, 397 held out;
- ``synthetic-clf`` / ``synthetic-reg``: 10-32-32-1 (relu classifier, tanh regressor with a
  target scale) on y = sin x0 + x1 x2 + x3^2 / 2 - x4, x ~ N(0, I): 2000 rows, 1000 held out;
- ``abalone``: 10-32-32-1 tanh regressor on the UCI abalone table (sex one-hot, standard
  scaling, target: rings), when /work/shared/data/tabular/abalone.csv (or ``--abalone``) exists.

For each network and each of float64, float32, q15 and int8 it prints flash and RAM (static +
stack), measured from the compiled object (``size``, ``-fstack-usage``) with ``cc -Os`` and, when
installed, ``arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb`` (the float formats need math.h,
which that bare toolchain lacks, so they are not measured there), and the agreement with the
float64 model on the held-out rows: labels (classifiers) or the largest error relative to the
held-out targets' range (regressors).  The fixed-point footprint is that of the integer API.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backprop import MLPClassifier, MLPRegressor, Model, Network  # noqa: E402
from backprop.csvio import read_csv  # noqa: E402
from backprop.datasets import load_digits  # noqa: E402
from backprop.export import NUMERICS, to_c, toolchain  # noqa: E402

ABALONE = Path("/work/shared/data/tabular/abalone.csv")


def xor():
    net = Network([2, 2, 1], "sigmoid", "sigmoid")
    net.layers[0].W[...] = [[20.0, 20.0], [-20.0, -20.0]]
    net.layers[0].b[...] = [-10.0, 30.0]
    net.layers[1].W[...] = [[20.0, 20.0]]
    net.layers[1].b[...] = [-30.0]
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return Model(net, "classification", [0, 1], "binary_cross_entropy"), X, X, None


def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.X))
    train, test = order[:1400], order[1400:]
    est = MLPClassifier((32,), "tanh", max_iter=30, scale="standard", random_state=0,
                        verbose=False).fit(d.X[train], d.y[train])
    return est.to_model(), d.X[train], d.X[test], None


def synthetic(kind: str):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 10))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] ** 2 - X[:, 4]
    if kind == "clf":
        est = MLPClassifier((32, 32), "relu", max_iter=40, scale="standard", random_state=0,
                            verbose=False).fit(X[:2000], (y > np.median(y)).astype(int)[:2000])
        return est.to_model(), X[:2000], X[2000:], None
    est = MLPRegressor((32, 32), "tanh", max_iter=40, scale="standard", target_scale="standard",
                       random_state=0, verbose=False).fit(X[:2000], y[:2000])
    return est.to_model(), X[:2000], X[2000:], y[2000:]


def abalone(path: Path):
    table = read_csv(path, target=-1, header=False, one_hot=True)
    order = np.random.default_rng(0).permutation(table.n_rows)
    train, test = order[:3000], order[3000:]
    y = table.y.astype(float)
    est = MLPRegressor((32, 32), "tanh", max_iter=100, scale="standard", target_scale="standard",
                       random_state=0, verbose=False).fit(table.X[train], y[train])
    return est.to_model(), table.X[train], table.X[test], y[test]


def measure(name: str, model: Model, X_cal, X_test, y_test) -> list[dict]:
    rows = []
    arm = toolchain.cross_compiler()
    sizes = "-".join(map(str, model.network.layer_sizes))
    for numeric in NUMERICS:
        cal = X_cal if numeric in ("q15", "int8") else None
        source = to_c(model, numeric=numeric, calibration=cal)
        host = toolchain.footprint(source)
        m4 = toolchain.footprint(source, arm, toolchain.CORTEX_M4) if arm and cal is not None else None
        a = toolchain.check(model, X_test, numeric, cal, y=y_test)
        agree = (f"{a.labels_agree}/{a.n_rows} labels ({100 * a.agreement:.2f}%)" if a.agreement is not None
                 else f"max {a.max_error / a.target_range:.1e}, mean {a.mean_error / a.target_range:.1e}"
                      " of the target range")
        rows.append({"network": f"{name} {sizes}", "numeric": numeric, "host": host, "m4": m4,
                     "agreement": agree})
    return rows


def _fp(fp) -> str:
    if fp is None:
        return "-"
    return f"{fp.flash} B / {fp.ram_static} + {fp.stack} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print one Markdown table")
    parser.add_argument("--abalone", type=Path, default=ABALONE, help="the UCI abalone CSV")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # convergence advice on the short, fixed epoch budgets
    nets = [("xor", xor), ("digits", digits), ("synthetic-clf", lambda: synthetic("clf")),
            ("synthetic-reg", lambda: synthetic("reg"))]
    if args.abalone.exists():
        nets.append(("abalone", lambda: abalone(args.abalone)))
    rows = []
    for name, make in nets:
        for row in measure(name, *make()):
            rows.append(row)
            if not args.markdown:
                print(f"{row['network']:24} {row['numeric']:8} cc: {_fp(row['host']):24} "
                      f"Cortex-M4: {_fp(row['m4']):24} {row['agreement']}", flush=True)
    if args.markdown:
        print("| network | numeric | flash / RAM (static + stack), cc -Os x86-64 | "
              "flash / RAM, Cortex-M4 -Os | agreement with the float64 model (held out) |")
        print("|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['network']} | {r['numeric']} | {_fp(r['host'])} | {_fp(r['m4'])} | {r['agreement']} |")


if __name__ == "__main__":
    main()
