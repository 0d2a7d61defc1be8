"""Many networks at once: K trainings of one architecture in one vectorised loop.

``fit_many(stack, X, T, ...)`` trains the K networks of a
:class:`~backprop.training.stack.NetworkStack` as K independent runs that
follow the trainer's rules, each with its own generator
``rng_k = np.random.default_rng(seed_k)``:

1. the validation split (if any) is drawn first from ``rng_k``: one
   ``rng_k.permutation(n)``, the first ceil(fraction n) indices (at least 1,
   at most n - 1) are held out, both index sets sorted (the trainer's
   unstratified split, ``stratify=False``);
2. every epoch cuts the training set by ``epoch_batches(n, B, rng_k,
   shuffle, drop_last)``; iteration i of every run is computed together,
   with run k's batch gathered as ``X[idx_k]`` into a ``(K, B, n_in)`` array;
3. the gradient gets L2 weight decay on the weights only,
   ``g + lambda W`` (E + lambda/2 ||W||^2), and the optimizer's step is added.

Optimizers are element-wise, so they run on the ``(K, P)`` array directly;
``learning_rate`` may differ per network (a ``(K, 1)`` array in the state),
and a list of K optimizers is run in groups of equal settings.  So
network k of the stack ends exactly where training it alone would.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import optim
from .._errors import ConfigError, DataError, check_range
from .batching import epoch_batches, resolve_batch_size
from .stack import NetworkStack

__all__ = ["NetworkStack", "fit_many", "xor_seed_study", "SeedStudy"]


def _split(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_val = min(max(1, math.ceil(fraction * n)), n - 1)
    perm = rng.permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _groups(optimizer: Any, K: int) -> list[tuple[optim.Optimizer, Any]]:
    """``(optimizer, rows)`` pairs; rows is ``slice(None)`` for one shared optimizer."""
    if isinstance(optimizer, (str, optim.Optimizer)):
        return [(optim.get(optimizer), slice(None))]
    opts = [optim.get(o) for o in optimizer]
    if len(opts) != K:
        raise ConfigError(f"got {len(opts)} optimizers for {K} networks; give one, or one per network")
    by_setting: dict[str, list[int]] = {}
    for k, o in enumerate(opts):
        by_setting.setdefault(repr(o), []).append(k)
    return [(opts[rows[0]], np.array(rows)) for rows in by_setting.values()]


def fit_many(stack: NetworkStack, X: np.ndarray, T: np.ndarray, *,
             optimizer: str | optim.Optimizer | Sequence[str | optim.Optimizer] = "sgd",
             learning_rate: float | Sequence[float] | None = None, epochs: int = 100,
             batch_size: int | str | None = None, loss: str = "squared_error",
             reduction: str = "sum", shuffle: bool = True, drop_last: bool = False,
             weight_decay: float = 0.0, validation_fraction: float | None = None,
             sample_weight: np.ndarray | None = None,
             random_state: Sequence[int | None] | None = None,
             callback: Callable[[int, NetworkStack], bool | None] | None = None) -> dict[str, Any]:
    """Train the K networks of ``stack`` together; each as if trained alone.

    Parameters
    ----------
    optimizer : name, Optimizer, or a sequence of K of them
        First-order optimizers only (they are element-wise on the ``(K, P)`` array).
    learning_rate : float or sequence of K floats, optional
        Overrides the optimizer's rate; a sequence gives each network its own.
    batch_size : int, "full" or None
        1 is online learning, None / "full" batch learning.
    random_state : sequence of K seeds, optional
        The seed of each run's generator; default ``stack.random_states``.
    callback : callable, optional
        ``callback(epoch, stack)`` after each epoch; returning True stops.

    Returns
    -------
    dict
        ``loss`` (epochs, K): the batch losses of each epoch averaged by
        their share of samples (``mean``) or summed (``sum``), plus the mean
        L2 penalty; ``val_loss`` (epochs, K) or None; ``n_epochs``;
        ``n_iterations``.
    """
    K, P = stack.params.shape
    seeds = stack.random_states if random_state is None else list(random_state)
    if len(seeds) != K:
        raise ConfigError(f"got {len(seeds)} random states for {K} networks")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ConfigError(f"epochs must be a non-negative integer, got {epochs!r}")
    check_range("weight_decay", weight_decay, 0.0)
    X = stack.template._check_X(X)
    n = X.shape[0]
    T = stack.template._check_T(T, n)
    w = None if sample_weight is None else np.asarray(sample_weight, stack.dtype)
    if w is not None and w.shape != (n,):
        raise DataError(f"sample_weight must have shape ({n},), got {w.shape}")
    groups = _groups(optimizer, K)
    for opt, _ in groups:
        if opt.needs_oracle or opt.full_batch_only:
            raise ConfigError(f"fit_many runs first-order optimizers only; {opt.name!r} needs "
                              "line searches per network: train those networks one by one")
    rngs = [np.random.default_rng(s) for s in seeds]
    val = None
    if validation_fraction is not None:
        check_range("validation_fraction", validation_fraction, 0.0, 1.0, True, True)
        if n < 2:
            raise DataError(f"cannot hold out a validation set from {n} sample(s); need at least 2")
        pairs = [_split(n, validation_fraction, r) for r in rngs]
        train = np.stack([p[0] for p in pairs])
        val = np.stack([p[1] for p in pairs])
    else:
        train = np.broadcast_to(np.arange(n), (K, n))
    n_train = train.shape[1]
    B = resolve_batch_size(batch_size, n_train)

    states = []
    for opt, rows in groups:
        state = opt.init(stack.params[rows])
        if learning_rate is not None:
            lr = np.broadcast_to(np.asarray(learning_rate, stack.dtype), (K,))
            for v in lr:
                check_range("learning_rate", v, 0.0, None, True)
            state["learning_rate"] = lr[rows][:, None].copy()
        states.append(state)
    decay = weight_decay * stack.weight_mask if weight_decay else None
    grad = np.empty_like(stack.params)
    history: dict[str, Any] = {"loss": [], "val_loss": [] if val is not None else None,
                               "n_epochs": 0, "n_iterations": 0}
    shared = val is None and not shuffle
    for epoch in range(1, epochs + 1):
        # epoch_batches per run: one rng_k.permutation, cut into consecutive batches
        order = np.stack([r.permutation(n_train) for r in rngs]) if shuffle else None
        cuts = epoch_batches(n_train, B, None, shuffle=False, drop_last=drop_last)
        total = np.zeros(K)
        for cut in cuts:
            pos = cut if order is None else order[:, cut]
            idx = cut if shared else np.take_along_axis(train, np.broadcast_to(pos, (K, len(cut))), axis=1)
            wi = None if w is None else w[idx]
            E, _ = stack.loss_and_grad(X[idx], T[idx], loss, reduction, wi, out=grad)
            if reduction == "mean":  # weight each batch by its share of samples / sample weight
                share = (np.full(K, idx.shape[-1] / n_train) if w is None else
                         np.broadcast_to(wi.sum(axis=-1) / w[train].sum(axis=1), (K,)))
                E = E * share
            if decay is not None:
                E = E + 0.5 * weight_decay * np.einsum("kp,kp->k", stack.params ** 2,
                                                       np.broadcast_to(stack.weight_mask, (K, P))
                                                       ) / len(cuts)
                grad += decay * stack.params
            total += E
            for (opt, rows), state in zip(groups, states):
                if isinstance(rows, slice):
                    step, _ = opt.update(grad, state, stack.params)
                    stack.params += step
                else:
                    step, _ = opt.update(grad[rows], state, stack.params[rows])
                    stack.params[rows] += step
            history["n_iterations"] += 1
        history["loss"].append(total)
        if val is not None:
            history["val_loss"].append(stack.loss(X[val], T[val], loss, reduction))
        history["n_epochs"] = epoch
        if callback is not None and callback(epoch, stack):
            break
    history["loss"] = np.array(history["loss"]).reshape(-1, K)
    if val is not None:
        history["val_loss"] = np.array(history["val_loss"]).reshape(-1, K)
    return history


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_T = np.array([[0], [1], [1], [0]], dtype=np.float64)


class SeedStudy:
    """Outcome of :func:`xor_seed_study`: which initialisations reached a solution, and when."""

    def __init__(self, random_states: list, solved: np.ndarray, epochs_to_solve: np.ndarray,
                 final_loss: np.ndarray, outputs: np.ndarray, history: dict[str, Any]):
        self.random_states, self.solved, self.epochs_to_solve = random_states, solved, epochs_to_solve
        self.final_loss, self.outputs, self.history = final_loss, outputs, history

    @property
    def n_networks(self) -> int:
        return len(self.solved)

    @property
    def n_solved(self) -> int:
        return int(self.solved.sum())

    def __repr__(self) -> str:
        return (f"SeedStudy({self.n_solved} of {self.n_networks} solved, "
                f"{self.n_networks - self.n_solved} stuck)")


def xor_seed_study(n_networks: int = 256, *, hidden: int = 2, activation: str = "sigmoid",
                   init: str = "uniform", optimizer: str | optim.Optimizer = "sgd",
                   learning_rate: float | Sequence[float] = 2.0, epochs: int = 5000,
                   batch_size: int | str | None = None, shuffle: bool = False,
                   tolerance: float = 0.1, check_every: int = 10,
                   random_states: Sequence[int] | None = None) -> SeedStudy:
    """How often does the 2-H-1 network learn XOR from a random start?

    Trains ``n_networks`` networks (seeds ``0 .. n_networks - 1`` unless
    ``random_states`` is given) together on the four XOR patterns with
    E = 1/2 sum (z - t)^2; a network *solves* XOR when every |z - t| <
    ``tolerance`` (checked every ``check_every`` epochs; training stops once
    all have).  The rest sit in a local minimum or on a plateau.
    """
    seeds = list(range(n_networks)) if random_states is None else list(random_states)
    stack = NetworkStack([2, hidden, 1], activation, init=init, random_states=seeds)
    first = np.full(len(seeds), -1)

    def check(epoch: int, s: NetworkStack) -> bool:
        if epoch % check_every == 0:
            ok = np.all(np.abs(s.forward(XOR_X) - XOR_T) < tolerance, axis=(1, 2))
            first[ok & (first < 0)] = epoch
            return bool(ok.all())
        return False

    history = fit_many(stack, XOR_X, XOR_T, optimizer=optimizer, learning_rate=learning_rate,
                       epochs=epochs, batch_size=batch_size, shuffle=shuffle, callback=check)
    z = stack.forward(XOR_X)
    solved = np.all(np.abs(z - XOR_T) < tolerance, axis=(1, 2))
    return SeedStudy(seeds, solved, first, stack.loss(XOR_X, XOR_T), z[:, :, 0], history)
