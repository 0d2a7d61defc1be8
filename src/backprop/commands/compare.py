"""``backprop compare``: every optimizer on every task, from the same initial weights per seed."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import MAX_JOBS, check_out, file_path, jobs, number, numbers, parse_list


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ..compare import LR_GRID, REDUCTIONS, TASKS
    p = sub.add_parser(
        "compare", help="measure every optimizer on real tasks, beside the textbook's table",
        description="Train every optimizer on every task from the same initial weights per seed; "
                    "print convergence speed and quality per task and overall, with stars, next to "
                    "the textbook's table, in the lecture's setting (E summed over the patterns) and "
                    "with E averaged. Learning rates come from a grid search on separate seeds, "
                    "widened while the best rate is on its edge; stars are checked against each "
                    "search seed's own best rate.",
        epilog="example: backprop compare --tasks xor,breast-cancer,digits,regression "
               "--optimizers all --seeds 20 --out compare-results")
    p.add_argument("--tasks", type=lambda s: parse_list(s, str, "name"), default=list(TASKS),
                   help=f"comma-separated, from {','.join(TASKS)} (default all)")
    p.add_argument("--optimizers", type=lambda s: parse_list(s, str, "name"), default=["all"],
                   help="comma-separated labels (SGD,Momentum,Nesterov,Adagrad,RMSprop,Adam,Nadam,"
                        "AdaMax, other registered names) or all")
    p.add_argument("--seeds", type=number(int, 1, 10**4), default=20,
                   help="runs per task and optimizer (default 20)")
    p.add_argument("--search-seeds", type=number(int, 1, 10**4), default=3,
                   help="seeds of the learning-rate search (separate from the runs; default 3)")
    p.add_argument("--lr-grid", type=numbers(float, 0, 1e3, low_open=True), default=list(LR_GRID),
                   help=f"learning rates searched (default {','.join(f'{x:g}' for x in LR_GRID)}), "
                        "widened by half-decades while the best is on an edge")
    p.add_argument("--no-widen", action="store_true", help="search only the --lr-grid rates")
    p.add_argument("--settings", type=lambda s: parse_list(s, str, "name"), default=list(REDUCTIONS),
                   help="sum (the lecture's E, summed over the patterns), mean, or both (default sum,mean)")
    p.add_argument("--epochs", type=number(int, 1, 10**6), help="override every task's epoch budget")
    p.add_argument("--out", type=file_path,
                   help="directory for table.md, results.json, results.csv, curves-*.png")
    p.add_argument("--no-plots", action="store_true", help="skip the loss-curve pictures")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: joblib, local cores)")
    p.add_argument("--jobs", type=jobs, default=-1,
                   help=f"local worker processes, -1 for all cores (default), at most {MAX_JOBS}")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .. import _compare_report as rep
    from ..compare import compare
    if args.out:
        check_out(Path(args.out) / "table.md", make_parents=True)
    epochs = {t: args.epochs for t in args.tasks} if args.epochs else None
    result = compare(args.tasks, args.optimizers, seeds=args.seeds, search_seeds=args.search_seeds,
                     lr_grid=args.lr_grid, epochs=epochs, scheduler=args.scheduler, n_jobs=args.jobs,
                     reductions=args.settings, widen=not args.no_widen)
    summary = rep.summarize(result)
    table = rep.format_tables(summary, result)
    print(table, end="")
    if args.out:
        written = rep.write_outputs(result, summary, table, Path(args.out), plots=not args.no_plots)
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0
