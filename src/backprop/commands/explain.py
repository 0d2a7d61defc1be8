"""``backprop explain``: the chain rule for one sample, term by term."""

from __future__ import annotations

import argparse

import numpy as np

from .. import activations, initializers, losses
from .._errors import ConfigError
from ..cli import parse_list
from ..explain import explain
from ..network import Network


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "explain", help="one forward/backward pass with every term named",
        description="One forward and backward pass for one sample: every intermediate value and "
                    "partial derivative, named as in the lecture for the 2-2-1 network, each "
                    "gradient beside its central finite difference.",
        epilog="example: backprop explain --layers 2,2,1 --activation sigmoid --x 1,0 --t 1 --seed 0")
    p.add_argument("--layers", type=lambda s: parse_list(s, int, "integer"), default=[2, 2, 1],
                   help="units per layer, inputs first (default 2,2,1)")
    p.add_argument("--activation", default="sigmoid", choices=activations.available(),
                   help="hidden activation g (default sigmoid)")
    p.add_argument("--output-activation", choices=activations.available(),
                   help="output activation (default: same as --activation)")
    p.add_argument("--loss", default="squared_error", choices=losses.available())
    p.add_argument("--x", required=True, type=lambda s: parse_list(s, float, "number"),
                   help="the input pattern, e.g. 1,0")
    p.add_argument("--t", required=True, type=lambda s: parse_list(s, float, "number"),
                   help="the target, e.g. 1")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    p.add_argument("--init", default="uniform", choices=initializers.available())
    p.add_argument("--weights", type=lambda s: parse_list(s, float, "number"),
                   help="all parameters in the flat layout (per layer: W row by row, then b); "
                        "for 2-2-1: w11,w12,w21,w22,b1,b2,v1,v2,c")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    net = Network(args.layers, activation=args.activation, output_activation=args.output_activation,
                  init=args.init, random_state=args.seed)
    if args.weights is not None:
        if len(args.weights) != net.n_params:
            raise ConfigError(f"--weights has {len(args.weights)} values; the "
                              f"{'-'.join(map(str, args.layers))} network has {net.n_params} parameters")
        net.params[...] = np.asarray(args.weights)
    result = explain(net, args.x, args.t, loss=args.loss)
    print(result.to_json() if args.json else result)
    return 0
