"""Cost of one ALVINN pass (one epoch over a full 200-pattern replay memory, 20 batches of 10).

    OMP_NUM_THREADS=1 python benchmarks/alvinn_pass.py [--passes 500] [--repeats 3]

Compares the library's trainer (``pass_trainer(...).partial_fit``, what
``train_on_the_fly`` runs after every frame) with a bare hand-written loop
of the same updates (the reference; it lives only here).  Both end on the
same weights, bit for bit; prints the best-of-repeats milliseconds per pass.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backprop import optim  # noqa: E402
from backprop.alvinn.simulate import (AlvinnConfig, build_network, fan_in_learning_rates,  # noqa: E402
                                      pass_trainer)


def hand(X, T, passes):
    net = build_network(AlvinnConfig(), X.shape[1])
    opt = optim.get("sgd", learning_rate=0.3, momentum=0.9)
    state, g, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(3)
    state["learning_rate"] = fan_in_learning_rates(net, 0.3)
    t = time.perf_counter()
    for _ in range(passes):
        order = rng.permutation(len(X))
        for i in range(0, len(X), 10):
            idx = order[i:i + 10]
            net.loss_and_grad(X[idx], T[idx], out=g)
            step, state = opt.update(g, state, net.params)
            net.params += step
    return (time.perf_counter() - t) / passes, net.params


def trainer(X, T, passes):
    net = build_network(AlvinnConfig(), X.shape[1])
    tr = pass_trainer(AlvinnConfig(), net, np.random.default_rng(3))
    t = time.perf_counter()
    for _ in range(passes):
        tr.partial_fit(net, X, T)
    return (time.perf_counter() - t) / passes, net.params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(200, 960)), rng.random((200, 30))
    best, params = {}, {}
    for _ in range(args.repeats):
        for f in (hand, trainer):
            dt, params[f.__name__] = f(X, T, args.passes)
            best[f.__name__] = min(best.get(f.__name__, np.inf), dt)
    assert np.array_equal(params["hand"], params["trainer"]), "the trainer and the hand loop differ"
    for name, dt in best.items():
        print(f"{name:8s} {1e3 * dt:6.2f} ms per pass")
    print(f"ratio    {best['trainer'] / best['hand']:6.2f}")


if __name__ == "__main__":
    main()
