"""Fuzz the command line with random and mutated CSV files and model files; count the outcomes.

    python benchmarks/fuzz.py [--csv 10000] [--models 2000] [--seed 0] [--out fuzz.json]

Every case runs ``backprop.cli.main`` in this process (stdout and stderr captured, a time
limit per call) and is counted by how it ended:

* ``exit 0`` / ``exit 1`` / ``exit 2``: the documented exit codes;
* ``exit other``: any other exit code (130 only after a real Ctrl-C);
* ``traceback``: an exception escaped ``main`` (what a user would see as a traceback);
* ``multi-line error``: exit 1 or 2 with more than one line on stderr that is not a warning;
* ``timeout``: a call that ran past its limit (a hang, or unbounded reading).

CSV cases: a random table (numbers, text, missing cells, quotes, a header or not, one of four
delimiters) is written as is or mutated (bytes flipped, deleted or inserted, quotes and NULs
planted, lines duplicated, cut or made very long, a BOM, CRLF, an empty file), then trained on
with random options (some of them hostile: inf, NaN, negative and huge numbers, unknown
names), and the model, when one was written, predicts and evaluates other mutated files.
Model cases: a few real models (one-hot, imputation, scaling, classification and regression)
are mutated as bytes (most fail the checksum) and, re-signed as a forger would, as header
JSON values and as replaced arrays, then loaded by ``predict`` and ``evaluate``.

The goal is zero tracebacks, zero multi-line errors, zero timeouts and no exit codes other
than 0, 1 and 2; docs/security.md reports the counts of the full run.  ``tests/test_fuzz.py``
runs a small fixed subset.  The seed is printed; the same seed gives the same cases.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backprop import cli  # noqa: E402
from backprop import io as bio  # noqa: E402
from backprop._modelfile import checksum  # noqa: E402

OUTCOMES = ("exit 0", "exit 1", "exit 2", "exit other", "traceback", "multi-line error", "timeout")


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that library code cannot swallow it."""


def _alarm(signum, frame):
    raise _Timeout()


LIMIT = 20.0  # seconds per call (a first numba compile takes about 6 s on a quiet machine)


def run(argv: list[str], limit: float | None = None) -> tuple[str, str]:
    """``(outcome, detail)`` of ``backprop ARGV`` run in this process."""
    limit = LIMIT if limit is None else limit
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except _Timeout:
        return "timeout", " ".join(argv)
    except Exception:  # noqa: BLE001 - that is what we count
        return "traceback", " ".join(argv) + "\n" + traceback.format_exc(limit=-6)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if code not in (0, 1, 2):
        return "exit other", f"{code}: {' '.join(argv)}"
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ": warning:" not in ln and not ln.startswith("warning")]
    if code != 0 and len(errors) > 1:
        return "multi-line error", "\n".join(errors[:4])
    return f"exit {code}", errors[0] if errors else ""


# --- random tables ---------------------------------------------------------
WORDS = ["red", "green", "blue", "NA", "Na", "?", "", "null", "yes", "no", "a b", "x,y", 'q"q',
         "é", "日本", "\t", " 1 ", "1e308", "-1e308", "inf", "nan", "0x10", "1,5", "--", "TRUE"]


def random_table(rng: random.Random) -> tuple[str, list[str], bool]:
    """CSV text of a random table, its column names and whether it has a header row."""
    n_rows, n_cols = rng.choice([1, 2, 3, 5, 12, 40, 120]), rng.choice([1, 2, 3, 4, 7])
    delim = rng.choice([",", ",", ";", "\t", "|"])
    names = [rng.choice(["a", "b", "c", "label", "x1", "Na", "id", "t t", "y"]) + str(i)
             for i in range(n_cols)]
    kinds = [rng.choice(["num", "num", "int", "text", "mixed"]) for _ in range(n_cols)]
    lines = []
    header = rng.random() < 0.6
    if header:
        lines.append(delim.join(names))
    for _ in range(n_rows):
        cells = []
        for kind in kinds:
            r = rng.random()
            if kind == "num":
                cell = "" if r < 0.05 else repr(round(rng.gauss(0, 10 ** rng.randint(-3, 3)), 4))
            elif kind == "int":
                cell = str(rng.randint(-3, 3)) if r > 0.02 else rng.choice(["", "NA"])
            elif kind == "text":
                cell = rng.choice(WORDS[:3] + ["yes", "no"])
            else:
                cell = rng.choice(WORDS) if r < 0.3 else str(rng.randint(0, 9))
            if delim in cell or '"' in cell or rng.random() < 0.05:
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(delim.join(cells))
    end = "\r\n" if rng.random() < 0.1 else "\n"
    return end.join(lines) + (end if rng.random() < 0.9 else ""), names, header


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One to four random edits of the kinds a broken export or a careless edit makes."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(11)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op == 1 and b:
            del b[pos:pos + rng.randint(1, 20)]
        elif op == 2:
            b[pos:pos] = rng.choice([b'"', b"'", b"\x00", b",", b"\n", b"\r", b";", b"\t", b"\\"])
        elif op == 3:
            lines = bytes(b).split(b"\n")
            if lines:
                i = rng.randrange(len(lines))
                lines.insert(i, lines[i])
                b = bytearray(b"\n".join(lines))
        elif op == 4:
            b = b[:pos]
        elif op == 5:
            b[pos:pos] = b"x" * rng.choice([100, 5000, 70000])
        elif op == 6:
            b[0:0] = b"\xef\xbb\xbf"
        elif op == 7:
            b[pos:pos] = rng.choice(["é", "\u2028", "\ufeff", "日本"]).encode()
        elif op == 8:
            b[pos:pos] = b"\xff\xfe"
        elif op == 9:
            b[pos:pos] = b",,,,"
        else:
            b = bytearray(b"") if rng.random() < 0.3 else b
    return bytes(b)


NUMBERS = ["1", "0", "-1", "0.5", "1e-3", "inf", "-inf", "nan", "1e308", "1e-320", "2e9", "",
           "abc", str(2 ** 70), "-0"]
GOOD = {"--hidden": ["3", "2,2", "1", "4"], "--epochs": ["2", "3"], "--learning-rate": ["0.01", "0.1"],
        "--weight-decay": ["0", "1e-4"], "--tol": ["1e-4"], "--validation-fraction": ["0.2", "0.3"],
        "--patience": ["2"], "--batch-size": ["1", "full", "auto", "8"],
        "--optimizer": ["sgd", "adam", "rprop", "lbfgs"], "--seed": ["0", "1", "7"],
        "--delimiter": ["auto"], "--scale": ["standard", "minmax"],
        "--task": ["auto", "classification", "regression"]}
BAD = {"--hidden": ["0", "8,,4", "-3", "x", "", "200000000"], "--epochs": ["0", "-1", "1e3", "abc"],
       "--batch-size": ["0", "-5", "1e9", "x"], "--optimizer": ["nope", "levenberg_marquardt",
                                                                  "bayesian_regularization"],
       "--seed": ["-1", str(2 ** 70), "x"], "--delimiter": ["ab", "", "tab", ";"],
       "--scale": ["bogus"]}


def train_options(rng: random.Random, names: list[str], header: bool) -> list[str]:
    """Mostly valid options (so that models get written), one case in three with a hostile one."""
    hostile = rng.random() < 0.35
    columns = []
    if not header:  # header-less: name the columns, or use the reader's x1, x2, ...
        if rng.random() < 0.5:
            columns = ["--columns", ",".join(names)]
        else:
            names = [f"x{j + 1}" for j in range(len(names))]

    def pick(flag: str) -> str:
        if hostile and rng.random() < 0.3:
            return rng.choice(BAD.get(flag, NUMBERS))
        return rng.choice(GOOD[flag])

    target = rng.choice(names) if not hostile or rng.random() < 0.8 else rng.choice(
        ["nope", "-1", "0", ""])
    opts = ["--target", target, "--hidden", pick("--hidden"), "--epochs", pick("--epochs"),
            "--seed", pick("--seed")]
    if rng.random() < 0.5:
        opts += ["--one-hot"]
    if rng.random() < 0.3:
        opts += ["--scale", pick("--scale")]
    if rng.random() < 0.3:
        opts += ["--impute", "mean"]
    for flag, p in (("--task", 0.2), ("--learning-rate", 0.2), ("--weight-decay", 0.1),
                    ("--tol", 0.05), ("--patience", 0.05), ("--optimizer", 0.2),
                    ("--batch-size", 0.15), ("--delimiter", 0.1)):
        if rng.random() < p:
            opts += [flag, pick(flag)]
    if rng.random() < 0.15:
        opts += ["--early-stopping", "--validation-fraction", pick("--validation-fraction")]
    if hostile and rng.random() < 0.1:
        columns = ["--columns", ",".join(rng.choice([names[:1], names + names, ["a", "a"]]))]
    return opts + columns


def fuzz_csv(n: int, seed: int, tmp: Path, counts: Counter, examples: dict) -> None:
    rng = random.Random(seed)
    for i in range(n):
        text, names, header = random_table(rng)
        data = text.encode("utf-8")
        if rng.random() < 0.4:
            data = mutate_bytes(rng, data)
        path = tmp / f"d{i % 8}.csv"
        path.write_bytes(data)
        model = tmp / f"m{i % 8}.bp"
        model.unlink(missing_ok=True)
        outcome, detail = run(["train", str(path), *train_options(rng, names, header), "--out", str(model),
                               "--quiet"])
        _count(counts, examples, "csv train", outcome, detail)
        if model.exists():
            other = tmp / f"e{i % 8}.csv"
            other.write_bytes(mutate_bytes(rng, text.encode()) if rng.random() < 0.7 else data)
            outcome, detail = run(["predict", str(model), str(other)])
            _count(counts, examples, "csv predict", outcome, detail)
            target = rng.choice((names if header else [f"x{j + 1}" for j in range(len(names))])
                                + ["nope"])
            outcome, detail = run(["evaluate", str(model), str(other), "--target", target])
            _count(counts, examples, "csv evaluate", outcome, detail)
        if (i + 1) % 500 == 0:
            print(f"  csv {i + 1}/{n}: {dict(counts)}", file=sys.stderr, flush=True)


def _count(counts: Counter, examples: dict, where: str, outcome: str, detail: str) -> None:
    counts[outcome] += 1
    counts[f"{where}: {outcome}"] += 1
    if outcome not in ("exit 0", "exit 1", "exit 2") and len(examples.setdefault(outcome, [])) < 5:
        examples[outcome].append(f"[{where}] {detail}")


# --- model files -------------------------------------------------------------
def base_models(tmp: Path) -> list[tuple[Path, Path, str]]:
    """``(model, data, target)``: real models written by ``backprop train``."""
    rng = random.Random(1)
    rows = ["colour,a,b,label,y"] + [
        f"{rng.choice(['red', 'green', 'blue'])},{'' if i % 7 == 0 else round(rng.gauss(0, 1), 3)},"
        f"{round(rng.gauss(i % 2, 1), 3)},{'yes' if i % 2 else 'no'},{round(rng.gauss(0, 1), 3)}"
        for i in range(60)]
    data = tmp / "base.csv"
    data.write_text("\n".join(rows) + "\n")
    made = []
    for k, (target, extra) in enumerate([
            ("label", ["--one-hot", "--impute", "mean", "--scale", "standard"]),
            ("y", ["--one-hot", "--impute", "mean", "--scale", "minmax"]),
            ("label", ["--one-hot", "--impute", "mean", "--hidden", "4,3"])]):
        model = tmp / f"base{k}.bp"
        outcome, detail = run(["train", str(data), "--target", target, *extra, "--epochs", "3",
                               "--seed", "0", "--out", str(model), "--quiet"])
        if outcome != "exit 0":
            raise SystemExit(f"could not train a base model: {outcome} {detail}")
        made.append((model, data, target))
    return made


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(path: Path, entries: dict[str, bytes], resign: bool) -> None:
    if resign:
        entries[bio.CHECKSUM] = checksum({k: v for k, v in entries.items()
                                          if k != bio.CHECKSUM}).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in entries.items():
            zf.writestr(name, blob)


JSON_VALUES = [None, True, 0, -1, 1.5, 2 ** 70, 1e308, "", "ab", "x" * 300, [], [1, "a"], {},
               {"a": 5}, [[1]], "NaN", -0.0, [None], {"": None}]


def _mutate_json(rng: random.Random, obj):
    """Replace, delete or add one value somewhere in the JSON tree."""
    if isinstance(obj, dict) and obj and rng.random() < 0.75:
        key = rng.choice(list(obj))
        r = rng.random()
        if r < 0.15:
            del obj[key]
        elif r < 0.55 and isinstance(obj[key], (dict, list)) and obj[key]:
            _mutate_json(rng, obj[key])
        else:
            obj[key] = rng.choice(JSON_VALUES)
    elif isinstance(obj, list) and obj and rng.random() < 0.75:
        i = rng.randrange(len(obj))
        if isinstance(obj[i], (dict, list)) and obj[i] and rng.random() < 0.5:
            _mutate_json(rng, obj[i])
        elif rng.random() < 0.2:
            del obj[i]
        else:
            obj[i] = rng.choice(JSON_VALUES)
    elif isinstance(obj, dict):
        obj[rng.choice(["extra", "metadata", "x"])] = rng.choice(JSON_VALUES)


def _npy(rng: random.Random) -> bytes:
    import numpy as np
    choice = rng.randrange(6)
    shape = rng.choice([(0,), (1,), (3,), (2, 2), (5, 1), (1000,)])
    if choice == 0:
        a = np.full(shape, rng.choice([np.nan, np.inf, 1e308, 0.0]))
    elif choice == 1:
        a = np.zeros(shape, dtype=rng.choice(["<f4", ">f8", "<i8", "|u1", "<c16"]))
    elif choice == 2:
        a = np.array(["a", "b"][: shape[0] % 3])
    elif choice == 3:
        a = np.random.default_rng(rng.randrange(100)).normal(size=shape)
    elif choice == 4:
        a = np.zeros(shape, dtype=[("a", "<f8")])
    else:
        buf = io.BytesIO()
        np.save(buf, np.zeros(shape))
        raw = bytearray(buf.getvalue())
        raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def fuzz_models(n: int, seed: int, tmp: Path, counts: Counter, examples: dict) -> None:
    rng = random.Random(seed + 1)
    bases = base_models(tmp)
    for i in range(n):
        model, data, target = rng.choice(bases)
        entries = _entries(model)
        path = tmp / f"x{i % 8}.bp"
        kind = rng.randrange(4)
        if kind == 0:  # raw bytes of the zip
            path.write_bytes(mutate_bytes(rng, model.read_bytes()))
        elif kind == 1:  # header JSON, re-signed
            header = json.loads(entries[bio.HEADER])
            for _ in range(rng.randint(1, 3)):
                _mutate_json(rng, header)
            entries[bio.HEADER] = json.dumps(header).encode()
            _write(path, entries, resign=True)
        elif kind == 2:  # one array replaced, re-signed
            arrays = [k for k in entries if k.endswith(".npy")]
            entries[rng.choice(arrays)] = _npy(rng)
            _write(path, entries, resign=True)
        else:  # entries added, removed or renamed
            r = rng.random()
            name = rng.choice(list(entries))
            if r < 0.4:
                entries[rng.choice(["extra.npy", "../x", "header.json.bak", name + "x"])] = b"0" * 100
            elif r < 0.7:
                del entries[name]
            else:
                entries[name + ".old"] = entries.pop(name)
            _write(path, entries, resign=rng.random() < 0.7)
        outcome, detail = run(["predict", str(path), str(data)])
        _count(counts, examples, "model predict", outcome, detail)
        outcome, detail = run(["evaluate", str(path), str(data), "--target", target])
        _count(counts, examples, "model evaluate", outcome, detail)
        if (i + 1) % 500 == 0:
            print(f"  models {i + 1}/{n}: {dict(counts)}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", type=int, default=10000, help="CSV cases (default 10000)")
    ap.add_argument("--models", type=int, default=2000, help="model-file cases (default 2000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the cases (default 0)")
    ap.add_argument("--memory-gib", type=float, default=4.0,
                    help="address-space limit for this process (default 4 GiB)")
    ap.add_argument("--out", help="write the counts and examples as JSON")
    args = ap.parse_args(argv)
    limit = int(args.memory_gib * 2 ** 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(f"fuzz: seed {args.seed}, {args.csv} CSV cases, {args.models} model-file cases",
          file=sys.stderr)
    counts: Counter = Counter()
    examples: dict = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        fuzz_csv(args.csv, args.seed, Path(d), counts, examples)
        fuzz_models(args.models, args.seed, Path(d), counts, examples)
    report = {"seed": args.seed, "csv_cases": args.csv, "model_cases": args.models,
              "seconds": round(time.perf_counter() - t0, 1),
              "outcomes": {k: counts[k] for k in OUTCOMES},
              "by_command": {k: v for k, v in sorted(counts.items()) if ": " in k},
              "examples": examples}
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return report


if __name__ == "__main__":
    rep = main()
    bad = sum(rep["outcomes"][k] for k in OUTCOMES[3:])
    sys.exit(1 if bad else 0)
