"""Second-order optimizers against scipy, scikit-learn and dense linear algebra."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from backprop import ConfigError, Network
from backprop.optim import get
from backprop.optim.linesearch import strong_wolfe
from backprop.optim.oracle import FunctionOracle, NetworkOracle


def _run(opt, oracle, x, iters, until=None):
    state = opt.init(x)
    for k in range(iters):
        _, g = oracle.loss_and_grad(x)
        if until is not None and np.linalg.norm(g) < until:
            return x, state, k
        step, state = opt.update(g, state, x, oracle)
        x += step
    return x, state, iters


def _rosen_oracle():
    return FunctionOracle(optimize.rosen, optimize.rosen_der, hvp=optimize.rosen_hess_prod)


def _small_net_problem(seed=0):
    """A 2-3-1 student fitting a noisy 2-3-1 teacher: a well-conditioned, non-zero minimum."""
    rng = np.random.default_rng(seed)
    teacher = Network((2, 3, 1), "tanh", output_activation="identity", init="glorot_normal",
                      random_state=100 + seed)
    X = rng.normal(size=(50, 2))
    T = teacher(X) + 0.05 * rng.normal(size=(50, 1))
    net = Network((2, 3, 1), "tanh", output_activation="identity", random_state=seed)
    return net, NetworkOracle(net, X, T)


# --- L-BFGS -----------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 10])
def test_lbfgs_matches_scipy_on_rosenbrock(n):
    x0 = np.full(n, -1.0)
    x0[::2] = -1.2
    ref = optimize.minimize(optimize.rosen, x0, jac=optimize.rosen_der, method="L-BFGS-B",
                            options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-15})
    oracle = _rosen_oracle()
    x, state, _ = _run(get("lbfgs", history_size=10), oracle, x0.copy(), 500, until=1e-9)
    assert oracle.loss(x) == pytest.approx(ref.fun, abs=1e-12)
    np.testing.assert_allclose(x, np.ones(n), atol=1e-6)
    assert np.linalg.norm(optimize.rosen_der(x)) < 1e-8
    assert 1 <= state["history_length"] <= 10


def test_lbfgs_matches_scipy_on_network_loss():
    net, oracle = _small_net_problem()
    x0 = net.params.copy()
    ref = optimize.minimize(oracle.loss_and_grad, x0, jac=True, method="L-BFGS-B",
                            options={"maxiter": 5000, "gtol": 1e-10, "ftol": 1e-16})
    x, _, _ = _run(get("lbfgs"), oracle, x0.copy(), 1000, until=1e-8)
    assert np.linalg.norm(oracle.gradient(x)) < 1e-6
    assert np.linalg.norm(oracle.gradient(ref.x)) < 1e-4
    assert oracle.loss(x) == pytest.approx(ref.fun, rel=1e-5)
    np.testing.assert_array_equal(net.params, x0)          # the oracle never wrote the net


# --- conjugate gradients and the line search --------------------------------
@pytest.mark.parametrize("variant", ["polak_ribiere_plus", "fletcher_reeves"])
def test_cg_with_exact_line_search_solves_quadratic_in_n_steps(variant, rng):
    n = 12
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T + 0.5 * np.eye(n)
    b = rng.normal(size=n)
    oracle = FunctionOracle(lambda x: 0.5 * x @ A @ x - b @ x, lambda x: A @ x - b,
                            hvp=lambda x, v: A @ v)
    opt = get("cg", variant=variant, line_search="exact_quadratic")
    x, state, _ = _run(opt, oracle, np.zeros(n), n)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
    assert state["restarts"] == 1 and state["beta"] > 0


def test_cg_strong_wolfe_on_rosenbrock_reaches_minimum():
    oracle = _rosen_oracle()
    x, state, _ = _run(get("cg"), oracle, np.array([-1.2, 1.0, -1.2, 1.0]), 2000, until=1e-8)
    np.testing.assert_allclose(x, np.ones(4), atol=1e-6)
    assert state["alpha"] > 0 and state["line_search_success"]


@pytest.mark.parametrize("c2", [0.1, 0.9])
def test_line_search_satisfies_strong_wolfe(c2, rng):
    oracle = _rosen_oracle()
    for _ in range(5):
        x = rng.uniform(-2, 2, 4)
        f0, g0 = oracle.loss_and_grad(x)
        d = -g0 / np.linalg.norm(g0)
        res = strong_wolfe(oracle, x, d, f0, g0, alpha0=1.0, c1=1e-4, c2=c2)
        assert res.success
        f, g = oracle.loss_and_grad(x + res.alpha * d)
        assert f <= f0 + 1e-4 * res.alpha * (g0 @ d)
        assert abs(g @ d) <= c2 * abs(g0 @ d)
        assert f == res.f


# --- scaled conjugate gradient ---------------------------------------------
@pytest.mark.parametrize("curvature", ["hvp", "finite_difference"])
def test_scg_on_quadratic_behaves_like_cg(curvature, rng):
    n = 8
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T + np.eye(n)
    b = rng.normal(size=n)
    oracle = FunctionOracle(lambda x: 0.5 * x @ A @ x - b @ x, lambda x: A @ x - b,
                            hvp=lambda x, v: A @ v)
    x, state, k = _run(get("scg", curvature=curvature), oracle, np.zeros(n), 4 * n, until=1e-6)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-5)
    assert k <= n + 2 and state["lambda"] < 1e-3


# --- Levenberg-Marquardt and Bayesian regularisation ------------------------
def test_levenberg_marquardt_fits_exponential_like_scipy():
    rng = np.random.default_rng(7)
    t = np.linspace(0, 2, 25)
    y = 2.5 * np.exp(-1.3 * t) + 0.01 * rng.normal(size=t.size)
    res = lambda w: w[0] * np.exp(w[1] * t) - y
    jac = lambda w: np.column_stack([np.exp(w[1] * t), w[0] * t * np.exp(w[1] * t)])
    oracle = FunctionOracle(lambda w: 0.5 * res(w) @ res(w), lambda w: jac(w).T @ res(w),
                            residuals=res, jacobian=jac)
    x, state, _ = _run(get("levenberg_marquardt"), oracle, np.array([1.0, 0.0]), 100, until=1e-12)
    ref = optimize.least_squares(res, [1.0, 0.0], jac=jac, method="lm", xtol=1e-15, ftol=1e-15)
    np.testing.assert_allclose(x, ref.x, rtol=1e-8)
    np.testing.assert_allclose(x, [2.5, -1.3], atol=0.05)
    assert state["mu"] < 1e-3


def test_levenberg_marquardt_trains_network_and_refuses_other_losses():
    net, oracle = _small_net_problem(1)
    x0 = net.params.copy()
    x, state, _ = _run(get("levenberg_marquardt"), oracle, x0.copy(), 100)
    assert oracle.loss(x) < 0.05 * oracle.loss(x0)
    assert np.linalg.norm(oracle.gradient(x)) < 1e-5
    ce = NetworkOracle(Network((2, 3, 2), output_activation="softmax"), np.eye(2), np.eye(2),
                       loss="cross_entropy")
    opt = get("levenberg_marquardt")
    with pytest.raises(ConfigError, match="levenberg_marquardt needs loss 'squared_error'.*"
                                          "got 'cross_entropy'"):
        opt.update(np.zeros(17), opt.init(np.zeros(17)), np.zeros(17), ce)


def test_bayesian_regularization_matches_sklearn_bayesian_ridge():
    from sklearn.linear_model import BayesianRidge
    rng = np.random.default_rng(1)
    A = rng.normal(size=(30, 5))
    b = A @ rng.normal(size=5) + 0.3 * rng.normal(size=30)
    oracle = FunctionOracle(lambda x: 0.5 * np.sum((A @ x - b) ** 2), lambda x: A.T @ (A @ x - b),
                            residuals=lambda x: A @ x - b, jacobian=lambda x: A)
    x, state, _ = _run(get("bayesian_regularization"), oracle, np.full(5, 0.1), 200)
    ref = BayesianRidge(fit_intercept=False, tol=1e-12, max_iter=10000, alpha_1=0, alpha_2=0,
                        lambda_1=0, lambda_2=0).fit(A, b)
    np.testing.assert_allclose(x, ref.coef_, rtol=1e-7)
    assert state["alpha"] == pytest.approx(ref.lambda_, rel=1e-6)     # weight precision
    assert state["beta"] == pytest.approx(ref.alpha_, rel=1e-6)       # noise precision
    lam = np.linalg.eigvalsh(state["beta"] * A.T @ A)
    assert state["gamma"] == pytest.approx(np.sum(lam / (lam + state["alpha"])), rel=1e-6)
    assert state["evidence_skipped"] == 0       # N - gamma = 25: beta is identifiable


def test_bayesian_regularization_without_residual_degrees_of_freedom_is_levenberg_marquardt():
    """Rosenbrock as 2 residuals in 2 parameters: N - gamma = 0, so no evidence re-estimate."""
    res = lambda w: np.array([10 * (w[1] - w[0] ** 2), 1 - w[0]])
    jac = lambda w: np.array([[-20 * w[0], 10.0], [-1.0, 0.0]])
    oracle = FunctionOracle(lambda w: 0.5 * optimize.rosen(w), lambda w: 0.5 * optimize.rosen_der(w),
                            residuals=res, jacobian=jac)
    br = get("bayesian_regularization")
    lm = get("levenberg_marquardt", mu=br.mu)      # BR's own default mu
    x_br, x_lm = np.array([-1.2, 1.0]), np.array([-1.2, 1.0])
    s_br, s_lm = br.init(x_br), lm.init(x_lm)
    for _ in range(60):
        step, s_br = br.update(oracle.gradient(x_br), s_br, x_br, oracle)
        assert np.all(np.isfinite(step)) and np.isfinite(s_br["alpha"]) and np.isfinite(s_br["beta"])
        x_br += step
        step, s_lm = lm.update(oracle.gradient(x_lm), s_lm, x_lm, oracle)
        x_lm += step
        np.testing.assert_array_equal(x_br, x_lm)      # alpha = 0, beta = 1 throughout: plain LM
    assert s_br["evidence_skipped"] >= 60 // br.evidence_every
    assert (s_br["alpha"], s_br["beta"], s_br["gamma"]) == (0.0, 1.0, 2.0)
    np.testing.assert_allclose(x_br, optimize.minimize(optimize.rosen, [-1.2, 1.0], method="BFGS",
                                                       jac=optimize.rosen_der, tol=1e-12).x,
                               atol=1e-6)
    assert oracle.loss(x_br) < 1e-20


def test_bayesian_regularization_trains_network_with_gamma_in_range():
    net, oracle = _small_net_problem(2)
    x0 = net.params.copy()
    x, state, _ = _run(get("bayesian_regularization"), oracle, x0.copy(), 100)
    assert oracle.loss(x) < 0.1 * oracle.loss(x0)
    assert 0 < state["gamma"] < net.n_params
    assert state["alpha"] > 0 and state["beta"] > 0


# --- natural gradient and K-FAC ---------------------------------------------
@pytest.mark.parametrize("fisher", ["empirical", "true"])
@pytest.mark.parametrize("solver", ["exact", "cg"])
def test_natural_gradient_step_is_dense_solve(solver, fisher, rng):
    net = Network((3, 4, 2), "tanh", output_activation="sigmoid", random_state=4)
    X, T = rng.normal(size=(10, 3)), rng.uniform(0.1, 0.9, (10, 2))
    oracle = NetworkOracle(net, X, T, loss="binary_cross_entropy")
    theta = net.params.copy()
    g = oracle.gradient(theta)
    if fisher == "empirical":   # each sample's gradient from its own backward pass
        G = np.stack([net.loss_and_grad(X[i:i + 1], T[i:i + 1], "binary_cross_entropy", "sum")[1]
                      for i in range(10)])
        F = G.T @ G / 10
    else:
        F = oracle.fisher_matrix(theta, "true")
    opt = get("natural_gradient", solver=solver, fisher=fisher, damping=1e-2, learning_rate=0.3,
              cg_tol=1e-12, line_search="none")
    step, state = opt.update(g, opt.init(theta), theta, oracle)
    np.testing.assert_allclose(step, -0.3 * np.linalg.solve(F + 1e-2 * np.eye(F.shape[0]), g),
                               rtol=1e-7, atol=1e-12)
    assert state["solver"] == solver and (state["cg_iterations"] > 0) == (solver == "cg")


def test_kfac_step_is_per_layer_kronecker_solve(rng):
    net = Network((3, 4, 2), "tanh", output_activation="identity", random_state=2)
    X, T = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    oracle = NetworkOracle(net, X, T)
    theta = net.params.copy()
    g = oracle.gradient(theta)
    lam = 1e-2
    opt = get("kfac", damping=lam, learning_rate=0.5, line_search="none")
    step, state = opt.update(g, opt.init(theta), theta, oracle)
    at = 0
    for (A, G), (n_in, n_out) in zip(state["factors"], zip(net.layer_sizes[:-1], net.layer_sizes[1:])):
        nW = n_in * n_out
        D = np.hstack([g[at:at + nW].reshape(n_out, n_in), g[at + nW:at + nW + n_out, None]])
        pi = np.sqrt((np.trace(A) / len(A)) / (np.trace(G) / len(G)))
        K = np.kron(G + np.sqrt(lam) / pi * np.eye(len(G)), A + np.sqrt(lam) * pi * np.eye(len(A)))
        X_ = -0.5 * np.linalg.solve(K, D.ravel()).reshape(D.shape)
        np.testing.assert_allclose(step[at:at + nW], X_[:, :-1].ravel(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(step[at + nW:at + nW + n_out], X_[:, -1], rtol=1e-9, atol=1e-13)
        at += nW + n_out


@pytest.mark.parametrize("name", ["natural_gradient", "kfac"])
def test_fisher_methods_backtrack_from_the_learning_rate_to_sufficient_decrease(name, rng):
    """Default line search: alpha = eta 2^-i, the first with E(theta + alpha d) <= E + c1 alpha g.d."""
    net = Network((3, 4, 2), "tanh", output_activation="identity", random_state=2)
    X, T = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    oracle = NetworkOracle(net, X, T)
    theta = net.params.copy()
    g, f0 = oracle.gradient(theta), oracle.loss(theta)
    for eta in (0.01, 64.0):                                # a short step is taken as it is
        fixed = get(name, learning_rate=eta, line_search="none")
        d = fixed.update(g, fixed.init(theta), theta, oracle)[0] / eta    # the direction, -(F + lam)^-1 g
        opt = get(name, learning_rate=eta)
        step, state = opt.update(g, opt.init(theta), theta, oracle)
        alpha = state["alpha"]
        i = np.log2(eta / alpha)
        armijo = lambda a: oracle.loss(theta + a * d) <= f0 + 1e-4 * a * float(g @ d)
        assert i == round(i) and state["line_search_evals"] == i + 1
        assert armijo(alpha) and (alpha == eta or not armijo(2 * alpha))
        np.testing.assert_allclose(step, alpha * d, rtol=1e-12)
    assert alpha < 64.0                                     # the long one was cut back


# --- invalid settings -------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, message", [
    ("cg", {"variant": "hestenes"}, "unknown cg: variant 'hestenes'; valid choices: "
                                    "polak_ribiere_plus, fletcher_reeves"),
    ("cg", {"c1": 0.5, "c2": 0.1}, "cg: the Wolfe constants need 0 < c1 < c2 < 1, got c1=0.5, c2=0.1"),
    ("cg", {"line_search": "armijo"}, "unknown cg: line_search 'armijo'; valid choices: "
                                      "strong_wolfe, exact_quadratic"),
    ("lbfgs", {"history_size": 0}, r"lbfgs: history_size=0 is out of range; valid range: \[1, inf\)"),
    ("lbfgs", {"history_size": 2.5}, "lbfgs: history_size must be an integer >= 1, got 2.5"),
    ("lbfgs", {"c2": 1.0}, r"lbfgs: c2=1.0 is out of range; valid range: \(0, 1\)"),
    ("scg", {"sigma": 0.0}, r"scg: sigma=0.0 is out of range; valid range: \(0, 0.01\]"),
    ("scg", {"curvature": "exact"}, "unknown scg: curvature 'exact'; valid choices: "
                                    "finite_difference, hvp"),
    ("levenberg_marquardt", {"mu_decrease": 1.5},
     r"levenberg_marquardt: mu_decrease=1.5 is out of range; valid range: \(0, 1\)"),
    ("levenberg_marquardt", {"mu_increase": 1.0},
     r"levenberg_marquardt: mu_increase=1.0 is out of range; valid range: \(1, inf\)"),
    ("levenberg_marquardt", {"mu": 1.0, "mu_max": 0.5},
     "levenberg_marquardt: mu=1.0 exceeds mu_max=0.5; need mu <= mu_max"),
    ("bayesian_regularization", {"evidence_every": 0},
     r"bayesian_regularization: evidence_every=0 is out of range; valid range: \[1, inf\)"),
    ("kfac", {"line_search": "wolfe"}, "unknown kfac: line_search 'wolfe'; valid choices: "
                                       "backtracking, none"),
    ("natural_gradient", {"max_line_search": 0},
     r"natural_gradient: max_line_search=0 is out of range; valid range: \[1, inf\)"),
    ("natural_gradient", {"damping": 0.0}, r"natural_gradient: damping=0.0 is out of range; "
                                           r"valid range: \(0, inf\)"),
    ("natural_gradient", {"fisher": "exact"}, "unknown natural_gradient: fisher 'exact'; "
                                              "valid choices: empirical, true"),
    ("natural_gradient", {"solver": "lu"}, "unknown natural_gradient: solver 'lu'; "
                                           "valid choices: auto, exact, cg"),
    ("kfac", {"learning_rate": -1}, r"kfac: learning_rate=-1 is out of range; valid range: \(0, inf\)"),
    ("kfac", {"momentum": 0.9}, "unknown hyperparameter 'momentum' for optimizer 'kfac'; "
                                "valid: learning_rate, damping"),
])
def test_invalid_hyperparameters_raise_with_valid_range(name, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        get(name, **kwargs)


def test_bayesian_regularization_refuses_oracle_weight_decay():
    net, _ = _small_net_problem()
    oracle = NetworkOracle(net, np.zeros((2, 2)), np.zeros((2, 1)), weight_decay=0.1)
    opt = get("bayesian_regularization")
    with pytest.raises(ConfigError, match="sets its own weight penalty alpha; build the oracle "
                                          "with weight_decay=0"):
        opt.update(np.zeros(13), opt.init(np.zeros(13)), np.zeros(13), oracle)
