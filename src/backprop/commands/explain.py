"""``backprop explain``: the chain rule for one sample, term by term."""

from __future__ import annotations

import argparse

import numpy as np

from .. import activations, initializers, losses
from .._errors import ConfigError, UsageError
from ..cli import numbers, seed
from ..explain import explain
from ..network import Network
from ..training.memory import parameter_count

MAX_PARAMS = 10_000  # every term is printed, every gradient checked by two more passes


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "explain", help="one forward/backward pass with every term named",
        description="One forward and backward pass for one sample: every intermediate value and "
                    "partial derivative, named as in the lecture for the 2-2-1 network, each "
                    "gradient beside its central finite difference.",
        epilog="example: backprop explain --layers 2,2,1 --activation sigmoid --x 1,0 --t 1 --seed 0")
    p.add_argument("--layers", type=numbers(int, 1), default=[2, 2, 1],
                   help="units per layer, inputs first (default 2,2,1)")
    p.add_argument("--activation", default="sigmoid", choices=activations.available(),
                   help="hidden activation g (default sigmoid)")
    p.add_argument("--output-activation", choices=activations.available(),
                   help="output activation (default: same as --activation)")
    p.add_argument("--loss", default="squared_error", choices=losses.available())
    p.add_argument("--x", required=True, type=numbers(float, -1e6, 1e6),
                   help="the input pattern, e.g. 1,0")
    p.add_argument("--t", required=True, type=numbers(float, -1e6, 1e6),
                   help="the target, e.g. 1")
    p.add_argument("--seed", type=seed, default=0, help="seed of the initial weights")
    p.add_argument("--init", default="uniform", choices=initializers.available())
    p.add_argument("--weights", type=numbers(float, -1e6, 1e6),
                   help="all parameters in the flat layout (per layer: W row by row, then b); "
                        "for 2-2-1: w11,w12,w21,w22,b1,b2,v1,v2,c")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    n_params = parameter_count(args.layers)
    if n_params > MAX_PARAMS:
        raise UsageError(f"--layers {','.join(map(str, args.layers))} has {n_params} parameters; "
                          f"explain prints every term and checks each gradient by finite "
                          f"differences, for networks of at most {MAX_PARAMS} parameters")
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
