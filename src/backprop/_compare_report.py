"""Statistics, stars and tables of an optimizer comparison (see :mod:`backprop.compare`).

Stars, per task (documented thresholds; ``*`` bad, ``**`` average, ``***`` good):

* **speed** from r = (median epochs to the target) / (the fastest optimizer's
  median on that task); a run that never reaches the target counts as
  infinitely slow, so more than half failing gives r = inf.
  ``***`` r <= 2, ``**`` r <= 5, ``*`` otherwise.
* **quality** from the median final validation loss v, the best optimizer's
  b and a trivial model's (best constant prediction) v0:
  gap = (v - b) / (v0 - b).  ``***`` gap <= 0.05, ``**`` gap <= 0.25, ``*`` otherwise.

Overall stars are the median of the per-task stars, rounded down.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ._jsonsafe import json_safe

from .compare import TEXTBOOK

SPEED = (2.0, 5.0)
QUALITY = (0.05, 0.25)


def run_stats(run: dict, target: float) -> dict[str, Any]:
    """Per-seed epochs/time to target and final values, and their medians and IQRs."""
    loss, val, times = run["loss"], run["val_loss"], run["time"]
    K = loss.shape[1]
    hit = np.where(np.isfinite(loss), loss, np.inf) <= target
    epochs = np.where(hit.any(axis=0), hit.argmax(axis=0) + 1, np.inf)
    share = times / K                                   # this run's share of the group's time
    secs = np.array([share[int(e) - 1] if np.isfinite(e) else np.inf for e in epochs])
    final = np.where(np.isfinite(val[-1]), val[-1], np.inf)

    def med_iqr(a):
        q = np.percentile(a, [50, 25, 75]) if np.all(np.isfinite(a)) else _inf_percentiles(a)
        return [float(x) for x in q]

    return {"epochs": epochs, "seconds": secs, "final_val_loss": final, "metric": run["metric"],
            "epochs_q": med_iqr(epochs), "seconds_q": med_iqr(secs), "val_q": med_iqr(final),
            "metric_median": float(np.nanmedian(run["metric"])) if np.any(np.isfinite(run["metric"]))
            else math.nan, "failures": int(np.sum(~np.isfinite(epochs)))}


def _inf_percentiles(a: np.ndarray) -> np.ndarray:
    s = np.sort(a)                                     # inf sorts last; nearest-rank percentiles
    n = len(s)
    return np.array([s[min(n - 1, int(np.ceil(p * n)) - 1)] for p in (0.5, 0.25, 0.75)])


def stars(value: float, thresholds: tuple[float, float]) -> int:
    """3 stars up to ``thresholds[0]``, 2 up to ``thresholds[1]``, else (or not finite) 1."""
    if not np.isfinite(value):
        return 1
    return 3 if value <= thresholds[0] else 2 if value <= thresholds[1] else 1


def summarize(result: dict) -> dict[str, dict[str, dict]]:
    """``{task: {label: row}}`` with statistics and stars, plus ``"overall"``."""
    targets = result["settings"]["targets"]
    by_task: dict[str, dict[str, dict]] = {}
    for run in result["runs"]:
        row = run_stats(run, targets[run["task"]])
        row.update(learning_rate=run["learning_rate"], baseline=run["baseline"])
        by_task.setdefault(run["task"], {})[run["label"]] = row
    for rows in by_task.values():
        fastest = min(r["epochs_q"][0] for r in rows.values())
        best = min(r["val_q"][0] for r in rows.values())
        for r in rows.values():
            ratio = r["epochs_q"][0] / fastest if np.isfinite(fastest) else math.inf
            gap = (r["val_q"][0] - best) / max(r["baseline"] - best, 1e-12)
            r.update(speed_ratio=ratio, quality_gap=gap, speed=stars(ratio, SPEED),
                     quality=stars(gap, QUALITY))
    overall: dict[str, dict] = {}
    labels = list(dict.fromkeys(lab for rows in by_task.values() for lab in rows))
    for lab in labels:
        rows = [rows[lab] for rows in by_task.values() if lab in rows]
        overall[lab] = {"speed": int(np.floor(np.median([r["speed"] for r in rows]))),
                        "quality": int(np.floor(np.median([r["quality"] for r in rows]))),
                        "failures": sum(r["failures"] for r in rows),
                        "speed_ratio": float(np.median([r["speed_ratio"] for r in rows])),
                        "quality_gap": float(np.median([r["quality_gap"] for r in rows]))}
    return {**by_task, "overall": overall}


def _agree(label: str, speed: int, quality: int) -> str:
    if label not in TEXTBOOK:
        return "-"
    s, q = TEXTBOOK[label]
    return f"{'yes' if speed in s else 'NO'}/{'yes' if quality in q else 'NO'}"


def _book(label: str) -> str:
    if label not in TEXTBOOK:
        return "-"
    s, q = TEXTBOOK[label]
    return "/".join(" or ".join("*" * k for k in sorted(x)) for x in (s, q))


def _num(x: float, fmt: str = ".3g") -> str:
    return "inf" if not np.isfinite(x) else format(x, fmt)


def format_tables(summary: dict, result: dict) -> str:
    """Markdown tables: one per task and the overall one, each with the textbook beside it."""
    out = []
    for task, rows in summary.items():
        if task == "overall":
            continue
        seeds = result["settings"]["seeds"]
        out += [f"### {task} (target training loss {result['settings']['targets'][task]:g}, "
                f"{seeds} seeds, {result['settings']['epochs'][task]} epochs)", "",
                "| optimizer | lr | epochs to target: median [IQR] | failed | ms to target | "
                "final val loss: median [IQR] | metric | speed | quality | textbook | agrees |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for lab, r in rows.items():
            e, t, v = r["epochs_q"], r["seconds_q"], r["val_q"]
            out.append(f"| {lab} | {r['learning_rate']:g} | {_num(e[0], 'g')} [{_num(e[1], 'g')}, "
                       f"{_num(e[2], 'g')}] | {r['failures']}/{seeds} | {_num(1000 * t[0], '.1f')} | "
                       f"{_num(v[0], '.4f')} [{_num(v[1], '.4f')}, {_num(v[2], '.4f')}] | "
                       f"{_num(r['metric_median'], '.3f')} | {'*' * r['speed']} | "
                       f"{'*' * r['quality']} | {_book(lab)} | {_agree(lab, r['speed'], r['quality'])} |")
        out.append("")
    out += ["### overall (median of the per-task stars)", "",
            "| optimizer | speed | quality | textbook | agrees | failed runs | median speed ratio | "
            "median quality gap |", "|---|---|---|---|---|---|---|---|"]
    for lab, r in summary["overall"].items():
        out.append(f"| {lab} | {'*' * r['speed']} | {'*' * r['quality']} | {_book(lab)} | "
                   f"{_agree(lab, r['speed'], r['quality'])} | {r['failures']} | "
                   f"{_num(r['speed_ratio'], '.2f')} | {_num(r['quality_gap'], '.3f')} |")
    return "\n".join(out) + "\n"


def parse_table(text: str) -> list[dict[str, str]]:
    """Rows of the markdown tables in ``text`` as dicts (header -> cell), with a ``table`` key."""
    rows, header, title = [], None, ""
    for line in text.splitlines():
        if line.startswith("### "):
            title, header = line[4:].split(" (")[0], None
        elif line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            else:
                if len(cells) != len(header):
                    raise ValueError(f"row has {len(cells)} cells, header {len(header)}: {line}")
                rows.append({"table": title, **dict(zip(header, cells))})
    return rows


def write_outputs(result: dict, summary: dict, table: str, out: Path, plots: bool = True) -> list[Path]:
    """``table.md``, ``results.json``, ``results.csv`` and (with matplotlib) ``curves-TASK.png``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "table.md", out / "results.json", out / "results.csv"]
    written[0].write_text(table)
    raw = {"settings": result["settings"], "learning_rates": result["learning_rates"],
           "runs": result["runs"]}
    written[1].write_text(json.dumps(json_safe(raw), indent=1))
    with open(written[2], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "optimizer", "learning_rate", "seed", "epochs_to_target",
                    "seconds_to_target", "final_train_loss", "final_val_loss", "metric"])
        for run in result["runs"]:
            st = summary[run["task"]][run["label"]]
            for k, seed in enumerate(run["seeds"]):
                w.writerow([run["task"], run["label"], run["learning_rate"], seed, st["epochs"][k],
                            st["seconds"][k], run["loss"][-1, k], run["val_loss"][-1, k],
                            run["metric"][k]])
    if plots:
        from .plotting.figures import save
        from .plotting.curves import seed_curves
        for task in result["settings"]["tasks"]:
            runs = [r for r in result["runs"] if r["task"] == task]
            written.append(save(seed_curves(runs, f"{task}: training loss over seeds",
                                            result["settings"]["targets"][task]),
                                out / f"curves-{task}.png"))
    return written


