"""Why training diverged or stalled, and what to try.

The trainer calls :func:`diagnose` when the loss becomes NaN/inf or explodes
(above ``EXPLODE_FACTOR`` times the best epoch loss) -- it then stops, keeps
the best weights and warns :class:`TrainingDiverged` -- and when a run ends
at its epoch limit while the loss is still falling or is flat and high (it
warns :class:`ConvergenceWarning`).  The checks, each reported with numbers:

* inputs not scaled: column standard deviations spread by more than 100x, or
  max |x| > 10 with some column's standard deviation above 3 (a standardised
  column can hold rare large values -- a pixel that is seldom on -- while its
  deviation stays 1: that is scaled);
* learning rate too large (divergence) or too small / too few epochs (stall);
* saturated sigmoid/tanh hidden units: the fraction of hidden outputs with
  |y - 0.5| > 0.49 (sigmoid) or |y| > 0.99 (tanh), where g' < 0.01 and the
  backpropagated deltas vanish;
* dead ReLU units: the fraction of hidden ReLU units that are 0 on every sample;
* exploding weights: ||w|| non-finite or more than 100x its initial value.

Saturation and dead units come from a forward trace on at most 2000 samples
(the first ones; no random draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TrainingDiverged", "ConvergenceWarning", "Diagnosis", "diagnose", "stall_kind", "warn"]

EXPLODE_FACTOR = 1e3
SATURATION = {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.99)}


class TrainingDiverged(RuntimeWarning):
    """The loss became NaN/inf or exploded; training stopped with the best weights restored."""


class ConvergenceWarning(UserWarning):
    """Training hit its epoch limit before the loss settled (or settled high)."""


@dataclass
class Diagnosis:
    """Findings ``(cause, detail, advice)`` in order of likelihood, and the numbers measured."""

    findings: list[tuple[str, str, str]] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def causes(self) -> list[str]:
        return [c for c, _, _ in self.findings]

    def message(self, headline: str, label: str = "Likely causes") -> str:
        """``headline`` followed by each finding as "detail: advice"."""
        if not self.findings:
            return headline
        parts = [f"{detail}: {advice}" for _, detail, advice in self.findings]
        return f"{headline} {label}: " + "; ".join(parts) + "."


def _hidden_stats(net, params: np.ndarray, X: np.ndarray) -> dict[str, float]:
    saved = net.params.copy()
    try:
        net.params[...] = params
        _, ys = net.forward_trace(X)
    finally:
        net.params[...] = saved
    sat_n = sat_tot = dead_n = dead_tot = 0
    for layer, y in zip(net.layers[:-1], ys[:-1]):
        name = layer.activation.name
        if name in SATURATION:
            centre, limit = SATURATION[name]
            sat_n += int(np.count_nonzero(np.abs(y - centre) > limit))
            sat_tot += y.size
        elif name == "relu":
            dead_n += int(np.count_nonzero(np.all(y <= 0, axis=0)))
            dead_tot += y.shape[1]
    return {"saturated_fraction": sat_n / sat_tot if sat_tot else np.nan,
            "dead_fraction": dead_n / dead_tot if dead_tot else np.nan}


def _column_std(X: np.ndarray) -> np.ndarray:
    """Each column's standard deviation, without overflow: computed on the column divided by its
    largest |x| (values near 1e308 square to infinity otherwise), then scaled back (the result
    itself can then overflow only to +inf, never to NaN)."""
    if len(X) < 2:
        return np.ones(X.shape[1])
    top = np.max(np.abs(X), axis=0)
    top[top == 0] = 1.0
    with np.errstate(over="ignore"):
        return (X / top).std(axis=0) * top


def diagnose(net, X: np.ndarray, *, kind: str = "diverged", params: np.ndarray | None = None,
             initial_norm: float | None = None, learning_rate: float | None = None,
             still_decreasing: bool = False) -> Diagnosis:
    """Inspect inputs, weights and hidden units; return the likely causes with advice.

    ``kind`` is ``"diverged"`` or ``"stalled"``; ``params`` the weights to trace (default
    ``net.params``; the trace is skipped when they are not finite).
    """
    d = Diagnosis()
    X = np.asarray(X, dtype=float)[:2000]
    params = net.params if params is None else params
    max_abs = float(np.max(np.abs(X))) if X.size else 0.0
    std = _column_std(X)
    nz = std[std > 0]
    with np.errstate(over="ignore"):
        spread = float(nz.max() / nz.min()) if nz.size else 1.0
    d.stats.update(max_abs_x=max_abs, std_spread=spread)
    if spread > 100 or (max_abs > 10 and nz.size and float(nz.max()) > 3):
        by = f"{spread:.3g}x" if np.isfinite(spread) else "more than 1e308x"
        d.findings.append((
            "inputs_not_scaled",
            f"inputs are not scaled (max |x| = {max_abs:.3g}, column standard deviations "
            f"differ by {by})",
            "standardize each input column to zero mean and unit variance "
            "(backprop.preprocessing.StandardScaler)"))
    if learning_rate is not None and np.ndim(learning_rate) == 0:
        lr = float(learning_rate)
        d.stats["learning_rate"] = lr
        if kind == "diverged":
            d.findings.append(("learning_rate_too_large",
                               f"the learning rate {lr:.3g} is probably too large",
                               f"try {lr / 10:.3g} (10x smaller) or a schedule; clip_grad_norm "
                               "limits single bad steps"))
        elif still_decreasing:
            d.findings.append(("too_few_epochs",
                               f"the loss was still falling at learning rate {lr:.3g}",
                               "train for more epochs or raise the learning rate"))
    norm = float(np.linalg.norm(params)) if np.all(np.isfinite(params)) else np.inf
    d.stats["weight_norm"] = norm
    if initial_norm is not None and (not np.isfinite(norm) or norm > 100 * max(initial_norm, 1.0)):
        d.findings.append(("exploding_weights",
                           f"the weights exploded (||w|| grew from {initial_norm:.3g} to {norm:.3g})",
                           "lower the learning rate, add weight_decay or clip_grad_norm"))
    if np.isfinite(norm) and len(X):
        stats = _hidden_stats(net, params, X)
        d.stats.update(stats)
        sat, dead = stats["saturated_fraction"], stats["dead_fraction"]
        if sat > 0.5:
            d.findings.insert(1 if d.causes[:1] == ["inputs_not_scaled"] else 0, (
                "saturated_units",
                f"{100 * sat:.0f}% of the sigmoid/tanh hidden outputs are saturated "
                "(|y - 0.5| > 0.49 or |y| > 0.99, where g' < 0.01 and the error signal vanishes)",
                "scale the inputs, use a smaller initialisation (init='glorot_uniform') "
                "or a smaller learning rate"))
        if dead > 0.5:
            d.findings.append((
                "dead_relu",
                f"{100 * dead:.0f}% of the ReLU hidden units are dead (0 on every sample)",
                "lower the learning rate, use init='he_uniform', or a smooth activation"))
    if kind == "stalled" and not still_decreasing and not d.findings:
        d.findings.append(("plateau", "no specific cause found",
                           "try a larger learning rate, momentum, more hidden units or a "
                           "different initialisation seed"))
    return d


def stall_kind(losses: "list[float] | np.ndarray", baseline: float | None, rel_tol: float = 1e-3) -> str | None:
    """``"decreasing"`` if the loss fell by more than ``rel_tol`` over the last tenth of the run
    (at least 2, at most 10 epochs) -- and by more than 1e-12 of ``baseline`` (a loss at the
    level of rounding has converged, whatever its relative changes) -- ``"high"`` if it is
    flat but above half ``baseline`` (the loss of predicting the target mean), else None."""
    if isinstance(losses, np.ndarray):
        finite = losses[np.isfinite(losses)]
    else:
        finite = [v for v in losses if v is not None and np.isfinite(v)]
    if len(finite) < 3:
        return None
    k = int(min(10, max(2, len(finite) // 10)))
    old, new = finite[-k - 1], finite[-1]
    floor = 1e-12 * (baseline if baseline is not None and baseline > 0 else 1.0)
    if old - new > max(rel_tol * abs(old), floor):
        return "decreasing"
    if baseline is not None and baseline > 0 and new > 0.5 * baseline:
        return "high"
    return None


def warn(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside the backprop package."""
    import os
    import sys
    import warnings
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(pkg):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)
