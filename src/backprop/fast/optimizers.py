"""The first-order update rules as compiled loops over the flat parameter vector.

Each function reproduces one optimizer of :mod:`backprop.optim` (the
reference: ``first_order.py``, ``adam.py``, ``local.py``) element by element,
in the same order of operations, and adds the step to ``params``:

    t <- t + 1;  g = dE/dw (+ weight_decay w, coupled);  step = rule(g, state);  w <- w + step

Scalars travel in ``sc`` = (t, learning_rate, bias_correction1,
bias_correction2, mu, mu_next, mu_product), hyperparameters in ``hp`` (the
layout ``plan.py`` writes), state arrays in ``A0..A3`` (which array is which
per optimizer: ``plan.STATE_ARRAYS``).  ``gb`` receives the coupled-decay
gradient and ``rate`` the effective learning rate where the reference keeps
them; ``step`` always ends holding the last step.
"""

from __future__ import annotations

import math

from ._jit import njit
from .codes import BC1, BC2, LR, MU, MU_NEXT, MU_PROD, T_


@njit
def _g(grad, params, p, wd):
    """Coupled weight decay, as ``ElementwiseOptimizer._grad``: params * wd + grad."""
    return params[p] * wd + grad[p] if wd != 0.0 else grad[p]


@njit
def sgd(hp, sc, grad, params, step, gb, A0):
    momentum, dampening, nesterov, wd, lecture = hp[0], hp[1], hp[2] != 0, hp[3], hp[4] != 0
    t = sc[T_]
    eta = sc[LR]
    c = 1.0 if t == 1 else 1.0 - dampening
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        if momentum == 0.0:
            s = g * -eta
        elif lecture:                        # dw <- a dw - eta c g
            s = g * -eta
            if c != 1.0:
                s *= c
            A0[p] = A0[p] * momentum + s
            s = ((s / momentum) + A0[p]) * momentum if nesterov else A0[p]
        else:                                # b <- a b + (1 - dampening) g
            if t == 1:
                A0[p] = g
            elif c == 1.0:
                A0[p] = A0[p] * momentum + g
            else:
                A0[p] = A0[p] * momentum + g * c
            s = (A0[p] * momentum + g) * -eta if nesterov else A0[p] * -eta
        step[p] = s
        params[p] += s


@njit
def adagrad(hp, sc, grad, params, step, gb, rate, A0):
    lr_decay, wd, eps = hp[0], hp[1], hp[2]
    eta_t = sc[LR] / (1.0 + (sc[T_] - 1) * lr_decay)
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        A0[p] += g * g
        r = eta_t / (math.sqrt(A0[p]) + eps)
        rate[p] = r
        s = -(g * r)
        step[p] = s
        params[p] += s


@njit
def rmsprop(hp, sc, grad, params, step, gb, rate, A0, A1, A2):
    rho, eps, wd, momentum, centered = hp[0], hp[1], hp[2], hp[3], hp[4] != 0
    eta = sc[LR]
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        A0[p] = A0[p] * rho + (g * g) * (1.0 - rho)
        if centered:
            A1[p] += (g - A1[p]) * (1.0 - rho)
            d = math.sqrt(A0[p] - A1[p] * A1[p]) + eps
        else:
            d = math.sqrt(A0[p]) + eps
        if momentum > 0:
            A2[p] = A2[p] * momentum + g / d
            rate[p] = eta / d
            s = A2[p] * -eta
        else:
            r = eta / d
            rate[p] = r
            s = -(g * r)
        step[p] = s
        params[p] += s


@njit
def adam(hp, sc, grad, params, step, gb, rate, A0, A1, A2, A3):
    """Adam, AdamW (decoupled decay into ``A3``) and AMSGrad (running max in ``A2``)."""
    b1, b2, eps, wd, amsgrad, decoupled = hp[0], hp[1], hp[2], hp[3], hp[4] != 0, hp[5] != 0
    t, eta = sc[T_], sc[LR]
    bc1 = 1.0 / (1.0 - math.pow(b1, t))
    bc2 = 1.0 / (1.0 - math.pow(b2, t))
    sc[BC1], sc[BC2] = bc1, bc2
    cwd = 0.0 if decoupled else wd
    dscale = -wd * eta
    for p in range(params.shape[0]):
        g = _g(grad, params, p, cwd)
        if cwd != 0.0:
            gb[p] = g
        A0[p] += (g - A0[p]) * (1.0 - b1)
        A1[p] = A1[p] * b2 + (g * g) * (1.0 - b2)
        v = A1[p]
        if amsgrad:
            v = max(A2[p], v)
            A2[p] = v
        r = eta / (math.sqrt(v * bc2) + eps)
        rate[p] = r
        s = (A0[p] * r) * -bc1
        if decoupled and wd != 0.0:
            dec = params[p] * dscale
            A3[p] = dec
            s += dec
        step[p] = s
        params[p] += s


@njit
def adamax(hp, sc, grad, params, step, gb, rate, A0, A1):
    b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3]
    eta = sc[LR]
    bc1 = 1.0 / (1.0 - math.pow(b1, sc[T_]))
    sc[BC1] = bc1
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        A0[p] += (g - A0[p]) * (1.0 - b1)
        A1[p] = max(A1[p] * b2, abs(g) + eps)
        r = eta / A1[p]
        rate[p] = r
        s = (A0[p] * r) * -bc1
        step[p] = s
        params[p] += s


@njit
def nadam(hp, sc, grad, params, step, gb, rate, A0, A1):
    b1, b2, eps, wd, md = hp[0], hp[1], hp[2], hp[3], hp[4]
    t, eta = sc[T_], sc[LR]
    bc2 = 1.0 / (1.0 - math.pow(b2, t))
    mu = b1 * (1.0 - 0.5 * math.pow(0.96, t * md))
    mu_next = b1 * (1.0 - 0.5 * math.pow(0.96, (t + 1) * md))
    prod = sc[MU_PROD] * mu
    sc[BC2], sc[MU], sc[MU_NEXT], sc[MU_PROD] = bc2, mu, mu_next, prod
    c_g = -(1.0 - mu) / (1.0 - prod)
    ratio = (-mu_next / (1.0 - prod * mu_next)) / c_g
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        A0[p] += (g - A0[p]) * (1.0 - b1)
        A1[p] = A1[p] * b2 + (g * g) * (1.0 - b2)
        r = eta / (math.sqrt(A1[p] * bc2) + eps)
        rate[p] = r
        s = ((A0[p] * ratio + g) * c_g) * r
        step[p] = s
        params[p] += s


@njit
def rprop(hp, sc, grad, params, step, A0, A1):
    """iRprop-: step sizes ``A0`` (Delta), last gradient ``A1``; no weight decay."""
    eta_minus, eta_plus, lo, hi = hp[0], hp[1], hp[2], hp[3]
    first = sc[T_] == 1
    for p in range(params.shape[0]):
        g = grad[p]
        if first:
            A0[p] = sc[LR]
        c = g * A1[p]
        d = A0[p]
        if c > 0:
            d = d * eta_plus
        elif c < 0:
            d = d * eta_minus
        d = min(max(d, lo), hi)
        A0[p] = d
        gp = 0.0 if c < 0 else g
        A1[p] = gp
        sign = 1.0 if gp > 0 else (-1.0 if gp < 0 else gp)
        s = -(sign * d)
        step[p] = s
        params[p] += s


@njit
def quickprop(hp, sc, grad, params, step, gb, A0, A1):
    """Fahlman's quickprop in FANN's form; ``A0`` = g_prev, ``A1`` = last step dw."""
    mu, wd, eps = hp[0], hp[1], hp[2]
    eta = sc[LR]
    shrink = mu / (1.0 + mu)
    for p in range(params.shape[0]):
        g = _g(grad, params, p, wd)
        if wd != 0.0:
            gb[p] = g
        dw, gprev = A1[p], A0[p]
        still = abs(dw) <= eps
        linear = g * dw < 0 or still
        biggest = (gprev * shrink - g) * dw > 0
        diff = gprev - g
        q = 0.0 if diff == 0 else g / diff
        s = min(max(q, -mu), mu) * dw
        if biggest:
            s = dw * mu
        if still:
            s = 0.0
        if linear:
            s = s + g * -eta
        A1[p] = s
        A0[p] = g
        step[p] = s
        params[p] += s
