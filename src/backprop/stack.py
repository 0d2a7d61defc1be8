"""K networks of one architecture in one array: a :class:`~backprop.Network` with a model axis.

Network k's parameters are row k of ``params`` (shape ``(K, P)``, each row
in the layout of :attr:`backprop.Network.params`); layer l's weights are the
view ``W[l]`` of shape ``(K, n_out, n_in)``.  Forward and backward are the
network's own (``network.py``), each matrix product batched over k:

    s_k = y_k W_k^T + b_k                   (K, n, n_out)
    dE/dW_k = delta_k^T y_k                 (K, n_out, n_in)
    delta_k(l-1) = (delta_k W_k) * g'(y_k)

so seed studies and optimizer comparisons run K trainings in one pass.
Inputs are shared (``(n, n_in)``) or per model (``(K, n, n_in)``, e.g.
each model's own mini-batch); so are targets and sample weights.  ``loss``
and ``loss_and_grad`` return E of shape ``(K,)`` and the gradient ``(K, P)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._errors import ConfigError
from .network import Network, _draw

__all__ = ["NetworkStack"]


class NetworkStack(Network):
    """K independent networks with the same architecture, stored as one ``(K, P)`` array.

    Parameters
    ----------
    layer_sizes, activation, output_activation, init, dtype
        As for :class:`backprop.Network`.
    random_states : int or sequence
        One seed (or Generator) per network: row k of ``params`` equals
        ``Network(..., random_state=random_states[k]).params``.  An int K
        means the seeds ``0, 1, ..., K - 1``.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str | Sequence[str] = "sigmoid",
                 output_activation: str | None = None, init: str = "uniform",
                 random_states: int | Sequence[int | np.random.Generator | None] = 1,
                 dtype: type | np.dtype = np.float64):
        if isinstance(random_states, (int, np.integer)) and not isinstance(random_states, bool):
            seeds: list = list(range(int(random_states)))
        else:
            seeds = list(random_states)
        if not seeds:
            raise ConfigError("random_states must name at least one network (an int K >= 1 or a list)")
        self._build(layer_sizes, activation, output_activation, init, dtype, (len(seeds),))
        self.random_states = seeds
        self.reset()

    def reset(self, random_states: Sequence | None = None) -> "NetworkStack":
        """Draw every network's initial weights again (default: from ``random_states``)."""
        for row, seed in zip(self.params, self.random_states if random_states is None else random_states):
            _draw(self, row, seed)
        return self

    @property
    def template(self) -> Network:
        """One network of this architecture (its weights are scratch): the input checks of
        shared data, and a place to trace one row's parameters."""
        if getattr(self, "_template", None) is None:
            self._template = Network(self.layer_sizes, self.activations, init=self.init,
                                     random_state=0, dtype=self.dtype)
        return self._template

    @property
    def n_networks(self) -> int:
        return self.params.shape[0]

    def __len__(self) -> int:
        return self.n_networks

    @property
    def W(self) -> list[np.ndarray]:
        """Per-layer weight views, each ``(K, n_out, n_in)``."""
        return [layer.W for layer in self.layers]

    @property
    def b(self) -> list[np.ndarray]:
        """Per-layer bias views, each ``(K, n_out)``."""
        return [layer.b for layer in self.layers]

    def network(self, k: int) -> Network:
        """Network k as an independent :class:`~backprop.Network` (a copy of its weights)."""
        net = self.template.copy()
        net.params[...] = self.params[k]
        return net

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "random_states": list(self.random_states)}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.random_states = list(state["random_states"])

    def __repr__(self) -> str:
        return (f"NetworkStack(K={self.n_networks}, {list(self.layer_sizes)}, "
                f"activations={self.activations}, dtype={self.dtype.name})")
