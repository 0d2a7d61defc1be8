"""Explain mode: one forward and backward pass for one sample, every term named.

For the lecture's 2-2-1 network the terms carry the lecture's names::

    u_j = b_j + w_j1 x1 + w_j2 x2,  y_j = g(u_j),  s = c + v1 y1 + v2 y2,  z = g(s)
    dE/dv_j  = dE/dz * dz/ds * ds/dv_j                              (ds/dv_j = y_j)
    dE/dw_jk = dE/dz * dz/ds * ds/dy_j * dy_j/du_j * du_j/dw_jk     (ds/dy_j = v_j, du_j/dw_jk = x_k)

The inputs and every parameter (w11, ..., c; ``W[l][j,k]``, ``b[l][j]`` for
other networks) come first, so each forward value can be recomputed by hand.
For a canonical output/loss pair (identity + squared error, sigmoid + binary
cross-entropy, softmax + cross-entropy) the output delta dE/ds is z - t, as
backpropagation computes it, and the chains start from it.  Each gradient is
shown as the product of its chain, beside the value backpropagation computed
for the whole network and a central finite difference (for every parameter,
for none, or for the chosen ones: ``finite_differences=``; each costs two
evaluations of E).  Any other network is explained layer by layer:
pre-activations u, outputs y, deltas dE/du, and every dE/dW, dE/db.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from . import losses
from ._errors import ConfigError
from .network import Network

__all__ = ["explain", "Explanation", "parameter_names"]

LECTURE_PARAMS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")


@dataclass
class Term:
    """A named number: an input, a parameter, a forward value or a local partial derivative."""

    name: str
    value: float
    formula: str = ""


@dataclass
class Gradient:
    """dE/d(parameter): its chain of factors, their product, backprop and finite difference
    (None where it was not computed)."""

    name: str
    chain: list[Term]
    product: float
    backprop: float
    finite_difference: float | None


@dataclass
class Explanation:
    """Everything one forward/backward pass computes, by name (see :func:`explain`)."""

    architecture: list[int]
    activations: list[str]
    loss: str
    x: list[float]
    t: list[float]
    E: float
    inputs: list[Term] = field(default_factory=list)
    parameters: list[Term] = field(default_factory=list)
    forward: list[Term] = field(default_factory=list)
    local: list[Term] = field(default_factory=list)
    gradients: list[Gradient] = field(default_factory=list)
    lecture_names: bool = False

    def _terms(self) -> tuple[Term, ...]:
        return (*self.inputs, *self.parameters, *self.forward, *self.local)

    def __getitem__(self, name: str) -> float:
        """Look up any input, parameter, forward value, local derivative or gradient by its name."""
        for term in self._terms():
            if term.name == name:
                return term.value
        for g in self.gradients:
            if g.name == name:
                return g.backprop
        raise KeyError(name)

    def max_fd_error(self) -> float | None:
        """Largest |backprop - finite difference| over the parameters checked (None: none were)."""
        errors = [abs(g.backprop - g.finite_difference) for g in self.gradients
                  if g.finite_difference is not None]
        return max(errors) if errors else None

    def to_dict(self) -> dict:
        def terms(ts: list[Term]) -> dict:
            return {t.name: {"value": t.value, "formula": t.formula} if t.formula else {"value": t.value}
                    for t in ts}
        return {
            "architecture": self.architecture, "activations": self.activations, "loss": self.loss,
            "x": self.x, "t": self.t, "E": self.E,
            "inputs": terms(self.inputs), "parameters": terms(self.parameters),
            "forward": terms(self.forward), "local_derivatives": terms(self.local),
            "gradients": {g.name: {"chain": [c.name for c in g.chain],
                                   "factors": [c.value for c in g.chain],
                                   "product": g.product, "backprop": g.backprop,
                                   "finite_difference": g.finite_difference}
                          for g in self.gradients},
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def __str__(self) -> str:
        w = max(len(t.name) for t in self._terms())

        def rows(ts: list[Term]) -> list[str]:
            return [f"  {t.name:<{w}} = {_fixed(t.value, 6)}   {t.formula}".rstrip() for t in ts]

        order = ("w11,w12,w21,w22,b1,b2,v1,v2,c" if self.lecture_names
                 else "per layer W row by row, then b")
        lines = [f"Network {'-'.join(map(str, self.architecture))}, activations "
                 f"{', '.join(self.activations)}, loss {self.loss}",
                 f"x = {_fmt_list(self.x)}   t = {_fmt_list(self.t)}", "",
                 "Inputs", *rows(self.inputs), "",
                 f"Parameters (the order of net.params and --weights: {order})", *rows(self.parameters),
                 "", "Forward pass", *rows(self.forward), "", "Local derivatives", *rows(self.local),
                 "", "Chain rule: gradient = product of its chain     backprop    finite diff."]
        for g in self.gradients:
            fd = "" if g.finite_difference is None else f"   {_fixed(g.finite_difference, 8)}"
            numbers = f"{_fixed(g.product, 8)}   {_fixed(g.backprop, 8)}{fd}".rstrip()
            if len(g.chain) > 1:
                pad = " " * len(g.name)
                lines += [f"  {g.name} = {' * '.join(c.name for c in g.chain)}",
                          f"  {pad} = {' * '.join(f'({c.value + 0.0:.6g})' for c in g.chain)}",
                          f"  {pad} = {numbers}"]
            else:
                lines.append(f"  {g.name} = {numbers}")
        err = self.max_fd_error()
        if err is not None:
            lines += ["", f"max |backprop - finite difference| = {err:.2e}"]
        return "\n".join(lines)


def _fixed(v: float, decimals: int) -> str:
    """``v`` with ``decimals`` decimals and a sign column, padded to that width; a whole number
    (an input of 1, a derivative of 0, and anything that rounds to zero) without them."""
    s = f"{v: .{decimals}f}"
    if float(s) == 0:
        return " 0".ljust(len(s))
    return f"{int(v): d}".ljust(len(s)) if v == int(v) and abs(v) < 1e15 else s


def _fmt_list(v: list[float]) -> str:
    return "(" + ", ".join(f"{a + 0.0:g}" for a in v) + ")"


def parameter_names(net: Network) -> list[str]:
    """Each entry of ``net.params`` by name: the lecture's for 2-2-1, else ``W[l][j,k]``, ``b[l][j]``."""
    return list(LECTURE_PARAMS) if _is_lecture_net(net) else _layer_names(net)


def _layer_names(net: Network) -> list[str]:
    names = []
    for l, (W, _) in enumerate(net.unflatten(net.params), start=1):
        names += [f"W[{l}][{j + 1},{k + 1}]" for j in range(W.shape[0]) for k in range(W.shape[1])]
        names += [f"b[{l}][{j + 1}]" for j in range(W.shape[0])]
    return names


def _layout(net: Network, lecture: bool) -> list[str]:
    """Where each parameter sits: its flat index (and its layer name for the lecture's network)."""
    flat = [f"params[{i}]" for i in range(net.n_params)]
    return [f"{n}, {f}" for n, f in zip(_layer_names(net), flat)] if lecture else flat


def explain(net: Network, x, t, loss: str = "squared_error", eps: float = 1e-6,
            finite_differences: bool | Iterable[int | str] = True) -> Explanation:
    """One sample's forward and backward pass with every term named and valued.

    Parameters
    ----------
    net : Network
    x, t : array-like
        One input pattern (``n_inputs`` values) and its target (``n_outputs`` values).
    loss : str
        Loss name (see :mod:`backprop.losses`); E is for this one sample.
    eps : float
        Step of the central finite differences shown beside each gradient.
    finite_differences : bool or iterable of int or str
        Which gradients get a central finite difference (two evaluations of E each):
        ``True`` all, ``False`` none, or the parameters listed by flat index in
        ``net.params`` or by name (``"w11"``, ``"W[2][1,3]"``, ``"b[1][2]"``; the gradient's
        name without ``"dE/d"``).  The others have ``finite_difference=None``.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    if x.size != net.n_inputs:
        raise ConfigError(f"x has {x.size} values; the network has {net.n_inputs} inputs")
    if t.size != net.n_outputs:
        raise ConfigError(f"t has {t.size} values; the network has {net.n_outputs} outputs")
    ref = net if net.dtype == np.float64 else _as_float64(net)
    X, T = x[None, :], t[None, :]
    E, grad = ref.loss_and_grad(X, T, loss=loss, reduction="sum")
    us, ys = ref.forward_trace(X)
    us, ys = [u[0] for u in us], [y[0] for y in ys]
    lossf = losses.get(loss)
    dEdz = lossf.dz(ys[-1][None, :], T)[0] + 0.0          # + 0.0: no -0 where t = 0
    exp = Explanation(list(net.layer_sizes), net.activations, lossf.name, x.tolist(), t.tolist(), E,
                      lecture_names=_is_lecture_net(net))
    exp.parameters = [Term(n, float(v), where) for n, v, where
                      in zip(parameter_names(ref), ref.params, _layout(ref, exp.lecture_names))]
    if exp.lecture_names:
        _fill_lecture(exp, ref, x, t, us, ys, dEdz, grad)
    else:
        _fill_general(exp, ref, x, t, us, ys, dEdz, grad, lossf)
    chosen = _chosen(exp, finite_differences)
    for i, value in zip(chosen, _finite_differences(ref, X, T, loss, eps, chosen)):
        exp.gradients[i].finite_difference = float(value)
    return exp


def _chosen(exp: Explanation, which: bool | Iterable[int | str]) -> list[int]:
    """Flat indices of the parameters ``finite_differences=`` asks for."""
    P = len(exp.gradients)
    if which is True or which is False:
        return list(range(P)) if which else []
    if isinstance(which, (str, int, np.integer)):
        which = [which]
    names = {g.name.removeprefix("dE/d"): i for i, g in enumerate(exp.gradients)}
    out = []
    for item in which:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item < P:
            out.append(int(item))
        elif isinstance(item, str) and item.removeprefix("dE/d") in names:
            out.append(names[item.removeprefix("dE/d")])
        else:
            some = ", ".join(list(names)[:3])
            raise ConfigError(f"finite_differences: unknown parameter {item!r}; give True, False, "
                              f"or flat indices in [0, {P - 1}] or names such as {some}")
    return sorted(set(out))


def _as_float64(net: Network) -> Network:
    state = net.__getstate__()
    state["dtype"] = "<f8"
    new = object.__new__(Network)
    new.__setstate__(state)
    return new


def _finite_differences(net: Network, X, T, loss, eps, indices: list[int]) -> np.ndarray:
    """(E(w + eps e_i) - E(w - eps e_i)) / (2 eps) for each i in ``indices``."""
    probe = net.copy()
    out = np.empty(len(indices))
    for n, i in enumerate(indices):
        probe.params[i] = net.params[i] + eps
        up = probe.loss(X, T, loss)
        probe.params[i] = net.params[i] - eps
        down = probe.loss(X, T, loss)
        probe.params[i] = net.params[i]
        out[n] = (up - down) / (2 * eps)
    return out


def _is_lecture_net(net: Network) -> bool:
    return tuple(net.layer_sizes) == (2, 2, 1) and all(
        net.layers[i].activation.elementwise for i in range(2))


def _rename(formula: str, old: str, new: str) -> str:
    return re.sub(rf"\b{old}\b", new, formula)


def _gprime(act, y: np.ndarray) -> np.ndarray:
    return act.deriv(y[None, :])[0]


def output_delta(act, lossf, z: np.ndarray, t: np.ndarray, dEdz: np.ndarray) -> tuple[np.ndarray, str]:
    """dE/ds of the output units, as backpropagation computes it, and the rule used.

    Canonical pairs (the loss's ``canonical`` output activation) give z - t; other element-wise
    outputs g'(s) dE/dz; softmax with another loss its vector-Jacobian product.
    """
    if act.name == lossf.canonical:
        return z - t + 0.0, "canonical"
    if act.elementwise:
        return dEdz * _gprime(act, z) + 0.0, "elementwise"
    return act.backward(z[None, :], dEdz[None, :], np.empty((1, z.size)))[0] + 0.0, "softmax"


def _canonical_note(act, lossf) -> str:
    return f"(canonical pair {act.name} + {lossf.name}: the chain rule's product simplifies to z - t)"


def _fill_lecture(exp, net, x, t, us, ys, dEdz, grad) -> None:
    (_, _), (V, _) = net.unflatten(net.params)
    hidden, output = net.layers[0].activation, net.layers[1].activation
    lossf = losses.get(exp.loss)
    u, y, s, z = us[0], ys[0], us[1][0], ys[1][0]
    exp.inputs = [Term("x1", x[0]), Term("x2", x[1]), Term("t", t[0])]
    for j in (0, 1):
        exp.forward.append(Term(f"u{j+1}", u[j], f"b{j+1} + w{j+1}1 x1 + w{j+1}2 x2"))
    for j in (0, 1):
        exp.forward.append(Term(f"y{j+1}", y[j], f"g(u{j+1}) = " + _rename(hidden.formula, "s", f"u{j+1}")))
    exp.forward += [Term("s", s, "c + v1 y1 + v2 y2"),
                    Term("z", z, f"g(s) = {output.formula}"),
                    Term("E", exp.E, lossf.formula)]
    dzds = _gprime(output, ys[1])[0]
    gu = _gprime(hidden, y)
    delta, rule = output_delta(output, lossf, ys[1], np.array([t[0]]), dEdz)
    L = {"dE/dz": Term("dE/dz", dEdz[0], lossf.dz_formula),
         "dz/ds": Term("dz/ds", dzds, f"g'(s) = {output.deriv_formula}"),
         "dE/ds": Term("dE/ds", delta[0], "dE/dz * dz/ds" if rule != "canonical"   # the shared factor
                       else f"z - t   {_canonical_note(output, lossf)}")}
    for j in (1, 2):
        L[f"ds/dv{j}"] = Term(f"ds/dv{j}", y[j - 1], f"y{j}")
    L["ds/dc"] = Term("ds/dc", 1.0, "1")
    for j in (1, 2):
        L[f"ds/dy{j}"] = Term(f"ds/dy{j}", V[0, j - 1], f"v{j}")
    for j in (1, 2):
        L[f"dy{j}/du{j}"] = Term(f"dy{j}/du{j}", gu[j - 1],
                                 f"g'(u{j}) = " + _rename(hidden.deriv_formula, "z", f"y{j}"))
    for j in (1, 2):
        for k in (1, 2):
            L[f"du{j}/dw{j}{k}"] = Term(f"du{j}/dw{j}{k}", x[k - 1], f"x{k}")
        L[f"du{j}/db{j}"] = Term(f"du{j}/db{j}", 1.0, "1")
    exp.local = list(L.values())
    # flat layout: w11 w12 w21 w22 b1 b2 v1 v2 c; canonical pairs start from dE/ds = z - t
    top = [L["dE/ds"]] if rule == "canonical" else [L["dE/dz"], L["dz/ds"]]
    chains = {}
    for j in (1, 2):
        for k in (1, 2):
            chains[f"dE/dw{j}{k}"] = top + [L[f"ds/dy{j}"], L[f"dy{j}/du{j}"], L[f"du{j}/dw{j}{k}"]]
    for j in (1, 2):
        chains[f"dE/db{j}"] = top + [L[f"ds/dy{j}"], L[f"dy{j}/du{j}"], L[f"du{j}/db{j}"]]
    for j in (1, 2):
        chains[f"dE/dv{j}"] = top + [L[f"ds/dv{j}"]]
    chains["dE/dc"] = top + [L["ds/dc"]]
    for i, (name, chain) in enumerate(chains.items()):
        exp.gradients.append(Gradient(name, chain, float(np.prod([c.value for c in chain])) + 0.0,
                                      float(grad[i]) + 0.0, None))


def _delta_formula(rule: str, act, lossf, L: int, j: int) -> str:
    if rule == "canonical":
        return f"z[{j}] - t[{j}]   {_canonical_note(act, lossf)}"
    if rule == "elementwise":
        return f"g'(u[{L}][{j}]) dE/dz[{j}], g'(u) = {act.deriv_formula}"
    return f"z[{j}] (dE/dz[{j}] - sum_k z[k] dE/dz[k])   (softmax's Jacobian times dE/dz)"


def _fill_general(exp, net, x, t, us, ys, dEdz, grad, lossf) -> None:
    n_layers = len(net.layers)
    exp.inputs = [Term(f"x[{k+1}]", v) for k, v in enumerate(x)]
    exp.inputs += [Term(f"t[{k+1}]", v) for k, v in enumerate(t)]
    for l in range(n_layers):
        act = net.layers[l].activation
        for j in range(us[l].size):
            exp.forward.append(Term(f"u[{l+1}][{j+1}]", us[l][j],
                                    f"b[{l+1}][{j+1}] + sum_k W[{l+1}][{j+1},k] y[{l}][k]"))
            g = (f"exp(u[{l+1}][{j+1}]) / sum_i exp(u[{l+1}][i])" if not act.elementwise
                 else f"{act.name}(u[{l+1}][{j+1}])")
            exp.forward.append(Term(f"y[{l+1}][{j+1}]", ys[l][j],
                                    g + (f" = z[{j+1}]" if l == n_layers - 1 else "")))
    exp.forward.append(Term("E", exp.E, lossf.formula))
    # deltas dE/du, layer by layer from the output back
    deltas = [None] * n_layers
    out_act = net.layers[-1].activation
    deltas[-1], rule = output_delta(out_act, lossf, ys[-1], t, dEdz)
    for l in range(n_layers - 2, -1, -1):
        dy = net.layers[l + 1].W.T @ deltas[l + 1]
        deltas[l] = dy * _gprime(net.layers[l].activation, ys[l]) + 0.0
    for j, v in enumerate(dEdz):
        exp.local.append(Term(f"dE/dz[{j+1}]", v, _rename(_rename(lossf.dz_formula, "z", f"z[{j+1}]"),
                                                             "t", f"t[{j+1}]")))
    for l in range(n_layers):
        for j, v in enumerate(deltas[l]):
            formula = (_delta_formula(rule, out_act, lossf, n_layers, j + 1) if l == n_layers - 1
                       else f"g'(u[{l+1}][{j+1}]) sum_i W[{l+2}][i,{j+1}] delta[{l+2}][i]")
            exp.local.append(Term(f"delta[{l+1}][{j+1}]", v, formula))
    inputs = [x] + ys[:-1]
    i = 0
    for l, (W, b) in enumerate(net.unflatten(net.params)):
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                chain = [Term(f"delta[{l+1}][{j+1}]", deltas[l][j]),
                         Term(f"y[{l}][{k+1}]" if l else f"x[{k+1}]", inputs[l][k])]
                exp.gradients.append(Gradient(f"dE/dW[{l+1}][{j+1},{k+1}]", chain,
                                              chain[0].value * chain[1].value + 0.0,
                                              float(grad[i]) + 0.0, None))
                i += 1
        for j in range(W.shape[0]):
            chain = [Term(f"delta[{l+1}][{j+1}]", deltas[l][j])]
            exp.gradients.append(Gradient(f"dE/db[{l+1}][{j+1}]", chain, float(deltas[l][j]),
                                          float(grad[i]) + 0.0, None))
            i += 1
