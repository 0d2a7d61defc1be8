"""Second-order and curvature methods (full batch, with an oracle).

Each ``update(grad, state, params, oracle)`` performs one iteration of the
method and returns the step to add; ``oracle`` (see
:mod:`backprop.optim.oracle`) evaluates E elsewhere.  This module holds the
line-search methods (``cg``, ``scg``, ``lbfgs``); least squares
(``levenberg_marquardt``, ``bayesian_regularization``) and Fisher methods
(``natural_gradient``, ``kfac``) live beside it.  ``g`` is grad E at the
current parameters, ``d`` the search direction.
"""

from __future__ import annotations

import numpy as np

from .._errors import ConfigError
from . import linesearch
from ._method import OracleMethod
from .base import State, register


@register
class ConjugateGradient(OracleMethod):
    """Nonlinear conjugate gradients (Nocedal & Wright 2006, sec. 5.2).

        d_0 = -g_0,   d_k = -g_k + beta_k d_k-1,   step = alpha_k d_k
        Fletcher-Reeves       beta = g_k.g_k / g_k-1.g_k-1
        Polak-Ribiere+        beta = max(0, g_k.(g_k - g_k-1) / g_k-1.g_k-1)

    alpha_k from a strong-Wolfe line search (c2 = 0.1 as N&W recommend for
    CG) or, for quadratics, the exact ``alpha = -g.d / d.H d``
    (``line_search="exact_quadratic"``; one Hessian-vector product).  The
    method restarts with d = -g every ``restart_every`` iterations (0: the
    number of parameters P) and whenever d is not a descent direction.
    State: ``beta``, ``alpha``, ``restarts``, ``line_search_evals``.
    """

    name = "cg"
    defaults = {"variant": "polak_ribiere_plus", "line_search": "strong_wolfe", "c1": 1e-4,
                "c2": 0.1, "restart_every": 0, "max_line_search": 20}
    ranges = {"c1": (0.0, 1.0, True, True), "c2": (0.0, 1.0, True, True),
              "restart_every": (0, None), "max_line_search": (1, None)}
    choices = {"variant": ("polak_ribiere_plus", "fletcher_reeves"),
               "line_search": ("strong_wolfe", "exact_quadratic")}

    def _check(self) -> None:
        super()._check()
        _check_wolfe(self)

    def init(self, params: np.ndarray) -> State:
        return self._state(params, d=np.zeros_like(params), g_prev=np.zeros_like(params),
                           beta=0.0, alpha=0.0, restarts=0, since_restart=0,
                           line_search_evals=0, line_search_success=True)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        d, gp, step = state["d"], state["g_prev"], state["step"]
        n_restart = self.restart_every or params.size
        gg = float(grad @ grad)
        restart = state["t"] == 1 or state["since_restart"] >= n_restart or gp @ gp == 0
        beta = 0.0
        if not restart:
            if self.variant == "fletcher_reeves":
                beta = gg / float(gp @ gp)
            else:
                beta = max(0.0, float(grad @ (grad - gp)) / float(gp @ gp))
            d *= beta
            d -= grad
            restart = float(grad @ d) >= 0
        if restart:
            np.negative(grad, out=d)
            beta = 0.0
            state["restarts"] += 1
            state["since_restart"] = 0
        state["since_restart"] += 1
        state["beta"] = beta
        gp[...] = grad
        if gg == 0:
            step[...] = 0.0
            state["alpha"] = 0.0
            return step, state
        if self.line_search == "exact_quadratic":
            res = linesearch.exact_quadratic(oracle, params, d, grad)
        else:
            f0 = self._loss_at(state, params, oracle)
            # N&W eq. 3.60: expect the same decrease as last time
            f_prev = state.get("f_prev", f0 + 0.5 * np.sqrt(gg))
            alpha0 = min(1.0, 1.01 * 2.0 * (f0 - f_prev) / float(grad @ d)) if f0 != f_prev else 1.0
            state["f_prev"] = f0
            res = linesearch.strong_wolfe(oracle, params, d, f0, grad, alpha0 if alpha0 > 0 else 1.0,
                                          self.c1, self.c2, self.max_line_search)
        np.multiply(d, res.alpha, out=step)
        state["alpha"] = res.alpha
        state["line_search_evals"] = res.n_evals
        state["line_search_success"] = res.success
        self._remember(state, params, step, res.f)
        return step, state


@register
class ScaledConjugateGradient(OracleMethod):
    """Moller's scaled conjugate gradient (Moller 1993; MATLAB ``trainscg``).

    No line search: the curvature along p is s = H p (plus lambda p),
    estimated by Moller's one-sided difference of gradients

        s = (g(w + sigma_k p) - g(w)) / sigma_k,   sigma_k = sigma / |p|

    (``curvature="finite_difference"``, the paper's choice) or taken exactly
    from the oracle (``curvature="hvp"``).  With delta = p.s + lambda |p|^2
    (made positive if needed), mu = -p.g and alpha = mu / delta, the step
    alpha p is accepted when the comparison ratio
    Delta = 2 delta (E(w) - E(w + alpha p)) / mu^2 >= 0; lambda (MATLAB's
    ``lambda``, here ``damping``) shrinks by 4 when Delta >= 0.75 and grows by
    delta (1 - Delta) / |p|^2 when Delta < 0.25.  Directions:
    p <- r + beta p with r = -g and beta = (|r_new|^2 - r_new.r_old) / mu,
    restarting with p = r every ``restart_every`` steps (0: P).  A rejected
    step returns zeros (the next update retries with the larger lambda).
    State: ``lambda``, ``delta``, ``comparison`` (Delta), ``success``, ``alpha``.
    """

    name = "scg"
    defaults = {"sigma": 5e-5, "damping": 5e-7, "curvature": "finite_difference",
                "restart_every": 0}
    ranges = {"sigma": (0.0, 1e-2, True), "damping": (0.0, 1e-2, True), "restart_every": (0, None)}
    choices = {"curvature": ("finite_difference", "hvp")}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, p=np.zeros_like(params), r_old=np.zeros_like(params),
                           s=np.zeros_like(params), **{"lambda": float(self.damping)},
                           lambda_bar=0.0, delta=0.0, mu=0.0, comparison=0.0, success=True,
                           accepted=False, alpha=0.0, k=0)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        p, s, step = state["p"], state["s"], state["step"]
        r = -grad
        f_w = self._loss_at(state, params, oracle)
        if state["t"] == 1:
            p[...] = r
        elif state["accepted"]:                        # new point: new conjugate direction
            state["k"] += 1
            beta = (float(r @ r) - float(r @ state["r_old"])) / state["mu"]
            if state["k"] % (self.restart_every or params.size) == 0 or not np.isfinite(beta):
                p[...] = r
            else:
                p *= beta
                p += r
            state["success"] = True
        if float(p @ r) <= 0:                           # not a descent direction: restart
            p[...] = r
            state["success"] = True
        pn2 = float(p @ p)
        step[...] = 0.0
        state["accepted"] = False
        if pn2 == 0:
            return step, state
        lam, lam_bar = state["lambda"], state["lambda_bar"]
        if state["success"]:                            # Moller step 2: s = H p
            if self.curvature == "hvp":
                s[...] = oracle.hessian_vector_product(params, p)
            else:
                sigma_k = self.sigma / np.sqrt(pn2)
                s[...] = (oracle.gradient(params + sigma_k * p) - grad) / sigma_k
            state["delta"] = float(p @ s)
        delta = state["delta"] + (lam - lam_bar) * pn2  # step 3: scale
        s += (lam - lam_bar) * p
        if delta <= 0:                                  # step 4: make H + lambda I positive
            s += (lam - 2.0 * delta / pn2) * p
            lam_bar = 2.0 * (lam - delta / pn2)
            delta = -delta + lam * pn2
            lam = lam_bar
        mu = float(p @ r)                               # step 5: step size
        alpha = mu / delta
        f_new = oracle.loss(params + alpha * p)         # step 6: comparison parameter
        Delta = 2.0 * delta * (f_w - f_new) / mu ** 2 if np.isfinite(f_new) else -np.inf
        if Delta >= 0:                                  # step 7: accept
            np.multiply(p, alpha, out=step)
            state["r_old"][...] = r
            state["mu"] = mu
            state["accepted"] = True
            state["success"] = True
            lam_bar = 0.0
            if Delta >= 0.75:
                lam *= 0.25
            self._remember(state, params, step, f_new)
        else:
            lam_bar = lam
            state["success"] = False
        if Delta < 0.25:                                # step 8: raise lambda
            lam += delta * (1.0 - Delta) / pn2 if np.isfinite(Delta) else 4.0 * lam
        state.update({"lambda": lam, "lambda_bar": lam_bar, "delta": delta, "alpha": alpha,
                      "comparison": float(Delta)})
        return step, state


@register
class LBFGS(OracleMethod):
    """Limited-memory BFGS (Nocedal 1980; Nocedal & Wright 2006, Alg. 7.4 and 7.5).

    From the last m = ``history_size`` pairs s_i = step_i, y_i = g_i+1 - g_i
    (kept only if s.y > 0), the two-loop recursion computes d = -H g with
    H_0 = (s.y / y.y) I from the newest pair; alpha from a strong-Wolfe line
    search starting at 1 (at min(1, 1/|g|) while the history is empty).
    If d is not a descent direction the history is cleared.
    State: ``history_length``, ``alpha``, ``line_search_evals``.
    """

    name = "lbfgs"
    defaults = {"history_size": 10, "c1": 1e-4, "c2": 0.9, "max_line_search": 20}
    ranges = {"history_size": (1, None), "c1": (0.0, 1.0, True, True),
              "c2": (0.0, 1.0, True, True), "max_line_search": (1, None)}

    def _check(self) -> None:
        _check_wolfe(self)
        if int(self.history_size) != self.history_size:
            raise ConfigError(f"lbfgs: history_size must be an integer >= 1, got {self.history_size!r}")

    def init(self, params: np.ndarray) -> State:
        m = int(self.history_size)
        return self._state(params, S=np.zeros((m, params.size)), Y=np.zeros((m, params.size)),
                           rho=np.zeros(m), head=0, history_length=0, g_prev=np.zeros_like(params),
                           alpha=0.0, line_search_evals=0, line_search_success=True)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        S, Y, rho, step = state["S"], state["Y"], state["rho"], state["step"]
        m = S.shape[0]
        if state["t"] > 1:
            s, y = step, grad - state["g_prev"]        # step still holds the last step
            sy = float(s @ y)
            if sy > 1e-10 * np.sqrt(float(s @ s) * float(y @ y)):
                h = state["head"]
                S[h], Y[h], rho[h] = s, y, 1.0 / sy
                state["head"] = (h + 1) % m
                state["history_length"] = min(state["history_length"] + 1, m)
        d = -self._two_loop(grad, state)
        if float(grad @ d) >= 0:
            state["history_length"] = 0
            d = -grad
        state["g_prev"][...] = grad
        gnorm = float(np.linalg.norm(grad))
        if gnorm == 0:
            step[...] = 0.0
            return step, state
        alpha0 = 1.0 if state["history_length"] else min(1.0, 1.0 / gnorm)
        f0 = self._loss_at(state, params, oracle)
        res = linesearch.strong_wolfe(oracle, params, d, f0, grad, alpha0, self.c1, self.c2,
                                      self.max_line_search)
        np.multiply(d, res.alpha, out=step)
        state.update(alpha=res.alpha, line_search_evals=res.n_evals, line_search_success=res.success)
        self._remember(state, params, step, res.f)
        return step, state

    @staticmethod
    def _two_loop(grad: np.ndarray, state: State) -> np.ndarray:
        """H g by the two-loop recursion over the stored pairs (newest first, then back)."""
        S, Y, rho = state["S"], state["Y"], state["rho"]
        k, m, head = state["history_length"], S.shape[0], state["head"]
        order = [(head - 1 - i) % m for i in range(k)]         # newest first
        q = grad.copy()
        a = np.empty(k)
        for j, i in enumerate(order):
            a[j] = rho[i] * float(S[i] @ q)
            q -= a[j] * Y[i]
        if k:
            newest = order[0]
            q *= 1.0 / (rho[newest] * float(Y[newest] @ Y[newest]))
        for j, i in reversed(list(enumerate(order))):
            b = rho[i] * float(Y[i] @ q)
            q += (a[j] - b) * S[i]
        return q


def _check_wolfe(opt: OracleMethod) -> None:
    if not opt.c1 < opt.c2:
        raise ConfigError(f"{opt.name}: the Wolfe constants need 0 < c1 < c2 < 1, "
                          f"got c1={opt.c1!r}, c2={opt.c2!r}")


from . import least_squares, natural  # noqa: E402,F401  (registration order)
