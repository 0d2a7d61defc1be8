"""The compiled epoch (backprop.fast) equals the NumPy reference loop, case by case.

The reference is the readable path: ``net.loss_and_grad`` + the trainer's
weight decay and clipping + ``opt.update`` + ``net.params += step``, over the
batches of ``training.batching.epoch_batches``.  The cases are the ``fast``
entries of tests/optim_table.py (one or more per optimizer with a kernel);
together they cover every activation (hidden and output), every loss with its
canonical and non-canonical outputs, and every regime (online, mini-batch with
a partial last batch, full batch; sum and mean; sample weights; weight decay;
clipping; per-iteration learning rates).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import SRC
from optim_table import fast_cases

from backprop import Network, optim
from backprop.training.batching import epoch_batches

pytest.importorskip("numba")
from backprop import fast  # noqa: E402

N, N_IN = 13, 3
pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


def reference_epoch(net, opt, state, X, T, batches, loss, reduction, sw=None, wd=0.0, clip=None,
                    rates=None):
    """The trainer's iteration, written out with the NumPy building blocks."""
    grad = np.empty_like(net.params)
    mask = np.zeros_like(net.params)
    for W, _ in net.unflatten(mask):
        W[...] = wd
    acc = [0.0, 0.0, 0.0, 0]
    for i, idx in enumerate(batches):
        wb = None if sw is None else sw[idx]
        E, grad = net.loss_and_grad(X[idx], T[idx], loss, reduction, wb, out=grad)
        tmp = net.params * mask
        penalty = 0.5 * float(tmp @ net.params)
        grad += tmp
        share = float(wb.sum()) if wb is not None else float(len(idx))
        acc[0] += E * share if reduction == "mean" else E
        acc[1] += share
        acc[2] += penalty
        acc[3] += 1
        if not np.isfinite(E):
            break
        if clip is not None:
            norm = np.sqrt(grad @ grad)
            if norm > clip:
                grad *= clip / norm
        if rates is not None:
            state["learning_rate"] = float(rates[i])
        step, state = opt.update(grad, state, net.params)
        net.params += step
    return (acc[0] / acc[1] if reduction == "mean" else acc[0]) + acc[2] / max(acc[3], 1)


def data(kind: str, n_out: int, dtype=np.float64):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, N_IN)).astype(dtype)
    if kind == "classes":
        return X, rng.integers(0, n_out, N)
    if kind == "binary":
        return X, (rng.random((N, n_out)) < 0.5).astype(dtype)
    return X, rng.normal(size=(N, n_out)).astype(dtype)


# (optimizer, hyperparameters, hidden activations, output, loss, targets, batch, reduction, extra):
# the ``fast`` entries of tests/optim_table.py
CASES = fast_cases()


def _setup(case, dtype=np.float64):
    name, hp, hidden, output, loss, targets, B, reduction, extra = case
    n_out = 1 if targets != "classes" and output not in ("softmax",) else 3
    sizes = [N_IN] + [4] * len(hidden) + [n_out]
    net = Network(sizes, activation=hidden + [output], random_state=1, dtype=dtype)
    X, T = data(targets, n_out, dtype)
    opt = optim.get(name, **hp)
    sw = np.random.default_rng(3).uniform(0.2, 2.0, N).astype(dtype) if extra.get("sw") else None
    return net, opt, X, T, sw, B, loss, reduction, extra


def _run_both(case, epochs=3, dtype=np.float64):
    net, opt, X, T, sw, B, loss, reduction, extra = _setup(case, dtype)
    ref = net.copy()
    s_fast, s_ref = opt.init(net.params), opt.init(ref.params)
    Tm = ref._check_T(T, N)
    rng_f, rng_r = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(epochs):
        bf, br = epoch_batches(N, B, rng_f), epoch_batches(N, B, rng_r)
        rates = np.linspace(0.02, 0.005, len(bf)) if extra.get("rates") else None
        got = fast.run_epoch(net, opt, s_fast, X, T, bf, loss=loss, reduction=reduction,
                             sample_weight=sw, weight_decay=extra.get("wd", 0.0),
                             grad_clip=extra.get("clip"), learning_rates=rates)
        want = reference_epoch(ref, opt, s_ref, X, Tm, br, loss, reduction, sw,
                               extra.get("wd", 0.0), extra.get("clip"), rates)
        assert got.iterations == len(bf) and not got.diverged
        yield got.loss, want, net, ref, s_fast, s_ref


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{'-'.join(c[2])}-{c[3]}-{c[4]}-B{c[6]}"
                                             for c in CASES])
def test_fast_epoch_equals_numpy_reference(case):
    for got, want, net, ref, s_fast, s_ref in _run_both(case):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-12)
    assert not np.array_equal(net.params, net.copy().reset(1).params)  # it did train
    assert s_fast.keys() == s_ref.keys()
    for key, value in s_ref.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(s_fast[key], value, rtol=1e-12, atol=1e-12, err_msg=key)
        else:
            assert s_fast[key] == pytest.approx(value, rel=1e-12), key


def test_every_activation_and_loss_is_covered_by_the_table():
    from backprop import activations, losses
    acts = {a for c in CASES for a in c[2] + [c[3]]}
    assert acts == set(activations.available())
    pairs = {(c[4], c[3]) for c in CASES}
    for lossf in losses.available():
        canonical = losses.get(lossf).canonical
        assert (lossf, canonical) in pairs
        assert any(l == lossf and o != canonical for l, o in pairs), lossf
    compiled = {n for n in optim.available() if type(optim.get(n)).kernel is not None}
    assert {c[0] for c in CASES} == compiled
    net = Network([2, 2, 1])
    assert {n for n in optim.available() if fast.supports(net, n)} == compiled
    assert compiled == {n for n in optim.available() if not optim.get(n).needs_oracle}


def test_an_optimizer_without_a_kernel_trains_on_the_numpy_path():
    from backprop import ConfigError, fit
    from backprop.optim.first_order import SGD

    class Plain(SGD):                      # the rule without its compiled form
        kernel = None

    X, T = data("real", 1)
    net = Network([N_IN, 4, 1], random_state=0)
    reason = fast.why_not(net, Plain(learning_rate=0.1))
    assert reason == "optimizer 'sgd' has no compiled kernel (it trains on the NumPy path)"
    ref = net.copy()
    fit(net, X, T, optimizer=Plain(learning_rate=0.1), epochs=2, progress=False)   # auto: NumPy
    fit(ref, X, T, optimizer=SGD(learning_rate=0.1), epochs=2, progress=False, engine="numpy")
    np.testing.assert_array_equal(net.params, ref.params)
    with pytest.raises(ConfigError, match="engine='fast' is unavailable: optimizer 'sgd' has no "
                                          "compiled kernel"):
        fit(net, X, T, optimizer=Plain(learning_rate=0.1), epochs=1, progress=False, engine="fast")


def test_a_new_optimizer_with_a_kernel_is_compiled_from_its_declaration():
    """A rule defined outside the library -- update, kernel and declarations, nothing else --
    runs compiled and equals its own NumPy reference (no table of codes to extend)."""
    from backprop.optim.base import ElementwiseOptimizer

    class SignSGD(ElementwiseOptimizer):
        name = "sign_sgd"
        defaults = {"learning_rate": 0.01, "weight_decay": 0.0}

        def init(self, params):
            return self._state(params)

        def update(self, grad, state, params, oracle=None):
            state["t"] += 1
            np.sign(self._grad(grad, state, params), out=state["step"])
            state["step"] *= -state["learning_rate"]
            return state["step"], state

        kernel_hp = ("weight_decay",)
        kernel_state = ("g",)

        @staticmethod
        def kernel(hp, sc, grad, params, step, g_out):
            (wd,) = hp
            for p in range(params.shape[0]):
                g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
                if wd != 0.0:
                    g_out[p] = g
                s = (1.0 if g > 0 else (-1.0 if g < 0 else 0.0)) * -sc[1]
                step[p] = s
                params[p] += s

    case = ("sign_sgd", {"learning_rate": 0.02, "weight_decay": 0.01}, ["tanh"], "identity",
            "squared_error", "real", 4, "mean", {})
    net, _, X, T, sw, B, loss, reduction, extra = _setup(("sgd", *case[1:]))
    opt = SignSGD(**case[1])
    assert fast.supports(net, opt)
    ref = net.copy()
    s_fast, s_ref = opt.init(net.params), opt.init(ref.params)
    for e in range(3):
        batches = epoch_batches(N, B, np.random.default_rng(e))
        got = fast.run_epoch(net, opt, s_fast, X, T, batches, loss=loss, reduction=reduction)
        want = reference_epoch(ref, opt, s_ref, X, T, batches, loss, reduction)
        assert got.loss == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s_fast["g"], s_ref["g"], rtol=1e-12)
    assert s_fast["t"] == s_ref["t"] == 3 * len(batches)


@pytest.mark.parametrize("case", [CASES[2], CASES[9]], ids=["sgd-nesterov", "adam"])
def test_float32_follows_the_reference_to_float32_rounding(case):
    for got, want, net, ref, *_ in _run_both(case, epochs=2, dtype=np.float32):
        assert net.params.dtype == np.float32
        assert got == pytest.approx(want, rel=1e-5)
        np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-5)


def test_paths_interchange_mid_run_and_state_is_updated_in_place():
    net, opt, X, T, sw, B, loss, reduction, _ = _setup(CASES[9])
    ref = net.copy()
    s_mix, s_ref = opt.init(net.params), opt.init(ref.params)
    m_before, params_before = s_mix["m"], net.params
    rng_m, rng_r = np.random.default_rng(2), np.random.default_rng(2)
    for e in range(4):
        bm, br = epoch_batches(N, B, rng_m), epoch_batches(N, B, rng_r)
        if e % 2:
            fast.run_epoch(net, opt, s_mix, X, T, bm, loss=loss, reduction=reduction)
        else:
            reference_epoch(net, opt, s_mix, X, T, bm, loss, reduction)
        reference_epoch(ref, opt, s_ref, X, T, br, loss, reduction)
    assert s_mix["m"] is m_before and net.params is params_before
    assert s_mix["t"] == s_ref["t"] == 4 * len(bm)
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s_mix["v"], s_ref["v"], rtol=1e-12, atol=1e-15)


def test_run_epochs_and_permutation_form_equal_epoch_by_epoch_lists():
    net, opt, X, T, sw, B, loss, reduction, _ = _setup(CASES[1])
    other = net.copy()
    s1, s2 = opt.init(net.params), opt.init(other.params)
    perms = [np.random.default_rng(e).permutation(N) for e in range(3)]
    many = fast.run_epochs(net, opt, s1, X, T, [(p, 4) for p in perms], loss=loss, reduction=reduction)
    one = [fast.run_epoch(other, opt, s2, X, T, [p[i:i + 4] for i in range(0, N, 4)], loss=loss,
                          reduction=reduction) for p in perms]
    assert [r.loss for r in many] == [r.loss for r in one]
    assert [r.iterations for r in many] == [4, 4, 4]
    np.testing.assert_array_equal(net.params, other.params)
    third = net.copy()
    third.params[...] = other.copy().reset(0).params  # restart both from the same weights
    net.params[...] = third.params
    s1, s3 = opt.init(net.params), opt.init(third.params)
    stacked = fast.run_epochs(third, opt, s3, X, T, (np.array(perms), 4), loss=loss, reduction=reduction)
    listed = fast.run_epochs(net, opt, s1, X, T, [(p, 4) for p in perms], loss=loss, reduction=reduction)
    assert [r.loss for r in stacked] == [r.loss for r in listed]
    np.testing.assert_array_equal(net.params, third.params)


def test_divergence_stops_where_the_reference_stops():
    net = Network([N_IN, 4, 1], activation=["relu", "identity"], random_state=0)
    X, T = data("real", 1)
    X *= 1e3
    opt = optim.get("sgd", learning_rate=1e3)
    ref = net.copy()
    s1, s2 = opt.init(net.params), opt.init(ref.params)
    batches = epoch_batches(N, 1, None, shuffle=False)
    with np.errstate(all="ignore"):
        got = fast.run_epoch(net, opt, s1, X, T, batches, reduction="sum")
        reference_epoch(ref, opt, s2, X, T, batches, "squared_error", "sum")
    assert got.diverged and got.iterations < N and got.batches == got.iterations + 1
    assert s1["t"] == s2["t"] == got.iterations
    np.testing.assert_array_equal(np.isfinite(net.params), np.isfinite(ref.params))


def test_supports_and_refusals():
    net = Network([2, 3, 1], random_state=0)
    assert fast.available() and fast.supports(net, "adam", "squared_error")
    assert not fast.supports(net, "sgd", "squared_error", state={"learning_rate": np.ones((2, 1))})
    assert "loss" in fast.why_not(net, "sgd", "hinge")
    opt = optim.get("sgd")
    with pytest.raises(ValueError, match="reduction"):
        fast.run_epoch(net, opt, opt.init(net.params), np.zeros((2, 2)), np.zeros(2), [[0, 1]],
                       reduction="avg")
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 1\]"):
        fast.run_epoch(net, opt, opt.init(net.params), np.zeros((2, 2)), np.zeros(2), [[0, 2]])


def test_core_imports_and_trains_without_numba():
    code = ("import sys; sys.modules['numba'] = None\n"
            "import numpy as np, backprop\nfrom backprop import fast, optim\n"
            "net = backprop.Network([2, 2, 1], random_state=0)\n"
            "E, g = net.loss_and_grad(np.eye(2), np.ones(2))\n"
            "assert not fast.available() and not fast.supports(net, 'sgd')\n"
            "opt = optim.get('sgd')\n"
            "try:\n    fast.run_epoch(net, opt, opt.init(net.params), np.eye(2), np.ones(2), [[0, 1]])\n"
            "except backprop.ConfigError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "numba is not installed" in out.stdout


@pytest.mark.parametrize("name", ["relu", "identity", "step"])
def test_in_place_derivative_products_are_bit_identical(name):
    from backprop import activations
    act = activations.get(name)
    rng = np.random.default_rng(0)
    z = act(rng.normal(size=(7, 5)).astype(np.float32))
    dz = rng.normal(size=(7, 5)).astype(np.float32)
    want = np.multiply(dz, act.deriv(z))
    got = dz.copy()
    act.backward(z, got, out=got)  # in place, as Network._backward calls it
    assert got.tobytes() == want.tobytes()


# --- the trainer's engine option ---------------------------------------------------
def _fit_both(**kw):
    from backprop import Trainer
    X, T = data("binary", 1)
    out, grads = [], []
    for engine in ("numpy", "fast"):
        net = Network([N_IN, 5, 1], activation=["tanh", "sigmoid"], random_state=4)
        tr = Trainer(loss="binary_cross_entropy", random_state=0, progress=False, engine=engine, **kw)
        out.append((net, tr.fit(net, X, T)))
        grads.append(tr.run_.grad)             # the last update's gradient, on both paths
    np.testing.assert_allclose(grads[1], grads[0], rtol=0, atol=1e-12)
    assert np.any(grads[0] != 0)
    return out


@pytest.mark.parametrize("kw", [
    dict(optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9}, batch_size=4,
         epochs=6, weight_decay=1e-2, clip_grad_norm=0.5, validation_fraction=0.25,
         schedule={"name": "exponential", "gamma": 0.9}),
    dict(optimizer="adam", batch_size=1, epochs=4, reduction="sum", drop_last=True, max_iterations=30),
], ids=["sgd-decay-clip-validation-schedule", "adam-online-max-iterations"])
def test_trainer_fast_engine_equals_numpy_engine(kw):
    (a, ha), (b, hb) = _fit_both(**kw)
    np.testing.assert_allclose(b.params, a.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-12)
    assert (hb.n_iterations, hb.stop_reason, hb.best_epoch) == (ha.n_iterations, ha.stop_reason,
                                                               ha.best_epoch)
    if hb.val_loss[0] is not None:
        np.testing.assert_allclose(hb.val_loss, ha.val_loss, rtol=1e-12)


def test_trainer_fast_engine_with_sample_weights_and_divergence():
    (a, ha), (b, hb) = _fit_both(optimizer="sgd", optimizer_params={"learning_rate": 0.2},
                                 batch_size=3, epochs=3)
    np.testing.assert_allclose(b.params, a.params, rtol=0, atol=1e-12)
    from backprop import fit
    X, T = data("real", 1)
    res = []
    for engine in ("numpy", "fast"):
        net = Network([N_IN, 4, 1], activation=["relu", "identity"], random_state=0)
        with pytest.warns(Warning), np.errstate(all="ignore"):
            h = fit(net, X * 1e3, T, optimizer_params={"learning_rate": 1e3}, batch_size=1,
                    sample_weight=np.linspace(0.5, 2, N), epochs=5, progress=False, engine=engine,
                    random_state=1)
        res.append((h.stop_reason, h.n_iterations, len(h.loss)))
    assert res[0] == res[1] and res[0][0] == "diverged"


def test_engine_choice(monkeypatch):
    from backprop import ConfigError, fit
    from backprop.training import Callback, engine
    calls = []
    real = engine.run_rest_of_epoch
    monkeypatch.setattr(engine, "run_rest_of_epoch", lambda *a: calls.append(1) or real(*a))
    X, T = data("real", 1)
    net = Network([N_IN, 4, 1], random_state=0)
    fit(net, X, T, epochs=3, progress=False)                      # auto: small net, first-order
    assert len(calls) == 3

    class Hook(Callback):
        def on_iteration_end(self, event):
            pass
    fit(net, X, T, epochs=2, progress=False, callbacks=[Hook()])  # auto: falls back to NumPy
    fit(net, X, T, epochs=2, progress=False, engine="numpy")
    assert len(calls) == 3
    with pytest.raises(ConfigError, match="engine='fast' is unavailable: .*per-iteration"):
        fit(net, X, T, epochs=2, progress=False, engine="fast", schedule="invscaling")
    with pytest.raises(ConfigError, match="engine='fast' is unavailable: optimizer 'lbfgs' has no compiled kernel"):
        fit(net, X, T, epochs=2, progress=False, engine="fast", optimizer="lbfgs")
    with pytest.raises(ConfigError, match="unknown engine 'gpu'; valid choices: auto, numpy, fast"):
        fit(net, X, T, engine="gpu")


# --- several epochs in one kernel call (nothing observes them one by one) ------------------
@pytest.mark.parametrize("kw", [
    dict(optimizer="sgd", optimizer_params={"learning_rate": 0.5, "momentum": 0.9}, batch_size=4,
         epochs=60, weight_decay=1e-2, min_delta=1e-3),
    dict(optimizer="adam", batch_size=1, epochs=30, reduction="sum", drop_last=True,
         max_iterations=200),
    dict(optimizer="adam", batch_size=5, epochs=20, drop_last=True, shuffle=False),
    dict(optimizer="sgd", optimizer_params={"learning_rate": 30.0, "momentum": 0.99}, batch_size=2,
         epochs=200),                                         # explodes in the middle of a call
], ids=["sgd-decay-min-delta", "adam-online-max-iterations", "no-shuffle", "divergence"])
def test_epochs_in_one_call_record_what_epoch_by_epoch_calls_record(kw, monkeypatch):
    from backprop import Trainer
    from backprop.training import engine
    X, T = data("binary", 1)
    runs, calls = [], []
    real = engine.run_epochs_ahead
    monkeypatch.setattr(engine, "run_epochs_ahead", lambda *a: calls.append(a[-1]) or real(*a))
    for ahead_min in (10 ** 9, 8):                      # epoch by epoch, then several per call
        monkeypatch.setattr(engine, "AHEAD_MIN", ahead_min)
        net = Network([N_IN, 5, 1], activation=["tanh", "sigmoid"], random_state=4)
        tr = Trainer(loss="binary_cross_entropy", random_state=0, progress=False, engine="fast", **kw)
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            hist = tr.fit(net, X, T)
        runs.append((net, hist, tr.run_, [str(w.message) for w in caught]))
    assert calls                                        # the second run did use several-epoch calls
    (a, ha, ra, wa), (b, hb, rb, wb) = runs
    da, db = ha.to_dict(), hb.to_dict()
    assert len(da.pop("time")) == len(db.pop("time"))
    assert da == db and wa == wb
    np.testing.assert_array_equal(b.params, a.params)
    np.testing.assert_array_equal(rb.best_params, ra.best_params)
    np.testing.assert_array_equal(rb.grad, ra.grad)
    for key in ("epoch", "iteration", "best_train", "best_loss", "best_epoch", "wait", "acc", "bad"):
        assert getattr(rb, key) == getattr(ra, key), key
    for key, value in ra.opt_state.items():
        np.testing.assert_array_equal(rb.opt_state[key], value, err_msg=key)


def test_loops_of_kernels_a_later_process_cannot_import_are_not_cached():
    """numba rebuilds a cached loop's environment by importing its kernel's module; for code
    run by exec (a docs example, a notebook tool) that fails in the next process
    (ModuleNotFoundError: '<dynamic>'), so those loops are compiled per process instead."""
    epoch = fast._kernel()
    ns = {"__name__": "__docs__"}
    exec("from backprop.optim.first_order import SGD\n"
         "class Mine(SGD):\n"
         "    kernel = staticmethod(SGD.kernel)\n", ns)
    assert not epoch.kind(ns["Mine"]()).cached
    assert epoch.kind(optim.get("sgd")).cached and epoch.kind(optim.get("adamw")).cached
    X, T = data("real", 1)
    net = Network([N_IN, 3, 1], random_state=0)
    ref = net.copy()
    for n, opt in ((net, ns["Mine"](learning_rate=0.1)), (ref, optim.get("sgd", learning_rate=0.1))):
        fast.run_epoch(n, opt, opt.init(n.params), X, T, (np.arange(N), 4))
    np.testing.assert_array_equal(net.params, ref.params)


def test_vectorised_expm1_and_tanh_follow_numpy_to_a_few_ulp():
    from backprop.fast import block
    x = np.concatenate([np.linspace(-40, 0, 20001), -np.logspace(-300, 1.5, 10000), [0.0, -1e-320]])
    y, bits = x.copy(), np.zeros(x.size, np.int64)
    block.expm1_neg(y, bits, x.size)
    want = np.expm1(x)
    assert np.all(np.abs(y - want) <= 1 * np.spacing(np.abs(want)))
    U = np.concatenate([x, -x, [np.nan, 1e300]]).reshape(-1, 2).copy()
    want = np.tanh(U)
    block.activate_block(2, U, np.zeros(U.size), np.zeros(U.size, np.int64))   # TANH
    np.testing.assert_array_equal(np.isnan(U), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.all(np.abs(U[ok] - want[ok]) <= 3 * np.spacing(np.abs(want[ok])))
