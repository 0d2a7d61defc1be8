"""`backprop demo xor` end to end."""

import re

import numpy as np
import pytest

from backprop.demos import xor
from conftest import run_cli


def test_demo_xor_learns_and_reports():
    r = run_cli("demo", "xor")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    table = re.findall(r"^\s+([01])\s+([01])\s+\|\s+([01])\s+\|\s+([0-9.]+)$", out, re.M)
    assert len(table) == 4
    for x1, x2, t, z in table:
        assert int(x1) ^ int(x2) == int(t) and abs(float(z) - int(t)) < 0.1
    epochs, E = re.search(r"solved after (\d+) epochs; final E = ([0-9.]+)", out).groups()
    assert 0 < int(epochs) <= 10000 and float(E) < 0.05
    n_ok, n = map(int, re.search(r"(\d+) of (\d+) random initialisations", out).groups())
    assert n == 100 and 50 <= n_ok <= 100   # the default: 100 networks trained together
    assert "classifies 3 of 4 patterns" in out
    assert "dE/dw = 0 for all 9 weights" in out


def test_no_single_step_unit_computes_xor():
    assert xor.best_single_perceptron() == 3


def test_step_network_never_moves():
    net, _, E, ok = xor.train(0, 2.0, 200, 0.1, activation="step")
    from backprop import Network
    assert not ok
    np.testing.assert_array_equal(net.params, Network([2, 2, 1], activation="step", random_state=0).params)


def test_train_is_plain_gradient_descent_on_the_summed_error():
    """The demo's fit call is w <- w - eta dE/dw with E = 1/2 sum (z - t)^2 (to rounding: the
    trainer may run the compiled epoch, see docs/performance.md)."""
    from backprop import Network
    net, epochs, E, ok = xor.train(4, 2.0, 300, 1e-9)
    ref = Network([2, 2, 1], random_state=4)
    for _ in range(300):
        _, g = ref.loss_and_grad(xor.X, xor.T)
        ref.params -= 2.0 * g
    assert epochs == 300 and not ok
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-12)
    assert E == pytest.approx(ref.loss(xor.X, xor.T), rel=1e-12)


def test_restart_count_is_the_seed_study():
    from backprop.training.many import xor_seed_study
    study = xor_seed_study(6, learning_rate=2.0, epochs=1200, random_states=range(1000, 1006))
    singles = [xor.train(1000 + k, 2.0, 1200, 0.1)[3] for k in range(6)]
    assert study.solved.tolist() == singles
