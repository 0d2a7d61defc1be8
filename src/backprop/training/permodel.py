"""Optimizers for K networks at once: one shared rule, per-model rates, or K different rules.

Every element-wise optimizer already runs on a ``(K, P)`` parameter array
with ``state["learning_rate"]`` a float or a ``(K, 1)`` array.  For a
:class:`~backprop.NetworkStack` the trainer therefore

* keeps ``state["learning_rate"]`` as a ``(K, 1)`` array (row k is network
  k's rate; a schedule scales every row from its own eta0);
* accepts ``optimizer_params={"learning_rate": [eta_1, ..., eta_K]}`` (or one
  rate, which then also overrides the rate of an ``Optimizer`` instance);
* accepts ``optimizer=[opt_1, ..., opt_K]`` (names or instances): networks with
  equal settings form a group and :class:`PerModel` updates each group on
  its rows, so network k follows ``opt_k`` exactly.

One network takes per-parameter rates the same way: ``optimizer_params=
{"learning_rate": rates}`` with ``rates`` of shape ``(P,)`` in the layout of
``net.params`` (e.g. eta / fan-in per layer) becomes ``state["learning_rate"]``;
the element-wise update broadcasts it over the parameters.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np

from .. import optim
from .._errors import ConfigError, check_range
from ..optim.base import Optimizer, State

__all__ = ["PerModel", "resolve_optimizer", "set_rates", "stack_rates", "seeds_of"]


class PerModel(Optimizer):
    """K networks, each with its own optimizer: groups of equal settings updated on their rows.

    ``state["groups"]`` holds each group's own state; ``state["learning_rate"]`` is the
    ``(K, 1)`` array of rates, copied into each group's state before its update.
    """

    name = "per_model"
    defaults = {"optimizers": ()}

    def _check(self) -> None:
        opts = [optim.get(o) for o in self.optimizers]
        if not opts:
            raise ConfigError("PerModel needs one optimizer per network")
        for o in opts:
            if o.needs_oracle or o.full_batch_only:
                raise ConfigError(f"{o.name} trains one network at a time; a list of optimizers "
                                  "for a NetworkStack takes element-wise (first-order) ones only")
        by_setting: dict[str, list[int]] = {}
        for k, o in enumerate(opts):
            by_setting.setdefault(repr(o), []).append(k)
        self.optimizers = tuple(opts)
        self.hyperparameters = {"optimizers": [repr(o) for o in opts]}
        self.groups = [(opts[rows[0]], np.array(rows)) for rows in by_setting.values()]

    def init(self, params: np.ndarray) -> State:
        if params.ndim != 2 or params.shape[0] != len(self.optimizers):
            raise ConfigError(f"got {len(self.optimizers)} optimizers for "
                              f"{params.shape[0] if params.ndim == 2 else 1} networks; "
                              "give one, or one per network")
        lr = np.empty((params.shape[0], 1), params.dtype)
        states = []
        for opt, rows in self.groups:
            s = opt.init(params[rows])
            lr[rows] = np.reshape(s["learning_rate"], (-1, 1))
            states.append(s)
        return {"t": 0, "learning_rate": lr, "step": np.zeros_like(params), "groups": states}

    def update(self, grad, state, params, oracle=None):
        state["t"] += 1
        step = state["step"]
        for i, (opt, rows) in enumerate(self.groups):
            s = state["groups"][i]
            s["learning_rate"] = state["learning_rate"][rows]
            part, state["groups"][i] = opt.update(grad[rows], s, params[rows])
            step[rows] = part
        return step, state


def _rates(lr: Any, K: int | None) -> np.ndarray:
    try:
        rates = np.asarray(lr, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"learning_rate must be a number or an array of numbers, got {lr!r}") from None
    if rates.ndim > 1 or (K is not None and rates.ndim == 1 and rates.size != K):
        raise ConfigError(f"learning_rate must be one rate or one per network ({K}), "
                          f"got shape {rates.shape}")
    if not np.all(rates > 0) or not np.all(np.isfinite(rates)):  # say which one is out of range
        for v in rates.ravel().tolist():
            check_range("learning_rate", v, 0.0, None, True)
    return rates


def resolve_optimizer(optimizer: Any, params: dict | None,
                      K: int | None) -> tuple[Optimizer, np.ndarray | None]:
    """``(optimizer, rates)`` for the trainer's options; ``K`` is None for one network.

    ``rates`` is None, or the learning rates to write into the state: ``(K, 1)`` for a stack,
    the per-parameter ``(P,)`` array of one network (checked against P by :func:`set_rates`).
    With ``K=None`` and a list of optimizers (checked before the network is known), the
    entries are validated one by one and ``(None, None)`` is returned.
    """
    params = dict(params or {})
    listed = isinstance(optimizer, (list, tuple))
    per_rate = np.ndim(params.get("learning_rate", 0.0)) > 0
    if K is None and not (listed or per_rate):
        return optim.get(optimizer, **params), None
    lr = params.pop("learning_rate", None)
    rates = None if lr is None else _rates(lr, K)
    if listed:
        opt: Optimizer = PerModel(optimizers=tuple(optim.get(o, **params) for o in optimizer))
    else:  # on a stack the rates override the optimizer's own (also an instance's)
        opt = optim.get(optimizer, **params)
    if K is None:
        return (None, None) if listed else (opt, rates)  # type: ignore[return-value]
    if listed and len(optimizer) != K:
        raise ConfigError(f"got {len(optimizer)} optimizers for {K} networks; give one, or one per network")
    if rates is not None:
        rates = np.broadcast_to(rates, (K,)).reshape(K, 1).copy()
    return opt, rates


def set_rates(state: State, rates: np.ndarray | None, opt: Optimizer, net: Any) -> None:
    """Write the rates of :func:`resolve_optimizer` into ``state`` (a stack: always ``(K, 1)``)."""
    if net.params.ndim == 2:
        stack_rates(state, rates, net.params.shape[0], net.dtype)
        return
    if rates is None:
        return
    if opt.needs_oracle:
        raise ConfigError(f"per-parameter learning rates need an element-wise optimizer; {opt.name} "
                          "takes one learning_rate")
    if rates.shape != net.params.shape:
        raise ConfigError(f"learning_rate must be one rate or one per parameter ({net.params.size}), "
                          f"got shape {rates.shape}")
    state["learning_rate"] = rates.astype(net.dtype)


def stack_rates(state: State, rates: np.ndarray | None, K: int, dtype: np.dtype) -> None:
    """Make ``state["learning_rate"]`` the ``(K, 1)`` array of per-network rates."""
    lr = state["learning_rate"] if rates is None else rates
    state["learning_rate"] = np.array(np.broadcast_to(np.reshape(lr, (-1, 1)), (K, 1)), dtype=dtype)


def seeds_of(random_state: Any, stack: Any) -> Sequence[Any]:
    """One generator seed per network: None -> the stack's own seeds; a sequence of K; else
    the same seed for every network (each run then draws what the single run would)."""
    K = stack.n_networks
    if random_state is None:
        return list(stack.random_states)
    if isinstance(random_state, (list, tuple, np.ndarray)):
        if len(random_state) != K:
            raise ConfigError(f"got {len(random_state)} random states for {K} networks; "
                              "give one seed, or one per network")
        return list(random_state)
    if isinstance(random_state, np.random.Generator):
        return [copy.deepcopy(random_state) for _ in range(K)]
    return [random_state] * K
