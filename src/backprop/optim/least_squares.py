"""Least-squares methods: E = 1/2 ||r(theta)||^2 with the Jacobian J = dr/dtheta from backprop.

Both solve the damped Gauss-Newton system (J^T J + mu I) step = -J^T r and
adapt mu per update: a step that lowers the objective is accepted and mu
shrinks (towards Gauss-Newton); a step that does not is retried with a
larger mu (towards short gradient-descent steps), as MATLAB's ``trainlm``
and ``trainbr`` do.
"""

from __future__ import annotations

import numpy as np

from .._errors import ConfigError
from ._method import OracleMethod
from .base import State, register

_LM_RANGES = {"mu": (0.0, None, True), "mu_increase": (1.0, None, True),
              "mu_decrease": (0.0, 1.0, True, True), "mu_max": (0.0, None, True)}


class _DampedGaussNewton(OracleMethod):
    def _check(self) -> None:
        if self.mu > self.mu_max:
            raise ConfigError(f"{self.name}: mu={self.mu!r} exceeds mu_max={self.mu_max!r}; "
                              f"need mu <= mu_max")

    def check_oracle(self, oracle) -> None:
        """Refuse an oracle this method cannot use (the trainer calls it before training)."""
        self._need_least_squares(oracle)

    def _need_least_squares(self, oracle) -> None:
        loss = getattr(oracle, "loss_name", "squared_error")
        if loss != "squared_error":
            raise ConfigError(f"{self.name} needs loss 'squared_error' (it minimises 1/2 ||r||^2 "
                              f"through the Jacobian of the residuals r), got {loss!r}; "
                              f"use 'lbfgs', 'cg' or 'natural_gradient' for other losses")

    def _damped_step(self, state: State, params, objective, grad_obj, curv, f0):
        """Try (curv + mu I) step = -grad_obj with growing mu until objective decreases.

        Returns the accepted step's residuals (None if none was accepted).
        """
        step, mu = state["step"], state["mu"]
        eye = np.eye(params.size)
        state["trials"] = 0
        while mu <= self.mu_max:
            state["trials"] += 1
            try:
                step[...] = np.linalg.solve(curv + mu * eye, -grad_obj)
            except np.linalg.LinAlgError:
                mu *= self.mu_increase
                continue
            f_new, extra = objective(params + step)
            if f_new < f0:
                state["mu"] = max(mu * self.mu_decrease, 1e-20)
                state["stopped"] = False
                return extra
            mu *= self.mu_increase
        step[...] = 0.0
        state["mu"] = self.mu_max
        state["stopped"] = True      # mu passed mu_max: MATLAB stops training here
        return None


@register
class LevenbergMarquardt(_DampedGaussNewton):
    """Levenberg-Marquardt (Levenberg 1944, Marquardt 1963; Hagan & Menhaj 1994; ``trainlm``).

        (J^T J + mu I) step = -J^T r,   E = 1/2 ||r||^2

    Accept when E(theta + step) < E(theta), then mu <- mu * mu_decrease; else
    mu <- mu * mu_increase and retry.  Once mu exceeds ``mu_max`` the step is
    zero and ``state["stopped"]`` is True.  Squared-error loss only.
    State: ``mu``, ``trials`` (solves in this update), ``stopped``.
    """

    name = "levenberg_marquardt"
    defaults = {"mu": 1e-3, "mu_increase": 10.0, "mu_decrease": 0.1, "mu_max": 1e10}
    ranges = _LM_RANGES

    def init(self, params: np.ndarray) -> State:
        return self._state(params, mu=float(self.mu), trials=0, stopped=False)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        self._need_least_squares(oracle)
        r, J = oracle.residuals(params), oracle.jacobian(params)

        def objective(theta):
            rn = oracle.residuals(theta)
            return 0.5 * float(rn @ rn), None

        self._damped_step(state, params, objective, J.T @ r, J.T @ J, 0.5 * float(r @ r))
        return state["step"], state


@register
class BayesianRegularization(_DampedGaussNewton):
    """Bayesian regularisation (MacKay 1992; Foresee & Hagan 1997; MATLAB ``trainbr``).

    Levenberg-Marquardt on F = beta E_D + alpha E_W with E_D = 1/2 ||r||^2 and
    E_W = 1/2 ||theta||^2 (all P parameters, as trainbr), then the evidence
    re-estimates the hyperparameters at the new point:

        gamma = sum_i beta l_i / (beta l_i + alpha)   (l_i: eigenvalues of J^T J)
              = P - alpha tr((beta J^T J + alpha I)^-1)
        alpha = gamma / (2 E_W),   beta = (N - gamma) / (2 E_D)     (N residuals)

    gamma is the effective number of parameters (0 <= gamma <= P).  Starts
    from alpha = 0, beta = 1 (Foresee & Hagan 1997).  As MacKay advises, the
    re-estimate waits until M = F is nearly minimised for the current alpha,
    beta (relative decrease of F below ``evidence_tol``), or at the latest
    every ``evidence_every`` updates; re-estimating after every step (as
    trainbr does) collapses small nets to theta = 0 from a poor early fit.
    With the 1/2 in E_D and E_W, alpha and beta are twice trainbr's (its sums
    of squares have no 1/2); gamma is the same.

    beta is a noise precision estimated from N - gamma residual degrees of
    freedom.  When fewer than ``MIN_DOF`` = 1 are left (N <= P with a
    full-rank J, e.g. Rosenbrock's 2 residuals for 2 parameters), or the fit
    is exact (E_D = 0), beta is not identifiable; re-estimating alpha alone
    would move the ratio alpha/beta that fixes the minimiser with nothing to
    set it, and drives theta to 0.  Such a re-estimate is skipped: alpha and
    beta keep their last values (alpha = 0, beta = 1 before the first, so the
    method is plain LM) and ``state["evidence_skipped"]`` counts it.
    State: ``gamma``, ``alpha``, ``beta``, ``mu``, ``stopped``,
    ``evidence_skipped``.
    """

    name = "bayesian_regularization"
    MIN_DOF = 1.0    # residual degrees of freedom N - gamma needed to estimate beta
    defaults = {"mu": 5e-3, "mu_increase": 10.0, "mu_decrease": 0.1, "mu_max": 1e10,
                "evidence_tol": 1e-3, "evidence_every": 10}
    ranges = {**_LM_RANGES, "evidence_tol": (0.0, 1.0), "evidence_every": (1, None)}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, mu=float(self.mu), trials=0, stopped=False,
                           gamma=float(params.size), alpha=0.0, beta=1.0,
                           evidence_skipped=0)

    def check_oracle(self, oracle) -> None:
        super().check_oracle(oracle)
        if getattr(oracle, "weight_decay", 0.0):
            raise ConfigError("bayesian_regularization sets its own weight penalty alpha; build the "
                              "oracle with weight_decay=0 (with fit: leave weight_decay at 0)")

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        self.check_oracle(oracle)
        r, J = oracle.residuals(params), oracle.jacobian(params)
        N = r.size
        E_D, E_W = 0.5 * float(r @ r), 0.5 * float(params @ params)
        alpha, beta = state["alpha"], state["beta"]
        F0 = beta * E_D + alpha * E_W

        def objective(theta):
            rn = oracle.residuals(theta)
            return beta * 0.5 * float(rn @ rn) + alpha * 0.5 * float(theta @ theta), rn

        JtJ = J.T @ J
        r_new = self._damped_step(state, params, objective, beta * (J.T @ r) + alpha * params,
                                  beta * JtJ, F0)
        if r_new is not None:
            w_new = params + state["step"]
            E_D, E_W = 0.5 * float(r_new @ r_new), 0.5 * float(w_new @ w_new)
            if (F0 - (beta * E_D + alpha * E_W) > self.evidence_tol * F0
                    and state["t"] % self.evidence_every):
                return state["step"], state      # M not yet minimised for this alpha, beta
        lam = np.clip(np.linalg.eigvalsh(JtJ), 0.0, None)
        gamma = float(np.sum(beta * lam / (beta * lam + alpha))) if alpha > 0 else float(
            np.sum(lam > 1e-12 * max(lam.max(), 1e-300)))
        state["gamma"] = gamma
        if not (E_D > 0 and N - gamma >= self.MIN_DOF):
            state["evidence_skipped"] += 1       # beta not identifiable: keep alpha, beta
            return state["step"], state
        if E_W > 0 and gamma > 0:
            state["alpha"] = gamma / (2 * E_W)
        state["beta"] = (N - gamma) / (2 * E_D)
        return state["step"], state
