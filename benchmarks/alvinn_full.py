"""Full ALVINN benchmark: three ways of training, each driving gentle and hard held-out courses.

    OMP_NUM_THREADS=1 python benchmarks/alvinn_full.py [--frames 3000] [--seeds 0,1,2] [--jobs 2]
        [--arms demonstrator,augmented,no-augmentation,dagger] [--families gentle,hard]
        [--set key=value ...] [--markdown]

Arms (all watch the same demonstrator on the same training course for
``--frames`` frames, see docs/alvinn.md):

- ``augmented``: on-the-fly training with Pomerleau's 14 shifted / rotated views per frame;
- ``no-augmentation``: the same, live frames only (behavioural cloning);
- ``dagger``: DAgger, live frames only, the network driving more of each round;
- ``demonstrator``: no network; the noise-free pure-pursuit driver itself (the ceiling).

Each trained network drives the courses 7, 8 and 9 of each family (1.5 km).
Prints one row per (arm, seed, family, course), then a summary per arm and
family: interventions per km (over all its courses and seeds, and the range
over seeds), the median over seeds of the mean |offset|, and the mean and
minimum time in lane; with ``--markdown`` the summary as a Markdown table.
``--set`` overrides any :class:`backprop.alvinn.AlvinnConfig` field for every
arm (e.g. ``--set policy=random``).
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backprop.alvinn import (COURSES, AlvinnConfig, drive, pure_pursuit, train_dagger,  # noqa: E402
                             train_on_the_fly)

ARMS = {
    "demonstrator": (None, {}),
    "augmented": (train_on_the_fly, {}),
    "no-augmentation": (train_on_the_fly, {"augmentation": False}),
    "dagger": (train_dagger, {"augmentation": False}),
}


LENGTH = 1500.0          # metres driven on each course


class PurePursuitDriver:
    """The demonstrator without its noise, in the place of a trained driver (it sees the road, not the retina)."""

    def __init__(self, lookahead: float):
        self.lookahead = lookahead

    def steer(self, road, pose, s, sensor=None):
        return pure_pursuit(road, pose, s, self.lookahead), None


def one_run(job: tuple[str, dict, list[str]]) -> tuple[str, int, float, list[dict]]:
    arm, fields, families = job
    train, extra = ARMS[arm]
    config = AlvinnConfig.for_layout(**{**fields, **extra})
    t = time.perf_counter()
    driver = PurePursuitDriver(config.lookahead) if train is None else train(config).driver
    elapsed = time.perf_counter() - t
    results = []
    for name in families:
        family = COURSES[name]
        for c in family.seeds:
            m = drive(driver, family.road_for(c, LENGTH), config, LENGTH, sensor=family.sensor(c),
                      record_inputs=train is not None)["metrics"]
            results.append({"mirror_asymmetry": float("nan")} | m | {"course": c, "family": name})
    return arm, config.seed, elapsed, results


def summarise(rows: list[tuple[int, dict]]) -> dict:
    """Interventions per km (all runs, and min / max over seeds), median mean |e|, in-lane mean and min."""
    per_seed = {s: [m for t, m in rows if t == s] for s in sorted({t for t, _ in rows})}
    km = LENGTH / 1000 * len(rows)
    ipk = [sum(m["interventions"] for m in ms) / (LENGTH / 1000 * len(ms)) for ms in per_seed.values()]
    return {"interventions_per_km": sum(m["interventions"] for _, m in rows) / km,
            "ipk_range": (min(ipk), max(ipk)),
            "mean_abs_offset": float(np.median([np.mean([m["mean_abs_offset"] for m in ms])
                                                for ms in per_seed.values()])),
            "offset_range": (min(m["mean_abs_offset"] for _, m in rows), max(m["mean_abs_offset"] for _, m in rows)),
            "in_lane": float(np.mean([m["in_lane"] for _, m in rows])),
            "min_in_lane": min(m["in_lane"] for _, m in rows), "runs": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--layout", default="1990")
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--families", default=",".join(COURSES))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--markdown", action="store_true", help="also print the summary as a Markdown table")
    args = parser.parse_args()
    arms, families = args.arms.split(","), args.families.split(",")
    for a in arms:
        if a not in ARMS:
            parser.error(f"unknown arm {a!r}; valid: {', '.join(ARMS)}")
    for f in families:
        if f not in COURSES:
            parser.error(f"unknown course family {f!r}; valid: {', '.join(COURSES)}")
    common = {"layout": args.layout, "frames": args.frames}
    for item in args.set:
        key, value = item.split("=", 1)
        try:
            common[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            common[key] = value
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(arm, {**common, "seed": seed}, families) for arm in arms
            for seed in (seeds[:1] if arm == "demonstrator" else seeds)]     # the demonstrator has no seed
    print(f"frames={args.frames} seeds={seeds} arms={arms} families={families} overrides={common}", flush=True)
    print(f"{'arm':16s} seed family course  mean|e|  p95|e|  mean e  in lane  on road  interv/km  "
          f"|dk|     asym    train s", flush=True)
    rows: dict[tuple[str, str], list] = {(a, f): [] for a in arms for f in families}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        for arm, seed, elapsed, results in pool.map(one_run, jobs):
            for m in results:
                rows[arm, m["family"]].append((seed, m))
                print(f"{arm:16s} {seed:4d} {m['family']:6s} {m['course']:6d}  {m['mean_abs_offset']:7.3f} "
                      f"{m['p95_abs_offset']:7.3f} {m['mean_offset']:+7.3f}  {m['in_lane']:7.1%}  "
                      f"{m['on_road']:7.1%}  {m['interventions_per_km']:9.2f}  {m['mean_abs_kappa_error']:.4f}  "
                      f"{m['mirror_asymmetry']:.4f}  {elapsed:6.0f}", flush=True)
    wall = time.perf_counter() - t0
    print(f"\nsummary ({len(seeds)} seeds x courses {COURSES[families[0]].seeds} of {LENGTH:g} m; "
          f"wall time {wall:.0f} s)")
    table = []
    for (arm, fam), items in rows.items():
        r = summarise(items)
        table.append((arm, fam, r))
        print(f"{arm:16s} {fam:6s} interventions/km {r['interventions_per_km']:5.2f} "
              f"(seeds {r['ipk_range'][0]:.2f}-{r['ipk_range'][1]:.2f}), median mean|e| {r['mean_abs_offset']:.3f} m "
              f"(runs {r['offset_range'][0]:.2f}-{r['offset_range'][1]:.2f}), in lane {r['in_lane']:.1%} "
              f"(min {r['min_in_lane']:.1%}), {r['runs']} runs")
    if args.markdown:
        print("\n| courses | training | interventions / km (range over seeds) | mean \\|e\\| (m), median "
              "over seeds (range of runs) | time in lane, mean (min) |")
        print("|---|---|---|---|---|")
        for arm, fam, r in sorted(table, key=lambda t: (families.index(t[1]), arms.index(t[0]))):
            lo, hi = r["ipk_range"]
            print(f"| {fam} | {arm} | {r['interventions_per_km']:.2f} ({lo:.2f}–{hi:.2f}) "
                  f"| {r['mean_abs_offset']:.2f} ({r['offset_range'][0]:.2f}–{r['offset_range'][1]:.2f}) "
                  f"| {r['in_lane']:.1%} ({r['min_in_lane']:.1%}) |")


if __name__ == "__main__":
    main()
