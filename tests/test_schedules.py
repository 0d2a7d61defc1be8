"""Learning-rate schedules against torch.optim.lr_scheduler / scikit-learn and through the trainer."""

from __future__ import annotations

import numpy as np
import pytest

from backprop import ConfigError, Network, fit
from backprop.optim import schedules
from backprop.training import Callback

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


def torch_rates(make, n, losses=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(opt)
    out = []
    for e in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(losses[e]) if losses is not None else sched.step()
    return out


def ours(s, n, losses=None):
    state = s.init(0.5)
    out = []
    for c in range(n):
        out.append(s.rate(state, c))
        if losses is not None:
            s.observe(state, losses[c])
    return out


def test_constant():
    assert ours(schedules.get("constant"), 5) == [0.5] * 5


def test_step_matches_torch_steplr():
    ref = torch_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10)
    np.testing.assert_allclose(ours(schedules.get("step", step_size=3, gamma=0.5), 10), ref, rtol=1e-15)
    assert ours(schedules.get("step", step_size=3, gamma=0.5), 7) == [0.5] * 3 + [0.25] * 3 + [0.125]


def test_exponential_matches_torch():
    ref = torch_rates(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 12)
    np.testing.assert_allclose(ours(schedules.get("exponential", gamma=0.9), 12), ref, rtol=1e-12)


def test_invscaling_matches_sklearn():
    sk = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    s = schedules.get("invscaling", power_t=0.25)
    opt = sk.SGDOptimizer([np.zeros(1)], learning_rate_init=0.5, lr_schedule="invscaling", power_t=0.25)
    state = s.init(0.5)
    for t in range(1, 20):
        opt.iteration_ends(t)
        assert s.rate(state, t) == pytest.approx(opt.learning_rate, rel=1e-15)
    assert s.rate(state, 0) == 0.5


def test_plateau_matches_torch_reduce_on_plateau():
    rng = np.random.default_rng(0)
    losses = list(np.r_[np.linspace(1, 0.5, 6), 0.5 + 0.01 * rng.random(25), np.linspace(0.49, 0.1, 5),
                        0.1 + 1e-5 * rng.random(20)])
    kw = dict(factor=0.5, patience=3, cooldown=2, min_lr=0.01)
    ref = torch_rates(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
        o, mode="min", threshold=1e-3, threshold_mode="abs", **kw), len(losses), losses)
    got = ours(schedules.get("plateau", min_delta=1e-3, **kw), len(losses), losses)
    np.testing.assert_allclose(got, ref, rtol=1e-15)
    assert min(got) == 0.01 and len(set(got)) > 3


def test_trainer_writes_the_schedule_into_the_optimizer():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    h = fit(Network([2, 1], "identity", random_state=0), X, T, epochs=7,
            schedule={"name": "step", "step_size": 2, "gamma": 0.5}, optimizer_params={"learning_rate": 0.1})
    assert h.learning_rate == [0.1 * 0.5 ** (e // 2) for e in range(7)]
    seen = []

    class Rec(Callback):
        def on_iteration_end(self, event):
            seen.append(event.optimizer_state["learning_rate"])

    fit(Network([2, 1], "identity", random_state=0), X, T, epochs=3, batch_size=5,
        schedule="invscaling", optimizer_params={"learning_rate": 0.1}, callbacks=[Rec()])
    np.testing.assert_allclose(seen, [0.1 / (t + 1) ** 0.5 for t in range(12)], rtol=1e-15)


def test_schedule_changes_the_actual_steps():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    net, ref = Network([2, 1], "identity", random_state=0), Network([2, 1], "identity", random_state=0)
    fit(net, X, T, epochs=5, engine="numpy", schedule={"name": "exponential", "gamma": 0.5},
        optimizer_params={"learning_rate": 0.2})
    for e in range(5):
        _, g = ref.loss_and_grad(X, T, reduction="mean")
        ref.params += -(0.2 * 0.5 ** e) * g
    np.testing.assert_array_equal(net.params, ref.params)


def test_bad_schedule_parameters():
    for spec, kw in [("step", {"step_size": 0}), ("exponential", {"gamma": 1.5}),
                     ("plateau", {"factor": 1.0}), ("invscaling", {"per": "sample"}), ("step", {"x": 1}),
                     ({"gamma": 0.5}, {}), (None, {"gamma": 0.5})]:           # parameters without a name
        with pytest.raises(ConfigError):
            schedules.get(spec, **kw)
