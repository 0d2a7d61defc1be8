"""Full ALVINN benchmark: 3 training seeds x held-out courses 7, 8, 9, with and without augmentation.

    OMP_NUM_THREADS=1 python benchmarks/alvinn_full.py [--frames 3000] [--seeds 0,1,2] [--jobs 2]
        [--set key=value ...]

Prints one row per (configuration, seed, course), then a summary per
configuration: median over seeds of the mean |offset| (averaged over the
courses), the worst run, minimum time in lane, and total interventions.
``--set`` overrides any :class:`backprop.alvinn.AlvinnConfig` field for every
configuration (e.g. ``--set policy=random``).
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

from backprop.alvinn import AlvinnConfig, TEST_COURSES, drive, test_road, train_on_the_fly  # noqa: E402


def one_run(args: tuple[str, dict]) -> tuple[str, int, float, list[dict]]:
    name, fields = args
    config = AlvinnConfig.for_layout(**fields)
    t = time.perf_counter()
    session = train_on_the_fly(config)
    elapsed = time.perf_counter() - t
    results = [drive(session.driver, test_road(c), config)["metrics"] | {"course": c} for c in TEST_COURSES]
    return name, config.seed, elapsed, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--layout", default="1990")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--no-ablation", action="store_true", help="skip the no-augmentation runs")
    args = parser.parse_args()
    common = {"layout": args.layout, "frames": args.frames}
    for item in args.set:
        key, value = item.split("=", 1)
        try:
            common[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            common[key] = value
    configs = {"augmented": {}} if args.no_ablation else {"augmented": {}, "no augmentation": {"augmentation": False}}
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(name, {**common, **extra, "seed": seed}) for name, extra in configs.items() for seed in seeds]
    print(f"frames={args.frames} layout={args.layout} overrides={common}", flush=True)
    print(f"{'configuration':16s} seed course  mean|e|  p95|e|  mean e  in lane  on road  interv/km  "
          f"|dk|     asym    train s", flush=True)
    rows: dict[str, list] = {name: [] for name in configs}
    with ProcessPoolExecutor(args.jobs) as pool:
        for name, seed, elapsed, results in pool.map(one_run, jobs):
            for m in results:
                rows[name].append((seed, m))
                print(f"{name:16s} {seed:4d} {m['course']:6d}  {m['mean_abs_offset']:7.3f} {m['p95_abs_offset']:7.3f} "
                      f"{m['mean_offset']:+7.3f}  {m['in_lane']:7.1%}  {m['on_road']:7.1%}  "
                      f"{m['interventions_per_km']:9.2f}  {m['mean_abs_kappa_error']:.4f}  "
                      f"{m['mirror_asymmetry']:.4f}  {elapsed:6.0f}", flush=True)
    print("\nsummary (per seed: mean over courses; then median / worst over seeds)")
    for name, items in rows.items():
        per_seed = {s: np.mean([m["mean_abs_offset"] for t, m in items if t == s]) for s in seeds}
        print(f"{name:16s} median mean|e| {np.median(list(per_seed.values())):.3f} m, "
              f"worst run {max(m['mean_abs_offset'] for _, m in items):.3f} m, "
              f"min in lane {min(m['in_lane'] for _, m in items):.1%}, "
              f"min on road {min(m['on_road'] for _, m in items):.1%}, "
              f"interventions {sum(m['interventions'] for _, m in items)} "
              f"in {len(items)} runs of 1.5 km")


if __name__ == "__main__":
    main()
