"""Explain mode: the library call and the command line."""

import json

import numpy as np
import pytest

from backprop import ConfigError, Network
from backprop.explain import explain
from conftest import run_cli

LECTURE_NAMES = ["u1", "u2", "y1", "y2", "s", "z", "E", "dE/dz", "dz/ds", "ds/dv1", "ds/dv2", "ds/dc",
                 "ds/dy1", "ds/dy2", "dy1/du1", "dy2/du2", "du1/dw11", "du1/dw12", "du1/db1",
                 "du2/dw21", "du2/dw22", "du2/db2"]


@pytest.mark.parametrize("act,loss", [("sigmoid", "squared_error"), ("tanh", "squared_error"),
                                      ("sigmoid", "binary_cross_entropy")])
def test_lecture_network_chain_products_equal_backprop(act, loss):
    net = Network([2, 2, 1], activation=act, output_activation="sigmoid", random_state=3)
    e = explain(net, [1, 0], [1], loss=loss)
    assert e.lecture_names
    for name in LECTURE_NAMES:
        e[name]  # every lecture name is present
    assert [g.name for g in e.gradients] == ["dE/dw11", "dE/dw12", "dE/dw21", "dE/dw22", "dE/db1",
                                             "dE/db2", "dE/dv1", "dE/dv2", "dE/dc"]
    _, grad = net.loss_and_grad([[1, 0]], [1], loss=loss)
    for g, ref in zip(e.gradients, grad):
        assert g.product == pytest.approx(ref, rel=1e-12, abs=1e-15)
        assert g.backprop == ref
        assert g.finite_difference == pytest.approx(ref, abs=1e-8)


def test_general_network_layer_by_layer():
    net = Network([3, 4, 3, 2], activation="relu", output_activation="softmax", random_state=1)
    e = explain(net, [0.5, -1, 2], [0, 1], loss="cross_entropy")
    assert not e.lecture_names
    _, grad = net.loss_and_grad([[0.5, -1, 2]], [[0, 1]], loss="cross_entropy")
    assert len(e.gradients) == net.n_params
    np.testing.assert_allclose([g.product for g in e.gradients], grad, rtol=1e-12, atol=1e-15)
    assert e.max_fd_error() < 1e-7
    assert "delta[3][2]" in str(e) and "dE/dW[2][3,4]" in e.to_json()


def test_float32_network_is_explained_in_float64():
    net = Network([2, 2, 1], dtype=np.float32, random_state=0)
    e = explain(net, [1, 1], [0])
    assert e.max_fd_error() < 1e-8


def test_finite_differences_for_none_or_for_chosen_parameters_only():
    net = Network([3, 4, 2], activation="tanh", output_activation="sigmoid", random_state=2)
    x, t = [0.5, -1, 2], [0, 1]
    full = explain(net, x, t)
    none = explain(net, x, t, finite_differences=False)
    assert all(g.finite_difference is None for g in none.gradients) and none.max_fd_error() is None
    assert "finite difference =" not in str(none) and '"finite_difference": null' in none.to_json()
    assert [g.backprop for g in none.gradients] == [g.backprop for g in full.gradients]
    some = explain(net, x, t, finite_differences=[7, "b[2][1]", "dE/dW[1][1,2]", 7])
    picked = {i for i, g in enumerate(some.gradients) if g.finite_difference is not None}
    assert picked == {1, 7, 24}              # W[1][1,2] is index 1; b[2][1] follows 12 + 4 + 8 others
    for i in picked:
        assert some.gradients[i].finite_difference == full.gradients[i].finite_difference
    assert some.max_fd_error() == max(abs(full.gradients[i].backprop - full.gradients[i].finite_difference)
                                      for i in picked)
    lecture = explain(Network([2, 2, 1], random_state=0), [1, 0], [1], finite_differences="v2")
    assert [g.name for g in lecture.gradients if g.finite_difference is not None] == ["dE/dv2"]
    for bad in (["W[9][1,1]"], [26], [True]):
        with pytest.raises(ConfigError, match=r"finite_differences: unknown parameter .*flat indices "
                                              r"in \[0, 25\] or names such as W\[1\]\[1,1\]"):
            explain(net, x, t, finite_differences=bad)


def test_cli_table_uses_lecture_names():
    r = run_cli("explain", "--layers", "2,2,1", "--activation", "sigmoid", "--x", "1,0", "--t", "1",
                "--seed", "0")
    assert r.returncode == 0, r.stderr
    for name in ["u1", "y2", "dE/dz", "dz/ds", "ds/dv1", "dy1/du1", "du1/dw11",
                 "dE/dw11 = dE/dz * dz/ds * ds/dy1 * dy1/du1 * du1/dw11"]:
        assert name in r.stdout


def test_cli_json_matches_library():
    weights = "0.3,-0.8,1.2,0.4,0.1,-0.5,0.7,-1.1,0.2"
    r = run_cli("explain", "--x", "0,1", "--t", "1", "--weights", weights, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    net = Network([2, 2, 1])
    net.params[...] = [float(w) for w in weights.split(",")]
    e = explain(net, [0, 1], [1])
    assert data["E"] == e.E and data["forward"]["z"]["value"] == e["z"]
    assert data["gradients"]["dE/dw12"]["chain"] == ["dE/dz", "dz/ds", "ds/dy1", "dy1/du1", "du1/dw12"]
    assert data["gradients"]["dE/dw12"]["backprop"] == e["dE/dw12"]


@pytest.mark.parametrize("args,message,code", [
    (["--x", "1,0", "--t", "1", "--weights", "1,2"], "--weights has 2 values", 1),
    (["--x", "1,0,1", "--t", "1"], "x has 3 values; the network has 2 inputs", 1),
    (["--x", "1,zero", "--t", "1"], "expected a comma-separated list of numbers", 2),
    (["--x", "1,0", "--t", "1", "--activation", "sigmoidal"], "invalid choice: 'sigmoidal'", 2),
    (["--x", "1,0", "--t", "1", "--layers", "2,0,1"], "--layers: each value must be an integer in [1, inf)", 2),
    (["--x", "1,0", "--t", "1", "--layers", "2"], "at least an input and an output size", 1),
    (["--t", "1"], "the following arguments are required: --x", 2),
])
def test_cli_bad_input_is_one_line(args, message, code):
    r = run_cli("explain", *args)
    assert r.returncode == code
    assert message in r.stderr and "Traceback" not in r.stderr
