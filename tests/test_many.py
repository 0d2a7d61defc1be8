"""K networks at once: each row of a NetworkStack behaves exactly as the network trained alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop import ConfigError, DataError, Network, activations, losses, optim
from backprop.training.batching import epoch_batches
from backprop.training.many import NetworkStack, fit_many, xor_seed_study

SIZES = [3, 4, 5, 2]
SEEDS = [3, 17, 2024, 5]


def _pairs():
    """Every (hidden, output, loss) combination the network accepts."""
    hidden = [a for a in activations.available() if activations.get(a).elementwise]
    out = []
    for i, o in enumerate(activations.available()):
        for name in losses.available():
            allowed = losses.get(name).outputs
            if allowed is None or o in allowed:
                out.append((hidden[i % len(hidden)], o, name))
    return out


def test_rows_are_the_seeded_networks_and_views_share_memory():
    stack = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    for k, seed in enumerate(SEEDS):
        np.testing.assert_array_equal(stack.params[k], Network(SIZES, "tanh", "sigmoid",
                                                               random_state=seed).params)
        np.testing.assert_array_equal(stack.network(k).params, stack.params[k])
    for (W, b), n_in, n_out in zip(stack.layers, SIZES[:-1], SIZES[1:]):
        assert W.shape == (4, n_out, n_in) and b.shape == (4, n_out)
        assert np.shares_memory(W, stack.params) and np.shares_memory(b, stack.params)
    stack.params[2] += 1.0
    np.testing.assert_array_equal(stack.network(2).unflatten(stack.network(2).params)[1][0],
                                  stack.W[1][2])
    assert NetworkStack([2, 2, 1], random_states=3).random_states == [0, 1, 2]
    with pytest.raises(ConfigError, match="at least one"):
        NetworkStack([2, 2, 1], random_states=[])


@pytest.mark.parametrize("hidden,output,loss", _pairs())
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_loss_and_grad_rows_equal_network(hidden, output, loss, reduction, rng):
    stack = NetworkStack(SIZES, hidden, output, random_states=SEEDS)
    n = 6
    X = rng.normal(size=(n, 3))
    T = rng.dirichlet(np.ones(2), n) if output == "softmax" else rng.random((n, 2))
    w = rng.random(n)
    XK = rng.normal(size=(4, n, 3))
    wK = rng.random((4, n))
    for Xs, Ts, ws in [(X, T, None), (X, T, w), (XK, T, wK), (XK, np.stack([T[::-1]] * 4), w)]:
        E, G = stack.loss_and_grad(Xs, Ts, loss, reduction, ws)
        assert E.shape == (4,) and G.shape == stack.params.shape
        np.testing.assert_allclose(stack.loss(Xs, Ts, loss, reduction, ws), E, rtol=0, atol=1e-12)
        Z = stack.forward(Xs)
        for k in range(4):
            net = stack.network(k)
            xk = Xs[k] if Xs.ndim == 3 else Xs
            tk = Ts[k] if Ts.ndim == 3 else Ts
            wk = None if ws is None else (ws[k] if ws.ndim == 2 else ws)
            e, g = net.loss_and_grad(xk, tk, loss, reduction, wk)
            assert abs(E[k] - e) <= 1e-12 * max(1.0, abs(e))
            np.testing.assert_allclose(G[k], g, rtol=0, atol=1e-12)
            np.testing.assert_allclose(Z[k], net.forward(xk), rtol=0, atol=1e-12)


def test_bad_inputs_are_data_errors(rng):
    stack = NetworkStack(SIZES, random_states=2)
    with pytest.raises(DataError, match="per-model X"):
        stack.forward(np.zeros((3, 5, 3)))
    with pytest.raises(DataError, match="shape"):
        stack.forward(np.zeros((5, 4)))
    with pytest.raises(DataError, match="per-model T"):
        stack.loss(np.zeros((5, 3)), np.zeros((2, 4, 2)))
    with pytest.raises(DataError, match=r"sample_weight must have shape \(5,\) or \(2, 5\)"):
        stack.loss(np.zeros((5, 3)), np.zeros((5, 2)), sample_weight=np.ones((3, 5)))


# --- training: the oracle is each network trained alone by a plain loop -----------------

def train_alone(net, X, T, opt, lr, epochs, batch_size, loss, reduction, shuffle, drop_last,
                weight_decay, validation_fraction, w, seed):
    """The trainer's rules for one network, written out plainly."""
    rng = np.random.default_rng(seed)
    n = len(X)
    if validation_fraction:
        n_val = min(max(1, math.ceil(validation_fraction * n)), n - 1)
        perm = rng.permutation(n)
        tr = np.sort(perm[n_val:])
    else:
        tr = np.arange(n)
    B = len(tr) if batch_size is None else min(batch_size, len(tr))
    state = opt.init(net.params)
    if lr is not None:
        state["learning_rate"] = lr
    mask = np.zeros_like(net.params)
    for W, _ in net.unflatten(mask):
        W[...] = 1.0
    grad = np.empty_like(net.params)
    for _ in range(epochs):
        for idx in epoch_batches(len(tr), B, rng, shuffle, drop_last):
            ii = tr[idx]
            net.loss_and_grad(X[ii], T[ii], loss, reduction, None if w is None else w[ii], out=grad)
            grad += weight_decay * mask * net.params
            step, state = opt.update(grad, state, net.params)
            net.params += step
    return net


def _first_order():
    names = [n for n in optim.available()
             if not (optim.get(n).needs_oracle or optim.get(n).full_batch_only)]
    return names


OPTIMIZERS = [("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.8, "nesterov": True}),
              ("sgd", {"momentum": 0.7, "lecture_form": True}),
              *[(n, {}) for n in _first_order() if n != "sgd"]]


@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=lambda v: str(v))
@pytest.mark.parametrize("batch_size,shuffle,drop_last", [(1, True, False), (4, True, False),
                                                          (4, True, True), (4, False, False),
                                                          (None, True, False)],
                         ids=["online", "mini", "mini-drop", "mini-ordered", "batch"])
def test_each_network_trains_as_if_alone(name, options, batch_size, shuffle, drop_last, rng):
    X = rng.normal(size=(10, 3))
    T = rng.random((10, 2))
    lrs = [0.05, 0.2, 0.01, 0.1]
    stack = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    opt = optim.get(name, **options)
    hist = fit_many(stack, X, T, optimizer=opt, learning_rate=lrs, epochs=3, batch_size=batch_size,
                    shuffle=shuffle, drop_last=drop_last, reduction="mean")
    assert hist["loss"].shape == (3, 4) and hist["n_epochs"] == 3
    for k, seed in enumerate(SEEDS):
        net = train_alone(Network(SIZES, "tanh", "sigmoid", random_state=seed), X, T,
                          optim.get(name, **options), lrs[k], 3, batch_size, "squared_error", "mean",
                          shuffle, drop_last, 0.0, None, None, seed)
        np.testing.assert_allclose(stack.params[k], net.params, rtol=0, atol=1e-12)
    assert np.shares_memory(stack.W[0], stack.params)


def test_mixed_optimizers_weight_decay_validation_and_weights(rng):
    """A list of optimizers (grouped by settings), weight decay, held-out data, sample weights."""
    X = rng.normal(size=(13, 3))
    T = rng.random((13, 2))
    w = rng.random(13)
    opts = [optim.get("sgd", learning_rate=0.1), optim.get("sgd", learning_rate=0.1, momentum=0.9),
            optim.get("sgd", learning_rate=0.1), optim.get("sgd", learning_rate=0.05, momentum=0.5)]
    stack = NetworkStack(SIZES, "sigmoid", random_states=SEEDS)
    hist = fit_many(stack, X, T, optimizer=opts, epochs=4, batch_size=3, weight_decay=0.01,
                    validation_fraction=0.25, sample_weight=w, random_state=[7, 8, 9, 10])
    assert hist["val_loss"].shape == (4, 4)
    for k, seed in enumerate(SEEDS):
        net = train_alone(Network(SIZES, "sigmoid", random_state=seed), X, T, opts[k], None, 4, 3,
                          "squared_error", "sum", True, False, 0.01, 0.25, w, [7, 8, 9, 10][k])
        np.testing.assert_allclose(stack.params[k], net.params, rtol=0, atol=1e-12)
        perm = np.random.default_rng([7, 8, 9, 10][k]).permutation(13)
        val = np.sort(perm[:4])
        assert hist["val_loss"][-1, k] == pytest.approx(net.loss(X[val], T[val]), rel=1e-12)


def test_epoch_loss_averages_the_batch_losses(rng):
    X, T = rng.normal(size=(7, 3)), rng.random((7, 2))
    stack = NetworkStack(SIZES, random_states=[1, 2])
    before = stack.params.copy()
    hist = fit_many(stack, X, T, optimizer=optim.get("sgd", learning_rate=0.0001), epochs=1,
                    batch_size=7, shuffle=False, reduction="mean")
    for k in range(2):  # one full batch: the epoch loss is the loss of the initial weights
        net = stack.network(k)
        net.params[...] = before[k]
        assert hist["loss"][0, k] == pytest.approx(net.loss(X, T, reduction="mean"), rel=1e-12)


def test_invalid_settings():
    X, T = np.zeros((4, 3)), np.zeros((4, 2))
    stack = NetworkStack(SIZES, random_states=2)
    with pytest.raises(ConfigError, match="3 optimizers for 2 networks"):
        fit_many(stack, X, T, optimizer=["sgd", "sgd", "sgd"])
    with pytest.raises(ConfigError, match="random states"):
        fit_many(stack, X, T, random_state=[1])
    with pytest.raises(ConfigError, match="learning_rate"):
        fit_many(stack, X, T, learning_rate=[0.1, -1.0])

    class LineSearch(optim.Optimizer):
        name, needs_oracle, full_batch_only = "line-search-test", True, True

    with pytest.raises(ConfigError, match="first-order optimizers only"):
        fit_many(stack, X, T, optimizer=LineSearch())


def test_xor_seed_study_counts_what_single_runs_find():
    """The study agrees, seed by seed, with the XOR demo's own one-network loop."""
    from backprop.demos.xor import train
    study = xor_seed_study(12, learning_rate=2.0, epochs=1500, tolerance=0.1)
    assert study.n_networks == 12 and 0 < study.n_solved <= 12
    for k in range(12):
        _, epochs, _, solved = train(k, 2.0, 1500, 0.1)
        assert study.epochs_to_solve[k] == (epochs if solved else -1)
    step = xor_seed_study(4, activation="step", epochs=20)
    assert step.n_solved == 0  # zero gradient: the step network never moves
