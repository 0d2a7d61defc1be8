"""The trainer's hot path allocates nothing of the parameter vector's size per iteration."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from backprop import Network, fit, optim
from backprop.training import Callback

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


class PeakAfterWarmup(Callback):
    """From iteration ``start`` on, the largest traced memory above the level at that point."""

    def __init__(self, start: int = 3):
        self.start, self.base, self.extra = start, None, 0

    def on_iteration_end(self, event):
        if event.iteration == self.start:
            tracemalloc.reset_peak()
            self.base = tracemalloc.get_traced_memory()[0]
        elif self.base is not None:
            self.extra = max(self.extra, tracemalloc.get_traced_memory()[1] - self.base)


@pytest.mark.parametrize("optimizer,params", [
    ("sgd", {"learning_rate": 1e-3}),
    ("sgd", {"learning_rate": 1e-3, "momentum": 0.9}),
    ("sgd", {"learning_rate": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("adam", {"learning_rate": 1e-4}),
], ids=["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("extras", [{}, {"weight_decay": 1e-4, "clip_grad_norm": 1.0}],
                         ids=["plain", "decay+clip"])
def test_iterations_allocate_no_parameter_sized_arrays(optimizer, params, extras):
    rng = np.random.default_rng(0)
    net = Network([1000, 1000, 1], "tanh", "identity", random_state=0)   # ~1e6 parameters
    assert net.n_params > 1_000_000
    X, T = rng.normal(size=(16, 1000)), rng.normal(size=(16, 1))
    probe = PeakAfterWarmup()
    tracemalloc.start()
    try:
        hist = fit(net, X, T, optimizer=optimizer, optimizer_params=params, batch_size=4,
                   epochs=3, random_state=0, callbacks=[probe], progress=False, **extras)
    finally:
        tracemalloc.stop()
    assert hist.n_iterations == 12 and probe.base is not None
    # 9 iterations and 2 epoch ends after the warm-up: far below one copy of the parameters
    assert probe.extra < net.params.nbytes / 8, (probe.extra, net.params.nbytes)


OTHERS = [n for n in optim.available() if n not in ("sgd", "adam")
          and not (optim.get(n).needs_oracle or optim.get(n).full_batch_only)]


@pytest.mark.parametrize("optimizer", OTHERS)
def test_other_elementwise_optimizers_allocate_no_float_copies(optimizer):
    """rprop and quickprop build a few boolean masks (1 byte per weight); nothing else may."""
    rng = np.random.default_rng(0)
    net = Network([1000, 1000, 1], "tanh", "identity", random_state=0)
    X, T = rng.normal(size=(16, 1000)), rng.normal(size=(16, 1))
    probe = PeakAfterWarmup()
    tracemalloc.start()
    try:
        hist = fit(net, X, T, optimizer=optimizer, optimizer_params={"learning_rate": 1e-5},
                   batch_size=4, epochs=2, random_state=0, callbacks=[probe], progress=False)
    finally:
        tracemalloc.stop()
    assert hist.stop_reason == "max_epochs" and hist.n_iterations == 8
    limit = net.params.nbytes if optimizer in ("rprop", "quickprop") else net.params.nbytes / 8
    assert probe.extra < limit, (probe.extra, net.params.nbytes)
