"""``backprop plot KIND ... --out FILE.png|svg``: the lecture's figures from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._errors import ConfigError, DataError
from ..cli import check_out, file_path, number, numbers, parse_list, seed

KINDS = {
    "learning-curves": "training/validation loss, metrics and learning rate of a saved run",
    "landscape": "E over two weights of the trained 2-2-1 XOR network (contour + 3-D surface)",
    "trajectories": "paths of several optimizers over the rain gutter or an XOR landscape",
    "bias-correction": "Adam's 1/(1-beta^t) factors and the effective steps of a real run",
    "decision-boundary": "a trained network's decision boundary on a 2-D problem, hidden lines",
    "momentum-gain": "momentum's measured speed-up on a constant slope against 1/(1-a)",
}

# CLI names of the trajectory optimizers -> labels in figures.GUTTER_OPTIMIZERS / XOR_OPTIMIZERS
TRAJ = {"gd": "gradient descent", "momentum": "momentum", "rmsprop": "rmsprop", "adam": "adam"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("plot", help="draw one of the lecture's figures to a PNG/SVG file",
                            description="Draw a figure into --out FILE (.png or .svg).")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)

    def kind(name: str) -> argparse.ArgumentParser:
        p = kinds.add_parser(name, help=KINDS[name], description=KINDS[name])
        p.add_argument("--out", required=True, type=file_path, help="output file, .png or .svg")
        p.add_argument("--dpi", type=number(float, 10, 1200), default=150,
                       help="dots per inch of the figure, 10 to 1200 (default 150: about 1200 px wide)")
        p.set_defaults(func=run)
        return p

    p = kind("learning-curves")
    p.add_argument("path", help="a saved model file, or a JSON file holding a history dict")
    p = kind("landscape")
    p.add_argument("--weights", type=lambda s: parse_list(s, str, "name"), default=["v1", "v2"],
                   help="the two weights to vary: w11,w12,w21,w22,b1,b2,v1,v2,c (default v1,v2)")
    p.add_argument("--activation", choices=["sigmoid", "step"], default="sigmoid",
                   help="step: draw the step-unit landscape beside the sigmoid one")
    p.add_argument("--span", type=number(float, 0, 1e6, low_open=True), default=6.0,
                   help="range around the trained values (default 6)")
    p.add_argument("--grid", type=number(int, 2, 2000), default=61,
                   help="grid points per axis, 2 to 2000 (default 61)")
    p.add_argument("--seed", type=seed, default=0)
    p = kind("trajectories")
    p.add_argument("--problem", choices=["gutter", "xor"], default="gutter")
    p.add_argument("--optimizers", type=lambda s: parse_list(s, str, "name"), default=list(TRAJ),
                   help=f"subset of {','.join(TRAJ)}")
    p.add_argument("--steps", type=number(int, 1, 10**5),
                   help="iterations, at most 100000 (default 40 gutter, 100 xor)")
    p.add_argument("--seed", type=seed, default=0)
    p = kind("bias-correction")
    p.add_argument("--beta1", type=numbers(float, 0, 1, high_open=True), default=[0.9],
                   help="Adam's beta1 value(s), each in [0, 1) (default 0.9)")
    p.add_argument("--beta2", type=numbers(float, 0, 1, high_open=True), default=[0.999],
                   help="Adam's beta2 value(s), each in [0, 1) (default 0.999)")
    p.add_argument("--iterations", type=number(int, 1, 10**6), default=100)
    p.add_argument("--learning-rate", type=number(float, 0, 1e3, low_open=True), default=0.1,
                   help="eta of the real run (default 0.1)")
    p.add_argument("--no-run", action="store_true", help="only the factors, no XOR run")
    p = kind("decision-boundary")
    p.add_argument("--dataset", default="xor", help="xor, circles, spirals, ... (2-D inputs)")
    p.add_argument("--hidden", type=numbers(int, 1, 10**4), default=None,
                   help="hidden layer sizes, each at most 10000, e.g. 24,24 "
                        "(default 2 for xor, 24,24,24 for spirals, 16 else)")
    p.add_argument("--epochs", type=number(int, 1, 10**6), default=None, help="training epochs")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--no-hidden-lines", action="store_true")
    p = kind("momentum-gain")
    p.add_argument("--momentum", type=numbers(float, 0, 1, high_open=True), default=[0.0, 0.5, 0.9],
                   help="momentum value(s) a, each in [0, 1) (default 0,0.5,0.9)")
    p.add_argument("--iterations", type=number(int, 1, 10**6), default=100)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..plotting import figures as F
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"--out must end in .png or .svg, got {out.name!r}")
    dpi = args.dpi
    check_out(out, make_parents=True)
    if args.kind == "learning-curves":
        fig = F.learning_curves(_load_history(Path(args.path)), title=Path(args.path).name, dpi=dpi)
    elif args.kind == "landscape":
        fig = F.landscape(weights=args.weights, span=args.span, n=args.grid, seed=args.seed,
                          compare_step=args.activation == "step", dpi=dpi)
    elif args.kind == "trajectories":
        bad = [o for o in args.optimizers if o not in TRAJ]
        if bad:
            raise ConfigError(f"unknown optimizer {bad[0]!r}; valid choices: {', '.join(TRAJ)}")
        table = F.GUTTER_OPTIMIZERS if args.problem == "gutter" else F.XOR_OPTIMIZERS
        fig = F.trajectories(args.problem, {TRAJ[o]: table[TRAJ[o]] for o in args.optimizers},
                             n_steps=args.steps, seed=args.seed, dpi=dpi)
    elif args.kind == "bias-correction":
        if len(args.beta1) != len(args.beta2):
            raise ConfigError("--beta1 and --beta2 need the same number of values")
        fig = F.bias_correction(list(zip(args.beta1, args.beta2)), args.iterations,
                                run=not args.no_run, learning_rate=args.learning_rate, dpi=dpi)
    elif args.kind == "decision-boundary":
        from ..plotting.train import describe_2d, train_2d
        net, X, y, settings = train_2d(args.dataset, args.hidden, args.epochs, args.seed)
        fig = F.decision_boundary(net, X, y, hidden_lines=False if args.no_hidden_lines else None,
                                  title=f"{args.dataset}, {'-'.join(map(str, net.layer_sizes))} network", dpi=dpi)
        acc = fig.backprop_data["accuracy"]
        fig.backprop_summary = [describe_2d(settings), f"accuracy on the {acc['n']} training points: "
                                f"{acc['accuracy']:.1%} ({acc['correct']} of {acc['n']})"]
    else:
        fig = F.momentum_gain(args.momentum, args.iterations, dpi=dpi)
    F.save(fig, out)
    for line in getattr(fig, "backprop_summary", []):
        print(line)
    print(f"wrote {out}")
    return 0


def _load_history(path: Path):
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
        return data.get("history", data) if isinstance(data, dict) else data
    try:
        from ..io import load_model
    except ImportError:  # pragma: no cover - io lands separately
        raise ConfigError("reading model files needs backprop.io; give a .json history") from None
    model = load_model(path)
    history = getattr(model, "history", None)
    if history is None or (hasattr(history, "__len__") and not len(history)):
        raise DataError(f"{path} holds no training history")
    return history
