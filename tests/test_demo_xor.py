"""`backprop demo xor` end to end."""

import re

import numpy as np

from backprop.demos import xor
from conftest import run_cli


def test_demo_xor_learns_and_reports():
    r = run_cli("demo", "xor", "--restarts", "5")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    table = re.findall(r"^\s+([01])\s+([01])\s+\|\s+([01])\s+\|\s+([0-9.]+)$", out, re.M)
    assert len(table) == 4
    for x1, x2, t, z in table:
        assert int(x1) ^ int(x2) == int(t) and abs(float(z) - int(t)) < 0.1
    epochs, E = re.search(r"solved after (\d+) epochs; final E = ([0-9.]+)", out).groups()
    assert 0 < int(epochs) <= 10000 and float(E) < 0.05
    n_ok, n = map(int, re.search(r"(\d+) of (\d+) random initialisations", out).groups())
    assert n == 5 and 0 <= n_ok <= 5
    assert "classifies 3 of 4 patterns" in out
    assert "dE/dw = 0 for all 9 weights" in out


def test_no_single_step_unit_computes_xor():
    assert xor.best_single_perceptron() == 3


def test_step_network_never_moves():
    net, _, E, ok = xor.train(0, 2.0, 200, 0.1, activation="step")
    from backprop import Network
    assert not ok
    np.testing.assert_array_equal(net.params, Network([2, 2, 1], activation="step", random_state=0).params)
