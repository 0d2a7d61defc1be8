"""Parameters live in one flat vector; W and b are views into it."""

import copy
import pickle

import numpy as np

from backprop import Network


def shares(a, b):
    return np.shares_memory(a, b)


def test_layers_are_views_of_params():
    net = Network([3, 4, 2], random_state=0)
    assert net.params.ndim == 1 and net.params.flags.c_contiguous
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    for layer in net.layers:
        assert shares(layer.W, net.params) and shares(layer.b, net.params)
    assert net.layers[0].W.shape == (4, 3) and net.layers[1].W.shape == (2, 4)


def test_writes_through_params_reach_layers_and_back():
    net = Network([3, 4, 2], random_state=0)
    net.params[:] = np.arange(net.n_params)
    assert net.layers[0].W[1, 2] == 1 * 3 + 2  # row-major: W[j, k] at j * n_in + k
    assert net.layers[0].b[0] == 12 and net.layers[1].W[0, 0] == 16
    net.layers[1].b[1] = -7.0
    assert net.params[-1] == -7.0
    net.params += 1.0
    assert net.layers[1].b[1] == -6.0
    params = net.params
    net.params[...] = 0.5
    assert net.params is params and np.all(net.layers[0].W == 0.5)


def test_orientation_matches_torch_linear():
    import torch
    net = Network([3, 2], activation="identity", random_state=0)
    lin = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(net.layers[0].W))
        lin.bias.copy_(torch.tensor(net.layers[0].b))
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(net.forward(X), lin(torch.tensor(X)).detach().numpy(), rtol=1e-14)


def test_copies_do_not_share_memory():
    net = Network([2, 3, 1], random_state=0)
    for other in (net.copy(), copy.copy(net), copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert not shares(other.params, net.params)
        np.testing.assert_array_equal(other.params, net.params)
        for layer in other.layers:  # the copy's views point into the copy's own vector
            assert shares(layer.W, other.params) and not shares(layer.W, net.params)
        other.params[0] += 1
        assert other.params[0] != net.params[0] and other.layers[0].W[0, 0] == other.params[0]


def test_gradient_views_and_out_buffer():
    net = Network([2, 3, 1], random_state=0)
    buf = np.empty_like(net.params)
    E, g = net.loss_and_grad(np.ones((4, 2)), np.zeros(4), out=buf)
    assert g is buf
    (dW1, db1), (dW2, db2) = net.unflatten(g)
    assert shares(dW1, buf) and dW1.shape == (3, 2) and dW2.shape == (1, 3)


def test_training_writes_in_place():
    net = Network([2, 2, 1], random_state=0)
    params, W = net.params, net.layers[0].W
    g = np.empty_like(params)
    for _ in range(5):
        net.loss_and_grad(np.eye(2), [1, 0], out=g)
        net.params -= 0.5 * g
    assert net.params is params and shares(W, net.params)


def test_reset_is_reproducible_and_in_place():
    a, b = Network([2, 5, 1], random_state=7), Network([2, 5, 1], random_state=7)
    np.testing.assert_array_equal(a.params, b.params)
    params = a.params
    a.reset(8)
    assert a.params is params and not np.array_equal(a.params, b.params)
    a.reset(7)
    np.testing.assert_array_equal(a.params, b.params)
