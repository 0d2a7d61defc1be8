"""Explain mode: the library call and the command line."""

import json
import re

import numpy as np
import pytest

from backprop import ConfigError, Network, activations, losses
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
        assert g.finite_difference == pytest.approx(ref, abs=1e-8)


@pytest.mark.parametrize("sizes,act,out,loss,t", [
    ([2, 2, 1], "sigmoid", "sigmoid", "squared_error", [1]),
    ([2, 2, 1], "tanh", "identity", "squared_error", [0.3]),
    ([2, 2, 1], "sigmoid", "sigmoid", "binary_cross_entropy", [0]),
    ([3, 4, 3, 2], "relu", "softmax", "cross_entropy", [0, 1]),
    ([3, 4, 2], "tanh", "sigmoid", "cross_entropy", [1, 0]),
])
def test_backprop_column_equals_torch_autograd(sizes, act, out, loss, t):
    """The backprop column is the network's gradient: checked against an independent autograd."""
    torch = pytest.importorskip("torch")  # noqa: F841
    from reference import torch_loss_and_grad
    net = Network(sizes, activation=act, output_activation=out, random_state=5)
    x = np.linspace(-1, 1.5, sizes[0])
    e = explain(net, x, t, loss=loss)
    E_t, g_t = torch_loss_and_grad(net, x[None, :], np.array(t, float)[None, :], loss)
    assert e.E == pytest.approx(E_t, rel=1e-12)
    np.testing.assert_allclose([g.backprop for g in e.gradients], g_t, rtol=1e-10, atol=1e-14)


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


# --- inputs and parameters, by name, before the forward pass --------------------------------------
def _printed(text: str, section: str) -> dict[str, float]:
    """name -> number of the rows of one section of the explain table."""
    body = text.split(f"\n{section}")[1].split("\n\n")[0]
    return {m[0]: float(m[1]) for m in re.findall(r"^  (\S+)\s+=\s+(\S+)", body, re.M)}


def test_parameters_printed_by_lecture_name_equal_the_networks():
    r = run_cli("explain", "--x", "1,0", "--t", "1", "--seed", "3")
    assert r.returncode == 0, r.stderr
    net = Network([2, 2, 1], random_state=3)
    params = _printed(r.stdout, "Parameters")
    assert list(params) == ["w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c"]
    np.testing.assert_allclose(list(params.values()), net.params, atol=5e-7)
    assert _printed(r.stdout, "Inputs") == {"x1": 1.0, "x2": 0.0, "t": 1.0}
    assert r.stdout.index("Parameters") < r.stdout.index("Forward pass")
    # a student's check by hand from the printed numbers: u1 = b1 + w11 x1 + w12 x2, s = c + v.y
    fwd = _printed(r.stdout, "Forward pass")
    p = params
    assert fwd["u1"] == pytest.approx(p["b1"] + p["w11"] * 1 + p["w12"] * 0, abs=2e-6)
    assert fwd["u2"] == pytest.approx(p["b2"] + p["w21"] * 1 + p["w22"] * 0, abs=2e-6)
    assert fwd["s"] == pytest.approx(p["c"] + p["v1"] * fwd["y1"] + p["v2"] * fwd["y2"], abs=3e-6)
    data = json.loads(run_cli("explain", "--x", "1,0", "--t", "1", "--seed", "3", "--json").stdout)
    assert [v["value"] for v in data["parameters"].values()] == net.params.tolist()
    assert data["parameters"]["v2"]["formula"] == "W[2][1,2], params[7]"
    assert data["inputs"] == {"x1": {"value": 1.0}, "x2": {"value": 0.0}, "t": {"value": 1.0}}


def test_parameters_of_a_bigger_network_by_layer_and_index():
    net = Network([3, 4, 2], activation="tanh", output_activation="softmax", random_state=2)
    e = explain(net, [1, 0, 2], [0, 1], loss="cross_entropy")
    names = [p.name for p in e.parameters]
    assert names[:4] == ["W[1][1,1]", "W[1][1,2]", "W[1][1,3]", "W[1][2,1]"]
    assert names[12:16] == ["b[1][1]", "b[1][2]", "b[1][3]", "b[1][4]"] and names[-1] == "b[2][2]"
    assert [p.value for p in e.parameters] == net.params.tolist()
    assert [g.name for g in e.gradients] == [f"dE/d{n}" for n in names]
    (W1, _), (_, b2) = net.unflatten(net.params)
    assert e["W[1][3,2]"] == W1[2, 1] and e["b[2][1]"] == b2[0] and e["x[3]"] == 2 and e["t[2]"] == 1
    printed = _printed(str(e), "Parameters")
    np.testing.assert_allclose(list(printed.values()), net.params, atol=5e-7)
    assert list(printed) == names


# --- the output delta's formula, for every output activation and loss the network accepts --------
DERIV = {"sigmoid": lambda z: z * (1 - z), "tanh": lambda z: 1 - z ** 2, "identity": np.ones_like,
         "relu": lambda z: (z > 0).astype(float), "step": np.zeros_like}
DZ = {  # the loss's dE/dz as the test writes it, by the formula explain prints
    "z - t": lambda z, t: z - t,
    "(z - t) / (z (1 - z))": lambda z, t: (z - t) / (z * (1 - z)),
    "-t / z": lambda z, t: -t / z,
}
PAIRS = [(a, l) for a in activations.available() for l in losses.available()
         if losses.get(l).outputs is None or a in losses.get(l).outputs]


def test_every_output_loss_pair_is_covered():
    assert len(PAIRS) == 10 and ("softmax", "cross_entropy") in PAIRS
    assert set(DERIV) | {"softmax"} == set(activations.available())


@pytest.mark.parametrize("out,loss", PAIRS, ids=[f"{a}+{l}" for a, l in PAIRS])
def test_output_delta_formula_is_the_rule_that_gives_its_value(out, loss):
    net = Network([3, 4, 2], activation="tanh", output_activation=out, random_state=7)
    t = np.array([0.0, 1.0])
    e = explain(net, [0.5, -1, 2], t, loss=loss)
    z = net.forward([[0.5, -1, 2]])[0]
    lossf = losses.get(loss)
    dEdz = np.array([e[f"dE/dz[{j}]"] for j in (1, 2)])
    for j in (1, 2):                                           # the loss's own derivative, by formula
        generic = e.local[j - 1].formula.replace(f"[{j}]", "")
        assert generic == lossf.dz_formula
        assert dEdz[j - 1] == pytest.approx(DZ[generic](z, t)[j - 1], rel=1e-12, abs=1e-300)
    for j in (1, 2):
        term = next(x for x in e.local if x.name == f"delta[2][{j}]")
        if out == lossf.canonical:
            assert term.formula.startswith(f"z[{j}] - t[{j}]   (canonical pair {out} + {loss}")
            expected = z - t
        elif out == "softmax":
            assert term.formula.startswith(f"z[{j}] (dE/dz[{j}] - sum_k z[k] dE/dz[k])")
            expected = z * (dEdz - z @ dEdz)
        else:
            assert term.formula == f"g'(u[2][{j}]) dE/dz[{j}], g'(u) = " + activations.get(out).deriv_formula
            expected = DERIV[out](z) * dEdz
        assert term.value == pytest.approx(expected[j - 1], rel=1e-12, abs=1e-15)
        # and it is dE/ds: the finite difference of E in the output bias b[2][j]
        assert e[f"dE/db[2][{j}]"] == pytest.approx(term.value, rel=1e-12, abs=1e-15)
        fd = e.gradients[-3 + j].finite_difference
        assert fd == pytest.approx(term.value, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("out,loss", [("sigmoid", "binary_cross_entropy"), ("identity", "squared_error"),
                                      ("sigmoid", "squared_error"), ("tanh", "squared_error")])
def test_lecture_network_names_the_canonical_delta(out, loss):
    net = Network([2, 2, 1], activation="sigmoid", output_activation=out, random_state=1)
    e = explain(net, [1, 1], [0], loss=loss)
    z = e["z"]
    ds = next(x for x in e.local if x.name == "dE/ds")
    chain = [c.name for c in e.gradients[6].chain]               # dE/dv1
    if out == losses.get(loss).canonical:
        assert ds.value == z - 0 and ds.formula.startswith("z - t   (canonical pair")
        assert chain == ["dE/ds", "ds/dv1"]
    else:
        assert ds.value == pytest.approx(e["dE/dz"] * e["dz/ds"], rel=1e-15) and ds.formula == "dE/dz * dz/ds"
        assert chain == ["dE/dz", "dz/ds", "ds/dv1"]
    assert e.gradients[6].product == pytest.approx(e.gradients[6].finite_difference, rel=1e-6)


def test_values_that_round_to_zero_print_as_0():
    r = run_cli("explain", "--layers", "3,4,2", "--activation", "relu", "--output-activation", "softmax",
                "--loss", "cross_entropy", "--x", "1,0,2", "--t", "0,1")
    assert r.returncode == 0, r.stderr
    assert not re.search(r"-0\.0+(?![0-9])|\(-0\)", r.stdout), "negative zero printed"
    assert re.search(r"^  dE/dz\[1\]\s+=  0\s+-t\[1\] / z\[1\]$", r.stdout, re.M)
    assert re.search(r"^  dE/db\[1\]\[4\] =  0 +0 +0$", r.stdout, re.M)
    data = json.loads(run_cli("explain", "--layers", "3,4,2", "--activation", "relu",
                              "--output-activation", "softmax", "--loss", "cross_entropy",
                              "--x", "1,0,2", "--t", "0,1", "--json").stdout)
    assert str(data["local_derivatives"]["dE/dz[1]"]["value"]) == "0.0"
