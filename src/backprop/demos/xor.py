"""XOR: the 2-2-1 sigmoid network learns it by gradient descent; a step perceptron cannot.

Trains the lecture's 2-2-1 network (sigmoid everywhere, E = 1/2 sum (z-t)^2
over the four patterns) by plain batch gradient descent w <- w - eta dE/dw
(``backprop.fit`` with optimizer "sgd", the full batch, reduction "sum"),
prints the learned truth table, the epochs used and the final E; then counts
how many of N random initialisations reach a solution, training all N
networks at once (``xor_seed_study``; the rest stall in a local minimum or
on a plateau); then shows why the step-function perceptron cannot learn XOR:
no single threshold unit separates it, and the gradient of a step network is
zero everywhere, so gradient descent never moves.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from ..datasets import load_xor

X, T = load_xor().X, load_xor().y.astype(np.float64)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..cli import number, seed
    p.add_argument("--learning-rate", type=number(float, 0, 1e3, low_open=True), default=2.0,
                   help="eta (default 2.0)")
    p.add_argument("--epochs", type=number(int, 1, 10**7), default=10000,
                   help="most epochs per run (default 10000)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the demonstrated run (default 0)")
    p.add_argument("--restarts", type=number(int, 1, 10**6), default=100,
                   help="random initialisations to count solutions over, trained together "
                        "(default 100)")
    p.add_argument("--tolerance", type=number(float, 0, 1, low_open=True), default=0.1,
                   help="solved when every |z - t| < tolerance (default 0.1)")


def solved(z: np.ndarray, tolerance: float) -> bool:
    return bool(np.all(np.abs(z.reshape(-1) - T) < tolerance))


def train(seed: int, eta: float, epochs: int, tolerance: float, activation: str = "sigmoid"):
    """Batch gradient descent on XOR until solved; returns (net, epochs used, E, solved).

    Solved means every |z - t| < ``tolerance``, checked every 10 epochs (as the seed study does).
    """
    from ..network import Network
    from ..training import ConvergenceWarning, fit
    net = Network([2, 2, 1], activation=activation, random_state=seed)

    def check(event) -> bool:
        return event.epoch % 10 == 0 and solved(event.net.forward(X), tolerance)

    with warnings.catch_warnings():  # a run that does not solve XOR is reported, not warned
        warnings.simplefilter("ignore", ConvergenceWarning)
        hist = fit(net, X, T, optimizer="sgd", optimizer_params={"learning_rate": eta},
                   batch_size=None, shuffle=False, reduction="sum", epochs=epochs,
                   callbacks=[check], progress=False)
    return net, hist.n_epochs, net.loss(X, T), solved(net.forward(X), tolerance)


def best_single_perceptron() -> int:
    """Most XOR patterns any single step unit classifies right, over a grid of weights."""
    grid = np.linspace(-2, 2, 33)
    w1, w2, b = np.meshgrid(grid, grid, grid, indexing="ij")
    out = (w1[..., None] * X[:, 0] + w2[..., None] * X[:, 1] + b[..., None]) >= 0
    return int((out == T.astype(bool)).sum(axis=-1).max())


def run(args: argparse.Namespace) -> int:
    from ..network import Network
    print("XOR with the 2-2-1 sigmoid network, E = 1/2 sum (z - t)^2, batch gradient descent "
          f"(eta = {args.learning_rate})")
    net, epochs, E, ok = train(args.seed, args.learning_rate, args.epochs, args.tolerance)
    z = net.forward(X)[:, 0]
    print("\n  x1  x2 | t |   z")
    for (x1, x2), t, zi in zip(X, T, z):
        print(f"  {x1:.0f}   {x2:.0f}  | {t:.0f} | {zi:.3f}")
    status = "solved" if ok else "NOT solved (try another --seed)"
    print(f"\n{status} after {epochs} epochs; final E = {E:.6f}")

    from ..training.many import xor_seed_study
    study = xor_seed_study(args.restarts, learning_rate=args.learning_rate, epochs=args.epochs,
                           tolerance=args.tolerance,
                           random_states=range(1000, 1000 + args.restarts))
    n_ok = study.n_solved
    rest = ("the others stalled in a local minimum or on a plateau" if n_ok < args.restarts
            else "none stalled this time, but other seeds do (try --restarts 200)")
    print(f"\n{n_ok} of {args.restarts} random initialisations reached a solution within "
          f"{args.epochs} epochs; {rest}.")

    best = best_single_perceptron()
    print(f"\nStep-function perceptron: the best single threshold unit over a grid of 35937 weight "
          f"settings classifies {best} of 4 patterns (XOR is not linearly separable).")
    step = Network([2, 2, 1], activation="step", random_state=args.seed)
    E0 = step.loss(X, T)
    _, g = step.loss_and_grad(X, T)
    net_s, _, E1, ok_s = train(args.seed, args.learning_rate, min(args.epochs, 1000), args.tolerance,
                               activation="step")
    print(f"A 2-2-1 step network: dE/dw = 0 for all {g.size} weights (|grad| = {np.abs(g).max():g}), "
          f"so gradient descent never moves: E = {E0:.3f} before and {E1:.3f} after "
          f"{min(args.epochs, 1000)} epochs. Its error landscape is flat shoulders and jumps.")
    return 0
