"""ALVINN: a network learns to steer by watching a driver, then drives a held-out road.

A simulated car with a 30x32 camera retina is driven along a training course
by a pure-pursuit demonstrator; a 960-4-30 network trains on the fly from a
200-pattern replay memory fed with each live frame and 14 shifted / rotated
views of it (Pomerleau 1991); or, with --dagger, by DAgger (Ross et al. 2011:
the network drives and the demonstrator labels what it sees).  The network
then drives held-out courses (gentle ones, or --family hard) and the demo
prints how well: mean and 95th-percentile |lateral offset|, time in lane and
on the road, and safety-driver interventions per km.  With --out it saves the
retina, the hidden units' weights as images and the driven path.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from .._errors import ConfigError, number, numbers, seed
from ..alvinn import COURSES, AlvinnConfig, drive, offset_limits, train_dagger, train_on_the_fly


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=number(int, 1, 10**6), default=3000,
                        help="training frames at 10 Hz (default 3000 = 5 min)")
    parser.add_argument("--seed", type=seed, default=0, help="training seed: course 100+S, weights, noise")
    parser.add_argument("--course", type=numbers(int, 0, 2**32 - 1), default=[7],
                        help="held-out course seed(s), comma-separated (default 7; the benchmark uses 7,8,9)")
    parser.add_argument("--family", choices=list(COURSES), default="gentle",
                        help="held-out course family: gentle roads, or hard ones (sharp S-bends, a 3.5 m "
                             "lane, lane changes, a noisy sensor in changing light)")
    parser.add_argument("--length", type=number(float, 10, 1e5), default=1500.0,
                        help="metres to drive on each course, 10 to 100000 (default 1500)")
    parser.add_argument("--layout", choices=["1990", "1989"], default="1990",
                        help="1990: 960-4-30; 1989: video + 8x32 range retina, 29 hidden, 45 outputs")
    parser.add_argument("--no-augmentation", action="store_true",
                        help="train on the live frames only (the covariate-shift ablation)")
    parser.add_argument("--dagger", action="store_true",
                        help="train by DAgger instead: the network drives, the demonstrator labels its "
                             "views (live frames only, no synthetic views)")
    parser.add_argument("--no-mirror", action="store_true", help="do not mirror half of the patterns")
    parser.add_argument("--augment-mode", choices=["rerender", "warp"], default="rerender")
    parser.add_argument("--policy", choices=["balance", "random", "fifo"], default="balance",
                        help="replay-memory replacement policy")
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNG pictures")


def run(args: argparse.Namespace) -> int:
    config = AlvinnConfig.for_layout(args.layout, frames=args.frames, seed=args.seed,
                                     augmentation=not (args.no_augmentation or args.dagger),
                                     mirror=not args.no_mirror, augment_mode=args.augment_mode,
                                     policy=args.policy)
    config.check()
    family = COURSES[args.family]
    net_shape = "-".join(str(n) for n in (960 + 256 * config.range_retina, config.n_hidden, config.n_outputs))
    aug = (f"{config.n_views} views, +-{config.max_shift:g} m, +-{config.max_rotation_deg:g} deg, "
           f"{config.augment_mode}" + (", mirrored" if config.mirror else "")) if config.augmentation else "off"
    print(f"ALVINN demo: layout {args.layout} ({net_shape}), {config.frames} training frames, seed {config.seed}")
    if args.dagger:
        print(f"training: DAgger, {config.dagger_rounds} rounds, beta {config.dagger_beta:g}^i, "
              f"{config.dagger_epochs} epochs per round on the aggregate; augmentation off")
    else:
        print(f"augmentation: {aug}; replay memory {config.buffer_size} ({config.policy})")
    t0 = time.perf_counter()

    def progress(done: int, total: int, loss: float) -> None:
        unit = "round" if args.dagger else "frame"
        print(f"  {unit} {done}/{total}  buffer loss {loss:.4f}  ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr, flush=True)

    session = (train_dagger if args.dagger else train_on_the_fly)(config, progress)
    print(f"trained in {time.perf_counter() - t0:.1f} s; final buffer loss {np.mean(session.losses[-100:]):.4f}")
    for r in session.rounds:
        steered = 1 - r["expert_frames"] / r["frames"]
        print(f"  round {r['round']}: beta {r['beta']:.3f}, network steered {steered:.0%}, "
              f"interventions {r['interventions']}, mean |e| {r['mean_abs_offset']:.2f} m, "
              f"D {r['patterns']} patterns")
    results, roads = {}, {}
    for course in args.course:
        print(f"driving held-out {family.name} course {course} ({args.length:g} m) ...", file=sys.stderr,
              flush=True)
        road = roads[course] = family.road_for(course, args.length)
        res = results[course] = drive(session.driver, road, config, args.length, sensor=family.sensor(course))
        m = res["metrics"]
        print(f"{family.name} course {course} ({args.length:g} m, lane {2 * road.half_width:g} m):")
        for label, value in [("mean |lateral offset|", f"{m['mean_abs_offset']:.3f} m"),
                             ("95th percentile |offset|", f"{m['p95_abs_offset']:.3f} m"),
                             ("max |offset|", f"{m['max_abs_offset']:.3f} m"),
                             ("mean signed offset", f"{m['mean_offset']:+.3f} m"),
                             ("time in lane", f"{100 * m['in_lane']:.1f} %"),
                             ("time on road", f"{100 * m['on_road']:.1f} %"),
                             ("interventions per km", f"{m['interventions_per_km']:.2f} ({m['interventions']} in all)"),
                             ("mean |kappa_net - kappa_pp|", f"{m['mean_abs_kappa_error']:.4f} 1/m"),
                             ("mirror asymmetry", f"{m['mirror_asymmetry']:.4f} 1/m")]:
            print(f"  {label:28s} {value}")
    if args.out is not None:
        paths = save_pictures(session, results, roads, args.out, args.length)
        print("pictures: " + ", ".join(str(p) for p in paths))
    return 0


def save_pictures(session, results: dict, roads: dict, out: Path, length: float) -> list[Path]:
    """retina.png, hidden_weights.png and path_<course>.png in ``out``."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigError("--out needs matplotlib: pip install 'backprop-mlp[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    driver, paths = session.driver, []
    cam, net = driver.camera, driver.net
    s = 0.5 * session.road.length
    pose = session.road.pose_at(s)
    image = cam.render(session.road, pose, s)[0]
    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("retina (30x32)")
    axes[1].imshow(driver.inputs(image[None])[0, :cam.rows * cam.cols].reshape(cam.rows, cam.cols), cmap="gray")
    axes[1].set_title("network input (standardised)")
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    paths.append(_save(fig, out / "retina.png", plt))

    (W1, _), (W2, _) = net.unflatten(net.params)
    n_hidden = W1.shape[0]
    cols = min(n_hidden, 6)
    rows = int(np.ceil(n_hidden / cols))
    fig, axes = plt.subplots(2 * rows, cols, figsize=(2.2 * cols, 3.2 * rows), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1] * rows})
    for j in range(rows * cols):
        ax_img, ax_out = axes[2 * (j // cols), j % cols], axes[2 * (j // cols) + 1, j % cols]
        for ax in (ax_img, ax_out):
            ax.set_xticks([]), ax.set_yticks([])
        if j >= n_hidden:
            ax_img.axis("off"), ax_out.axis("off")
            continue
        w = W1[j]
        img = w[:cam.rows * cam.cols].reshape(cam.rows, cam.cols)
        if w.size > img.size:                      # 1989 layout: the range retina below a gap
            img = np.vstack([img, np.full((1, cam.cols), np.nan), w[img.size:].reshape(-1, cam.cols)])
        r = np.nanmax(np.abs(img))
        ax_img.imshow(img, cmap="RdBu_r", vmin=-r, vmax=r)
        ax_img.set_title(f"hidden {j + 1}", fontsize=8)
        ax_out.bar(np.arange(W2.shape[0]), W2[:, j], color=np.where(W2[:, j] > 0, "C3", "C0"))
    axes[-1, 0].set_xlabel("to outputs: right ... left", fontsize=7)
    fig.suptitle("input weights of each hidden unit (red excitatory) and its weights to the outputs")
    paths.append(_save(fig, out / "hidden_weights.png", plt))

    for course, res in results.items():
        road = roads[course]
        n = int(np.searchsorted(road.s, length + 20))
        fig, (ax, ax_e) = plt.subplots(2, 1, figsize=(7, 9), gridspec_kw={"height_ratios": [3, 1]})
        for side in (-1, 1):
            ax.plot(road.x[:n] - side * road.half_width * np.sin(road.psi[:n]),
                    road.y[:n] + side * road.half_width * np.cos(road.psi[:n]), color="0.4", lw=0.8)
        ax.plot(road.x[:n], road.y[:n], color="0.7", lw=0.5, ls="--")
        p, e = res["path"], res["offsets"]
        sc = ax.scatter(p[:, 0], p[:, 1], c=np.abs(e), s=2, cmap="viridis", vmin=0, vmax=2)
        hit = np.abs(e) > offset_limits(road, session.config.intervention_margin)["intervention"]
        ax.scatter(p[hit, 0], p[hit, 1], marker="x", color="red", s=40, label="intervention")
        fig.colorbar(sc, ax=ax, label="|lateral offset| (m)", shrink=0.7)
        ax.set_aspect("equal")
        ax.set_title(f"network driving held-out course {course}: mean |e| "
                     f"{res['metrics']['mean_abs_offset']:.2f} m, {int(hit.sum())} interventions")
        if hit.any():
            ax.legend(loc="best")
        dist = np.arange(1, e.size + 1) * session.config.speed * session.config.dt
        ax_e.plot(dist, e, lw=0.8)
        for y, style in [(0, "-"), (1, ":"), (-1, ":"), (2, "--"), (-2, "--")]:
            ax_e.axhline(y, color="0.6", lw=0.6, ls=style)
        ax_e.set_xlabel("distance driven (m)")
        ax_e.set_ylabel("lateral offset (m, left +)")
        paths.append(_save(fig, out / f"path_{course}.png", plt))
    return paths


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
