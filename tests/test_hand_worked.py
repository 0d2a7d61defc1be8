"""The lecture's 2-2-1 network worked by hand: every intermediate number asserted.

Weights chosen so that every value is an exact binary fraction:
x = (1, 1), t = 1;  w11 = 1, w12 = -1, b1 = 0;  w21 = 0.5, w22 = 0.5, b2 = -1;
v1 = 2, v2 = -2, c = 0.  Then u1 = u2 = 0, y1 = y2 = 1/2, s = 0, z = 1/2, E = 1/8.
"""

import math

import numpy as np
import pytest

from backprop import Network
from backprop.explain import explain

WEIGHTS = [1, -1, 0.5, 0.5, 0, -1, 2, -2, 0]  # w11 w12 w21 w22 b1 b2 v1 v2 c


@pytest.fixture
def net():
    net = Network([2, 2, 1], activation="sigmoid")
    net.params[...] = WEIGHTS
    return net


def test_forward_values(net):
    e = explain(net, [1, 1], [1])
    expected = {"u1": 0.0, "u2": 0.0, "y1": 0.5, "y2": 0.5, "s": 0.0, "z": 0.5, "E": 0.125}
    for name, value in expected.items():
        assert e[name] == value, name


def test_every_partial_derivative(net):
    e = explain(net, [1, 1], [1])
    expected = {
        "dE/dz": -0.5, "dz/ds": 0.25, "dE/ds": -0.125,
        "ds/dv1": 0.5, "ds/dv2": 0.5, "ds/dc": 1.0, "ds/dy1": 2.0, "ds/dy2": -2.0,
        "dy1/du1": 0.25, "dy2/du2": 0.25,
        "du1/dw11": 1.0, "du1/dw12": 1.0, "du1/db1": 1.0, "du2/dw21": 1.0, "du2/dw22": 1.0,
        "du2/db2": 1.0,
        # dE/dv_j = dE/ds * y_j ; dE/dw_jk = dE/ds * v_j * g'(u_j) * x_k
        "dE/dv1": -0.0625, "dE/dv2": -0.0625, "dE/dc": -0.125,
        "dE/dw11": -0.0625, "dE/dw12": -0.0625, "dE/db1": -0.0625,
        "dE/dw21": 0.0625, "dE/dw22": 0.0625, "dE/db2": 0.0625,
    }
    for name, value in expected.items():
        assert e[name] == value, name
    for g in e.gradients:
        assert g.product == g.backprop
        assert abs(g.finite_difference - g.backprop) < 1e-9


def test_gradient_layout_matches_lecture_names(net):
    _, g = net.loss_and_grad([[1, 1]], [1])
    (dW, db), (dV, dc) = net.unflatten(g)
    assert dW.tolist() == [[-0.0625, -0.0625], [0.0625, 0.0625]]
    assert db.tolist() == [-0.0625, 0.0625]
    assert dV.tolist() == [[-0.0625, -0.0625]] and dc.tolist() == [-0.125]


def test_second_example_against_the_equations_by_hand():
    """A non-symmetric example: the lecture's equations evaluated with math, line by line."""
    w11, w12, w21, w22, b1, b2, v1, v2, c = 0.3, -0.8, 1.2, 0.4, 0.1, -0.5, 0.7, -1.1, 0.2
    x1, x2, t = 0.0, 1.0, 1.0
    g = lambda a: 1 / (1 + math.exp(-a))
    u1, u2 = b1 + w11 * x1 + w12 * x2, b2 + w21 * x1 + w22 * x2
    y1, y2 = g(u1), g(u2)
    s = c + v1 * y1 + v2 * y2
    z = g(s)
    E = 0.5 * (z - t) ** 2
    dEds = (z - t) * z * (1 - z)
    hand = {"u1": u1, "u2": u2, "y1": y1, "y2": y2, "s": s, "z": z, "E": E,
            "dE/dv1": dEds * y1, "dE/dv2": dEds * y2, "dE/dc": dEds,
            "dE/dw11": dEds * v1 * y1 * (1 - y1) * x1, "dE/dw12": dEds * v1 * y1 * (1 - y1) * x2,
            "dE/dw21": dEds * v2 * y2 * (1 - y2) * x1, "dE/dw22": dEds * v2 * y2 * (1 - y2) * x2,
            "dE/db1": dEds * v1 * y1 * (1 - y1), "dE/db2": dEds * v2 * y2 * (1 - y2)}
    net = Network([2, 2, 1])
    net.params[...] = [w11, w12, w21, w22, b1, b2, v1, v2, c]
    e = explain(net, [x1, x2], [t])
    for name, value in hand.items():
        assert e[name] == pytest.approx(value, rel=1e-13, abs=1e-15), name


def test_tanh_derivative_from_output():
    net = Network([2, 2, 1], activation="tanh")
    net.params[...] = [0.3, -0.8, 1.2, 0.4, 0.1, -0.5, 0.7, -1.1, 0.2]
    e = explain(net, [1, 0], [0.5])
    assert e["dy1/du1"] == pytest.approx(1 - e["y1"] ** 2)
    assert e["dz/ds"] == pytest.approx(1 - e["z"] ** 2)
    assert e.max_fd_error() < 1e-8
