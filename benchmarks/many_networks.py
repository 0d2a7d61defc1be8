"""Time K XOR networks trained together (one NetworkStack) against one by one.

    python benchmarks/many_networks.py [--networks 256] [--epochs 500]

Same settings in every variant: the 2-2-1 sigmoid network, E = 1/2 sum (z - t)^2,
plain gradient descent (eta = 2), a fixed number of epochs.  "together" is
fit_many on a stack of K networks (the trainer's loop, K runs at once); "one by
one" is backprop.fit on each Network with the same seed (the same trainer), and
a bare per-network loop over Network.loss_and_grad without the trainer's
bookkeeping.  Prints the final weights' agreement and the speed-ups.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import warnings

import backprop
from backprop import Network, optim
from backprop.training.batching import epoch_batches
from backprop.training.many import XOR_T, XOR_X, NetworkStack, fit_many


def plain_loop(seed: int, epochs: int, batch_size: int, shuffle: bool) -> np.ndarray:
    net = Network([2, 2, 1], "sigmoid", random_state=seed)
    opt = optim.get("sgd", learning_rate=2.0)
    state, grad, rng = opt.init(net.params), np.empty_like(net.params), np.random.default_rng(seed)
    for _ in range(epochs):
        for idx in epoch_batches(4, batch_size, rng, shuffle):
            net.loss_and_grad(XOR_X[idx], XOR_T[idx], out=grad)
            step, state = opt.update(grad, state, net.params)
            net.params += step
    return net.params


def main() -> None:
    warnings.simplefilter("ignore", backprop.ConvergenceWarning)   # stuck seeds are expected
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--networks", type=int, default=256)
    p.add_argument("--epochs", type=int, default=500)
    args = p.parse_args()
    K, epochs = args.networks, args.epochs
    print(f"{K} XOR networks (2-2-1 sigmoid, sgd eta=2), {epochs} epochs each")
    for label, B, shuffle in [("batch (B=4, data order)", 4, False), ("online (B=1, shuffled)", 1, True)]:
        t0 = time.perf_counter()
        stack = NetworkStack([2, 2, 1], "sigmoid", random_states=K)
        fit_many(stack, XOR_X, XOR_T, optimizer="sgd", learning_rate=2.0, epochs=epochs,
                 batch_size=B, shuffle=shuffle)
        together = time.perf_counter() - t0

        t0 = time.perf_counter()
        singles = []
        for k in range(K):
            net = Network([2, 2, 1], "sigmoid", random_state=k)
            backprop.fit(net, XOR_X, XOR_T, optimizer="sgd", optimizer_params={"learning_rate": 2.0},
                         epochs=epochs, batch_size=B, shuffle=shuffle, reduction="sum",
                         random_state=k, progress=False)
            singles.append(net.params)
        one_by_one = time.perf_counter() - t0

        t0 = time.perf_counter()
        plain = [plain_loop(k, epochs, B, shuffle) for k in range(K)]
        loop = time.perf_counter() - t0

        diff = max(np.abs(stack.params - np.array(singles)).max(),
                   np.abs(stack.params - np.array(plain)).max())
        print(f"\n{label}:  max |difference| of final weights {diff:.1e}")
        print(f"  together (one stack of {K}):     {together:7.2f} s")
        print(f"  one by one, backprop.fit:       {one_by_one:7.2f} s   speed-up x{one_by_one / together:.1f}")
        print(f"  one by one, plain Network loop: {loop:7.2f} s   speed-up x{loop / together:.1f}")


if __name__ == "__main__":
    main()
