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


def _key(run: dict) -> str:
    return f"{run['task']} / {run.get('reduction', 'mean')}"


def _task_rows(runs: list[dict], targets: dict) -> dict[str, dict[str, dict]]:
    """``{"task / setting": {label: row}}``: statistics and stars of each run group."""
    by_key: dict[str, dict[str, dict]] = {}
    for run in runs:
        row = run_stats(run, targets[run["task"]])
        row.update(learning_rate=run["learning_rate"], baseline=run["baseline"])
        by_key.setdefault(_key(run), {})[run["label"]] = row
    for rows in by_key.values():
        fastest = min(r["epochs_q"][0] for r in rows.values())
        best = min(r["val_q"][0] for r in rows.values())
        for r in rows.values():
            ratio = r["epochs_q"][0] / fastest if np.isfinite(fastest) else math.inf
            gap = (r["val_q"][0] - best) / max(r["baseline"] - best, 1e-12)
            r.update(speed_ratio=ratio, quality_gap=gap, speed=stars(ratio, SPEED),
                     quality=stars(gap, QUALITY))
    return by_key


def _overall(by_key: dict[str, dict[str, dict]]) -> dict[str, dict[str, dict]]:
    """``{"overall / setting": {label: row}}``: the median of the per-task stars, rounded down."""
    out: dict[str, dict[str, dict]] = {}
    for setting in dict.fromkeys(k.split(" / ")[1] for k in by_key):
        tables = [rows for k, rows in by_key.items() if k.endswith(f" / {setting}")]
        labels = list(dict.fromkeys(lab for rows in tables for lab in rows))
        out[f"overall / {setting}"] = {lab: _overall_row([rows[lab] for rows in tables if lab in rows])
                                       for lab in labels}
    return out


def _overall_row(rows: list[dict]) -> dict:
    return {"speed": int(np.floor(np.median([r["speed"] for r in rows]))),
            "quality": int(np.floor(np.median([r["quality"] for r in rows]))),
            "failures": sum(r["failures"] for r in rows),
            "speed_ratio": float(np.median([r["speed_ratio"] for r in rows])),
            "quality_gap": float(np.median([r["quality_gap"] for r in rows]))}


def summarize(result: dict) -> dict[str, dict[str, dict]]:
    """``{"task / setting": {label: row}}`` with statistics and stars, plus ``"overall / setting"``.

    With ``stability_runs`` (every search seed's own best rate, see :func:`backprop.compare.compare`)
    each row also gets ``stable``: how many search seeds' rates give the same speed and quality
    stars, and ``seed_rates``.
    """
    targets = result["settings"]["targets"]
    by_key = _task_rows(result["runs"], targets)
    summary = {**by_key, **_overall(by_key)}
    seed_rates = result["settings"].get("seed_rates")
    if seed_rates is None or "stability_runs" not in result:
        return summary
    at = {(r["task"], r["reduction"], r["label"], r["learning_rate"]): r for r in result["stability_runs"]}
    n_search = len(result["settings"]["search_seeds"])
    for rows in summary.values():
        for r in rows.values():
            r["stable"] = 0
    for s in range(n_search):
        runs = [at[(r["task"], r["reduction"], r["label"],
                    seed_rates[r["task"]][r["reduction"]][r["label"]][s])] for r in result["runs"]]
        alone = _task_rows(runs, targets)
        alone.update(_overall(alone))
        for key, rows in summary.items():
            for lab, r in rows.items():
                r["stable"] += (alone[key][lab]["speed"], alone[key][lab]["quality"]) == (r["speed"],
                                                                                        r["quality"])
    for key, rows in summary.items():
        task, setting = key.split(" / ")
        for lab, r in rows.items():
            r["seed_rates"] = None if task == "overall" else seed_rates[task][setting][lab]
    return summary


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


COLUMNS = [
    ("lr", "the learning rate with the lowest median final validation loss on the search seeds "
           "(! : still on the edge of the rates tried)"),
    ("lr by search seed", "each search seed's own best rate"),
    ("epochs to target", "first epoch whose training loss (per pattern) reaches the task's target; "
                         "median [IQR] over the seeds, inf where not reached"),
    ("failed", "seeds that never reached the target"),
    ("ms to target", "wall time to the target, the run's share of its group's time (a rough guide "
                     "on a shared machine)"),
    ("final val loss", "validation loss per pattern after the last epoch, median [IQR]"),
    ("metric", "validation accuracy (R^2 for regression), median"),
    ("speed", f"*** median epochs <= {SPEED[0]:g} x the fastest optimizer's on the task, ** <= "
              f"{SPEED[1]:g} x, * slower or more than half failed"),
    ("quality", f"*** gap <= {QUALITY[0]:g}, ** <= {QUALITY[1]:g}, * otherwise; gap = (v - best) / "
                "(v0 - best) for the median final validation loss v, the best optimizer's, and v0 of "
                "the best constant prediction"),
    ("stars stable", "of the search seeds, how many give these speed and quality stars when the "
                     "optimizer runs at that seed's own best rate"),
    ("textbook / agrees", "the book's stars (speed/quality) and whether the measured ones are among them"),
]


def _cell_rate(r: dict, searched: list[float] | None) -> str:
    edge = searched is not None and len(searched) > 1 and r["learning_rate"] in (searched[0], searched[-1])
    return f"{r['learning_rate']:g}" + ("!" if edge else "")


def format_tables(summary: dict, result: dict) -> str:
    """Markdown tables per task and setting and overall, the textbook beside them, then the
    settings and what each column means."""
    from .compare import REDUCTIONS
    st = result["settings"]
    seeds, n_search = st["seeds"], len(st["search_seeds"])
    stable = "stability_runs" in result
    out = []
    for key, rows in summary.items():
        task, setting = key.split(" / ")
        if task == "overall":
            continue
        searched = st.get("lr_searched", {}).get(task, {}).get(setting, {})
        out += [f"### {key} (target training loss {st['targets'][task]:g} per pattern, "
                f"{seeds} seeds, {st['epochs'][task]} epochs)", "",
                "| optimizer | lr | lr by search seed | epochs to target: median [IQR] | failed | ms to target "
                "| final val loss: median [IQR] | metric | speed | quality | stars stable | textbook | "
                "agrees |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for lab, r in rows.items():
            e, t, v = r["epochs_q"], r["seconds_q"], r["val_q"]
            by_seed = ", ".join(f"{x:g}" for x in r["seed_rates"]) if r.get("seed_rates") else "-"
            out.append(f"| {lab} | {_cell_rate(r, searched.get(lab))} | {by_seed} | {_num(e[0], 'g')} "
                       f"[{_num(e[1], 'g')}, {_num(e[2], 'g')}] | {r['failures']}/{seeds} | "
                       f"{_num(1000 * t[0], '.1f')} | {_num(v[0], '.4f')} [{_num(v[1], '.4f')}, "
                       f"{_num(v[2], '.4f')}] | {_num(r['metric_median'], '.3f')} | {'*' * r['speed']} | "
                       f"{'*' * r['quality']} | {_stable(r, n_search, stable)} | {_book(lab)} | "
                       f"{_agree(lab, r['speed'], r['quality'])} |")
        out.append("")
    for key, rows in summary.items():
        if not key.startswith("overall / "):
            continue
        out += [f"### {key} (median of the per-task stars)", "",
                "| optimizer | speed | quality | stars stable | textbook | agrees | failed runs | "
                "median speed ratio | median quality gap |", "|---|---|---|---|---|---|---|---|---|"]
        for lab, r in rows.items():
            out.append(f"| {lab} | {'*' * r['speed']} | {'*' * r['quality']} | "
                       f"{_stable(r, n_search, stable)} | {_book(lab)} | "
                       f"{_agree(lab, r['speed'], r['quality'])} | {r['failures']} | "
                       f"{_num(r['speed_ratio'], '.2f')} | {_num(r['quality_gap'], '.3f')} |")
        out.append("")
    search = st["search_seeds"]
    grid = ", ".join(f"{x:g}" for x in st["lr_grid"])
    out += ["Settings: " + "; ".join(f"{k} = {REDUCTIONS[k]}" for k in st.get("reductions", ["mean"]))
            + ". Losses are per pattern in both settings.",
            f"Runs on seeds 0-{seeds - 1}: the same initial weights and batch order for every optimizer. "
            f"Learning rates searched on seeds {search[0]}-{search[-1]} over {grid}, widened by "
            "half-decades while the best rate sat on an edge."
            + ("" if n_search > 1 else " One search seed: stability is not measured "
               "(--search-seeds 3 or more)."),
            "Columns:"]
    out += [f"  {name}: {text}" for name, text in COLUMNS]
    return "\n".join(out) + "\n"


def _stable(r: dict, n_search: int, measured: bool) -> str:
    return f"{r['stable']}/{n_search}" if measured and "stable" in r else "-"


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
    """``table.md``, ``results.json``, ``results.csv`` and (with matplotlib) ``curves-TASK-SETTING.png``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "table.md", out / "results.json", out / "results.csv"]
    written[0].write_text(table)
    raw = {"settings": result["settings"], "learning_rates": result["learning_rates"],
           "runs": result["runs"], "stability_runs": result.get("stability_runs", [])}
    written[1].write_text(json.dumps(json_safe(raw), indent=1))
    with open(written[2], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "setting", "optimizer", "learning_rate", "seed", "epochs_to_target",
                    "seconds_to_target", "final_train_loss", "final_val_loss", "metric"])
        for run in result["runs"]:
            st = summary[_key(run)][run["label"]]
            for k, seed in enumerate(run["seeds"]):
                w.writerow([run["task"], run.get("reduction", "mean"), run["label"], run["learning_rate"],
                            seed, st["epochs"][k],
                            st["seconds"][k], run["loss"][-1, k], run["val_loss"][-1, k],
                            run["metric"][k]])
    if plots:
        from .plotting.figures import save
        from .plotting.curves import seed_curves
        for task in result["settings"]["tasks"]:
            for setting in result["settings"].get("reductions", ["mean"]):
                runs = [r for r in result["runs"] if r["task"] == task
                        and r.get("reduction", "mean") == setting]
                written.append(save(seed_curves(runs, f"{task}, E {setting}: training loss per pattern "
                                                      "over seeds", result["settings"]["targets"][task]),
                                    out / f"curves-{task}-{setting}.png"))
    return written


