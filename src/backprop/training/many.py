"""Many networks at once: K trainings of one architecture through the one training loop.

``fit_many(stack, X, T, ...)`` is ``Trainer(...).fit(stack, X, T)``: the
trainer accepts a :class:`~backprop.NetworkStack` and runs its
K networks as K independent runs of its own rules (see ``docs/many-networks.md``).
Run k has its own generator ``rng_k = np.random.default_rng(seed_k)``: it draws
run k's validation split first (stratified for class targets, exactly as for
one network), then one permutation per epoch; iteration i of every run is
computed together, run k's batch gathered as ``X[idx_k]`` into a
``(K, B, n_in)`` array.  Losses, best epochs and patience are per network
(arrays of shape ``(K,)``); a network that stops early or diverges is frozen
(its step masked to zero) while its generator keeps drawing, so the others
are unaffected.  Network k therefore ends exactly where
``backprop.fit(network_k, X, T, random_state=seed_k, ...)`` ends.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import optim
from ..stack import NetworkStack
from .diagnosis import ConvergenceWarning
from .history import History
from .trainer import Trainer

__all__ = ["NetworkStack", "fit_many", "xor_seed_study", "SeedStudy"]


def fit_many(stack: NetworkStack, X: np.ndarray, T: np.ndarray, *,
             optimizer: str | optim.Optimizer | Sequence[str | optim.Optimizer] = "sgd",
             learning_rate: float | Sequence[float] | None = None, epochs: int = 100,
             batch_size: int | str | None = None, loss: str = "squared_error",
             reduction: str = "sum", sample_weight: np.ndarray | None = None,
             random_state: int | Sequence[int | None] | None = None,
             callback: Callable[[int, NetworkStack], bool | None] | None = None,
             resume: bool | str = False, **options: Any) -> History:
    """Train the K networks of ``stack`` together; each exactly as if trained alone.

    Parameters
    ----------
    optimizer : name, Optimizer, or a sequence of K of them
        Element-wise (first-order) optimizers; networks with equal settings are updated together.
    learning_rate : float or sequence of K floats, optional
        Overrides the optimizer's rate; a sequence gives each network its own.
    batch_size : int, "full" or None
        1 is online learning, None / "full" batch learning.
    reduction : "sum" (the lecture's E, the default here) or "mean"
    random_state : int or sequence of K seeds, optional
        The seed of each run's generator; default ``stack.random_states``; one int gives
        every run the same generator (the same split and order, as K single runs with it).
    callback : callable, optional
        ``callback(epoch, stack)`` after each epoch; returning True stops.
    resume : bool or path
        As for :func:`backprop.fit`: continue from ``checkpoint_path`` (or PATH).
    **options
        Any other :class:`~backprop.Trainer` option (``validation_fraction``,
        ``early_stopping``, ``schedule``, ``clip_grad_norm``, ``checkpoint_path``, ...).

    Returns
    -------
    History
        Columns hold one value per network (``history["loss"]`` has shape ``(epochs, K)``);
        ``stop_reasons`` and ``epochs_trained`` tell each network's own end.
    """
    params = dict(options.pop("optimizer_params", None) or {})
    if learning_rate is not None:
        params["learning_rate"] = learning_rate
    callbacks = list(options.pop("callbacks", ()) or ())
    if callback is not None:
        callbacks.append(lambda event: callback(event.epoch, event.net))
    options.setdefault("progress", False)
    trainer = Trainer(optimizer=optimizer, optimizer_params=params or None, epochs=epochs,
                      batch_size=batch_size, loss=loss, reduction=reduction,
                      random_state=random_state, callbacks=callbacks, **options)
    return trainer.fit(stack, X, T, sample_weight=sample_weight, resume=resume)


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_T = np.array([[0], [1], [1], [0]], dtype=np.float64)


class SeedStudy:
    """Outcome of :func:`xor_seed_study`: which initialisations reached a solution, and when."""

    def __init__(self, random_states: list, solved: np.ndarray, epochs_to_solve: np.ndarray,
                 final_loss: np.ndarray, outputs: np.ndarray, history: History):
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

    with warnings.catch_warnings():  # stuck networks are what the study counts, not a problem
        warnings.simplefilter("ignore", ConvergenceWarning)
        history = fit_many(stack, XOR_X, XOR_T, optimizer=optimizer, learning_rate=learning_rate,
                           epochs=epochs, batch_size=batch_size, shuffle=shuffle, callback=check)
    z = stack.forward(XOR_X)
    solved = np.all(np.abs(z - XOR_T) < tolerance, axis=(1, 2))
    return SeedStudy(seeds, solved, first, stack.loss(XOR_X, XOR_T), z[:, :, 0], history)
