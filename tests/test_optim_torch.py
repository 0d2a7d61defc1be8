"""Every first-order optimizer against torch.optim: same gradients, same trajectory.

Both sides follow the gradient of one fixed random function of the
parameters (an ill-conditioned quadratic plus a fixed random perturbation
per step) for 200 steps in float64, to 1e-11 relative.  The cases are the ``torch`` entries of
tests/optim_table.py.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optim_table import ROWS, torch_cases  # noqa: E402

from backprop import optim  # noqa: E402

P, STEPS = 12, 200

# (our name, our kwargs, torch.optim class name, torch kwargs): the rows of tests/optim_table.py
CASES = torch_cases()


@pytest.fixture(autouse=True)
def _float64_torch_scalars():
    """torch keeps scalar state (NAdam's mu_product) in the default dtype: make that float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _problem(seed: int = 0):
    """grad(w, t) = A (w - c) + 0.3 noise_t: a fixed random function of the parameters."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(P, P)))[0]
    A = Q @ np.diag(np.logspace(-1, 1, P)) @ Q.T
    c = rng.normal(size=P)
    noise = 0.3 * rng.normal(size=(STEPS, P))
    w0 = c + rng.normal(scale=2.0, size=P)
    return (lambda w, t: A @ (w - c) + noise[t]), w0


def _trajectories(name, kwargs, torch_cls, torch_kwargs, lr_at=None):
    grad, w0 = _problem()
    opt = optim.get(name, **kwargs)
    w = w0.copy()
    state = opt.init(w)
    p = torch.tensor(w0.copy(), dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, torch_cls)([p], foreach=False, **torch_kwargs)
    ours, theirs = [], []
    for t in range(STEPS):
        if lr_at is not None:
            state["learning_rate"] = lr_at(t)
            topt.param_groups[0]["lr"] = lr_at(t)
        step, state = opt.update(grad(w, t), state, w)
        w += step
        with torch.no_grad():
            p.grad = torch.from_numpy(grad(p.detach().numpy().copy(), t))
        topt.step()
        ours.append(w.copy())
        theirs.append(p.detach().numpy().copy())
    return np.array(ours), np.array(theirs)


@pytest.mark.parametrize("name, kwargs, torch_cls, torch_kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs, torch_cls, torch_kwargs):
    ours, theirs = _trajectories(name, kwargs, torch_cls, torch_kwargs)
    assert np.abs(ours[-1] - ours[0]).max() > 0.1          # it really moved
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-12)


def test_every_first_order_optimizer_has_a_row():
    from backprop.optim import first_order
    elementwise = {n for n in optim.available()
                   if issubclass(optim.base._REGISTRY[n], first_order.ElementwiseOptimizer)}
    without_torch = {n for n, r in ROWS.items() if isinstance(r.torch, str)}
    assert without_torch == {"quickprop"}                   # torch has no quickprop
    assert elementwise - without_torch <= {c[0] for c in CASES}


def _lr_at(t: int) -> float:
    return 0.02 * 0.5 ** (t // 50)     # step decay: halve every 50 steps


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_lecture_form_differs_from_torch_when_lr_changes(nesterov):
    kw = dict(learning_rate=0.02, momentum=0.9, nesterov=nesterov)
    tkw = dict(lr=0.02, momentum=0.9, nesterov=nesterov)
    # torch form follows torch under the schedule too
    ours, theirs = _trajectories("sgd", kw, "SGD", tkw, lr_at=_lr_at)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # the lecture form does not (documented): equal before the first change, different after
    lect, theirs = _trajectories("sgd", {**kw, "lecture_form": True}, "SGD", tkw, lr_at=_lr_at)
    np.testing.assert_allclose(lect[:50], theirs[:50], rtol=1e-10, atol=1e-12)
    assert np.abs(lect[50:] - theirs[50:]).max() > 1e-3
    # ... and it is exactly dw <- a dw - eta_t g, step = dw (nesterov: a dw - eta_t g)
    grad, w = _problem()
    dw = np.zeros_like(w)
    for t in range(STEPS):
        g = grad(w, t)
        dw = 0.9 * dw - _lr_at(t) * g
        w = w + (0.9 * dw - _lr_at(t) * g if nesterov else dw)
    np.testing.assert_allclose(lect[-1], w, rtol=1e-10, atol=1e-12)
