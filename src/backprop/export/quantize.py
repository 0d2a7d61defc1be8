"""Fixed-point quantisation of a model: integer weights and scales, and the proof that nothing overflows.

Every layer's input is a vector of integer codes q_j in [qlo_j, qhi_j] standing
for the values a_j = S_j (q_j - Z_j), Z_j an integer zero point.  The first
layer's codes are 16-bit in both formats (a sensor keeps its resolution) and
stand for the network's inputs u = M x + C, the preprocessing folded into one
affine map of the raw x (x_j = lo_j + scale_j (q_j + 32768)), with one step S
for all inputs so that the first layer's weights share a scale.  With
W~ = W diag(S) the layer computes, in integers,

    acc_i = bq_i + sum_j Wq_ij q_j,   Wq = round(W~ / Sw_i),  bq_i = round(b_i / Sw_i) - sum_j Wq_ij Z_j

so that s_i ~ Sw_i acc_i, the zero points folded in exactly (the rounding of
Wq then weighs the values a_j, not the codes).  ``q15`` uses one power of two
per layer, Sw = 2^-e (Qm.n: 16-bit weights and activations, shifts only);
``int8`` one scale per unit ("per channel") and 8-bit activations with zero
points, requantised by an integer multiplier and a shift.

Overflow.  The exact range of acc_i over *every* input code is
bq_i + sum_j min/max(Wq_ij qlo_j, Wq_ij qhi_j); each term's range holds 0, so
every partial sum lies in it too.  The accumulator is ``int32_t`` when that
range fits, else ``int64_t``; each product Wq_ij q_j fits int32 (|Wq| < 2^15,
|q| <= 2^15); requantisation multiplies acc by an integer below 2^30 in int64,
and :func:`quantize` checks that |acc| times it stays below 2^63.  So no input
whatsoever overflows: out-of-range values saturate at the codes' ends.

Scales.  Weight scales come from max |W~|; the input ranges and those of
identity and relu units from calibration data (observed range widened by a
margin on each side, ``Format.margin`` unless given), never wider than the
worst case the weights allow for the codes' range, which is used alone without
calibration data (then every network input is assumed in [-4, 4]).  Bounded
activations have fixed ranges: tanh [-1, 1), sigmoid and softmax [0, 1),
step {0, 1}.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._errors import ConfigError, DataError, check_range
from ..model import Model
from . import _fixedmath as fm
from ._plan import Plan, make_plan

ASSUMED_RANGE = 4.0    # without calibration data: every network input in [-4, 4]
MULT_BITS = 30         # requantisation multipliers are below 2^30
T_MAX = 1 << 28        # fixed-point logits t = s 2^16 saturate at |s| = 4096
IN_MIN, IN_MAX = -32768, 32767  # input codes are int16_t in both formats


@dataclass(frozen=True)
class Format:
    """A fixed-point number format: code width and how weights are scaled."""

    name: str
    bits: int
    per_channel: bool  # int8: a scale per unit; q15: one power of two per layer
    margin: float      # calibrated ranges widen by this share of their width on each side

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1))

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def ctype(self) -> str:
        return f"int{self.bits}_t"

    def bounded(self, act: str) -> tuple[float, int]:
        """(scale S, zero point Z) of a bounded activation's codes: value = S (q - Z)."""
        if act == "tanh":
            return 2.0 ** -(self.bits - 1), 0
        if act in ("sigmoid", "softmax"):
            return 2.0 ** -self.bits, self.qmin
        return 1.0, 0  # step: 0 and 1


# q15 has bits to spare for a wide margin (fewer held-out values saturate); int8 has not.
FORMATS = {"q15": Format("q15", 16, False, 0.5), "int8": Format("int8", 8, True, 0.1)}


@dataclass
class Requant:
    """round(acc mult 2^-shift), mult per unit (None: 1); a negative shift multiplies by 2^-shift."""

    mult: np.ndarray | None
    shift: int


@dataclass
class QLayer:
    """One quantised layer: s_i ~ weight_scale_i acc_i, output codes value = out_scale (q - out_zero)."""

    activation: str
    W: np.ndarray                 # int64, (n_out, n_in)
    bias: np.ndarray              # int64, (n_out,)
    weight_scale: np.ndarray      # (n_out,)
    acc_range: np.ndarray         # int64, (n_out, 2): exact over every input code
    out_scale: np.ndarray         # (n_out,)
    out_zero: np.ndarray          # int64, (n_out,)
    out_codes: np.ndarray         # int64, (n_out, 2): the codes this layer can produce
    code: Requant | None          # acc -> output code (identity, relu)
    logit: Requant | None         # acc -> t = s 2^16 (s/2 for sigmoid): sigmoid, tanh, softmax, labels
    s_bound: np.ndarray           # (n_out, 2): worst-case pre-activation for the input codes
    s_seen: np.ndarray | None     # (n_out, 2): calibration pre-activations' range, widened

    @property
    def acc_bits(self) -> float:
        return float(np.log2(max(1, int(np.abs(self.acc_range).max()))))

    @property
    def acc_type(self) -> str:
        return "int32_t" if np.abs(self.acc_range).max() < 2 ** 31 else "int64_t"

    @property
    def bias_type(self) -> str:
        return "int32_t" if np.abs(self.bias).max(initial=0) < 2 ** 31 else "int64_t"


@dataclass
class Quantized:
    """A model in fixed point: input quantiser, integer layers, and how it was scaled."""

    fmt: Format
    plan: Plan
    in_lo: np.ndarray             # raw x_j = in_lo_j + in_scale_j (q_j + 32768)
    in_scale: np.ndarray
    in_fill: np.ndarray           # the code a missing (NaN) x_j reads as
    in_step: float                # the codes' step in network-input units (one for all inputs)
    layers: list[QLayer]
    calibration_rows: int         # 0: ranges assumed, not calibrated
    margin: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def n_outputs(self) -> int:
        return self.plan.n_outputs

    @property
    def in_inv_scale(self) -> np.ndarray:
        """1 / in_scale, and 0 for an input the network ignores."""
        with np.errstate(divide="ignore"):
            return np.where(self.in_scale != 0, 1.0 / self.in_scale, 0.0)

    def report(self) -> str:
        """Scales, worst-case accumulators and activation error bounds, one line each."""
        f = self.fmt
        how = (f"calibrated on {self.calibration_rows} rows (ranges widened by {self.margin:.0%})"
               if self.calibration_rows else
               f"not calibrated: each network input assumed in [-{ASSUMED_RANGE:g}, "
               f"{ASSUMED_RANGE:g}] (give calibration data, --calibrate DATA.csv)")
        lines = [f"{f.name}: {f.bits}-bit codes, " + ("per-unit scales and zero points"
                 if f.per_channel else "one power-of-two scale per layer") + f", {how}",
                 (f"inputs: 16-bit codes, step {self.in_step:.3g} in network-input units "
                  f"(x = lo + scale (q + 32768), scale {_span(self.in_scale)})")]
        for l, L in enumerate(self.layers):
            n_out, n_in = L.W.shape
            scale = (f"s = acc 2^{round(np.log2(L.weight_scale[0]))}" if not f.per_channel
                     else f"s = acc x {_span(L.weight_scale)}")
            out = _out_text(f, L)
            lines.append(f"layer {l + 1}: {n_in} -> {n_out} {L.activation}; {scale}; "
                         f"|acc| <= 2^{L.acc_bits:.1f} ({L.acc_type}); {out}")
        lines.append("no overflow: each accumulator bound holds for every input code "
                     "(sum of |Wq| times the codes' range, plus |bias|)")
        return "\n".join(lines + self.notes)


def label_threshold(act: str) -> int:
    """The logit t = s 2^16 (s/2 for sigmoid; 0/1 for step) at which one output unit's z
    reaches 0.5, the model's rule for a single-unit classifier (softmax: always class 1)."""
    return {"sigmoid": 0, "tanh": round(np.arctanh(0.5) * 2 ** fm.FRAC),
            "identity": 1 << (fm.FRAC - 1), "relu": 1 << (fm.FRAC - 1), "step": 1}[act]


def _span(a: np.ndarray) -> str:
    lo, hi = float(np.min(a)), float(np.max(a))
    return f"{lo:.3g}" if np.isclose(lo, hi, rtol=1e-9) else f"{lo:.3g}..{hi:.3g}"


def _out_text(f: Format, L: QLayer) -> str:
    step = float(np.max(L.out_scale))
    if L.activation == "tanh":
        return f"tanh within {fm.tanh_error() + 2.0 ** -17:.1e} + half a code ({step / 2:.1e})"
    if L.activation == "sigmoid":
        return f"sigmoid within {fm.tanh_error() / 2 + 2.0 ** -18:.1e} + half a code ({step / 2:.1e})"
    if L.activation == "softmax":
        k = L.W.shape[0]
        return (f"softmax within {(k + 1) * fm.exp_error() + 2.0 ** -15:.1e} + half a code "
                f"({step / 2:.1e})")
    if L.activation == "step":
        return "step exact (acc >= 0)"
    lo = L.out_scale * (L.out_codes[:, 0] - L.out_zero)
    hi = L.out_scale * (L.out_codes[:, 1] - L.out_zero)
    return f"outputs in [{lo.min():.3g}, {hi.max():.3g}], code step {_span(L.out_scale)}"


def _fold_inputs(plan: Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The input ops as u = M x + C for a present x, u = fill (NaN: not imputed) for a missing one."""
    n = plan.n_inputs
    M, C, fill = np.ones(n), np.zeros(n), np.full(n, np.nan)
    for op, a in plan.input_ops:
        if op == "impute":
            fill = np.where(np.isnan(fill), a["value"], fill)  # a later impute sees no NaN
        else:
            M, C, fill = M * a["scale"], (C - a["offset"]) * a["scale"], (fill - a["offset"]) * a["scale"]
    return M, C, fill


def _widen(lo: np.ndarray, hi: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    width = hi - lo
    pad = np.where(width > 0, margin * width, 0.5 * np.maximum(np.abs(lo), 1.0))
    return lo - pad, hi + pad


def _requant(fmt: Format, R: np.ndarray, acc_max: int) -> Requant:
    """round(acc R) as integers; R is exactly a power of two for q15."""
    if not fmt.per_channel:
        k = round(np.log2(R.flat[0]))
        if acc_max * 2.0 ** max(k, 0) >= 2 ** 62:
            raise ConfigError("requantisation overflows int64; the weights are too large for q15")
        return Requant(None, -k)
    top = float(R.max())
    shift = int(np.floor(np.log2((2 ** MULT_BITS - 1) / top))) if top > 0 else 62
    if shift < 0:
        raise ConfigError(f"a requantisation factor of {top:.3g} is too large for int8")
    shift = min(shift, 62)
    mult = np.round(R * 2.0 ** shift).astype(np.int64)
    if acc_max * int(mult.max(initial=0)) >= 2 ** 63:
        raise ConfigError("requantisation overflows int64")
    return Requant(mult, shift)


def _layer(fmt: Format, W: np.ndarray, b: np.ndarray, act: str, S_in: np.ndarray,
           Z_in: np.ndarray, q_in: np.ndarray, seen: np.ndarray | None, logits: bool) -> QLayer:
    n_out = W.shape[0]
    Wt = W * S_in[None, :]
    a_lo, a_hi = S_in * (q_in[:, 0] - Z_in), S_in * (q_in[:, 1] - Z_in)
    s_bound = np.stack([b + np.minimum(W * a_lo, W * a_hi).sum(1),
                        b + np.maximum(W * a_lo, W * a_hi).sum(1)], 1)
    big = np.abs(Wt).max(axis=1) if fmt.per_channel else np.full(n_out, np.abs(Wt).max())
    if fmt.per_channel:
        Sw = np.where(big > 0, big / fmt.qmax, 1.0)
    else:
        e = int(np.floor(np.log2(fmt.qmax / big[0]))) if big[0] > 0 else 0
        Sw = np.full(n_out, 2.0 ** -e)
    Wq = np.clip(np.round(Wt / Sw[:, None]), -fmt.qmax, fmt.qmax).astype(np.int64)
    bq_real = np.round(b / Sw)
    if not np.all(np.abs(bq_real) < 2 ** 62):
        raise ConfigError("a bias is too large for its weights to be quantised")
    bq = bq_real.astype(np.int64) - Wq @ Z_in  # the zero points, exactly: acc = b/Sw + Wq (q - Z)
    acc = np.stack([bq + np.minimum(Wq * q_in[:, 0], Wq * q_in[:, 1]).sum(1),
                    bq + np.maximum(Wq * q_in[:, 0], Wq * q_in[:, 1]).sum(1)], 1)
    acc_max = int(np.abs(acc).max())
    if acc_max >= 2 ** 62:
        raise ConfigError("a layer's worst-case accumulator exceeds 2^62")
    code = logit = None
    if act in ("identity", "relu"):
        lo, hi = s_bound[:, 0].copy(), s_bound[:, 1].copy()
        if seen is not None:
            lo, hi = np.maximum(lo, seen[:, 0]), np.minimum(hi, seen[:, 1])
        if act == "relu":
            lo, hi = np.zeros(n_out), np.maximum(hi, 0.0)
        if not fmt.per_channel:
            lo, hi = np.full(n_out, lo.min()), np.full(n_out, hi.max())
        hi = np.where(hi - lo > 1e-12 * np.maximum(np.abs(lo), 1.0), hi, lo + 1.0)  # dead unit
        if fmt.per_channel:
            S = (hi - lo) / (fmt.qmax - fmt.qmin)
            Z = np.round(fmt.qmin - lo / S).astype(np.int64)
        else:
            R = max(np.abs(lo).max(), np.abs(hi).max())
            S = np.full(n_out, 2.0 ** -np.floor(np.log2(fmt.qmax / R)))
            Z = np.zeros(n_out, np.int64)
        codes = np.stack([np.maximum(fmt.qmin, Z) if act == "relu" else np.full(n_out, fmt.qmin),
                          np.full(n_out, fmt.qmax)], 1)
        code = _requant(fmt, Sw / S, acc_max)
    else:
        s, z = fmt.bounded(act)
        S, Z = np.full(n_out, s), np.full(n_out, z, np.int64)
        codes = np.array([[0, 1]] * n_out) if act == "step" else np.array([[fmt.qmin, fmt.qmax]] * n_out)
    if act in ("sigmoid", "tanh", "softmax") or (logits and act in ("identity", "relu")):
        logit = _requant(fmt, Sw * 2.0 ** (fm.FRAC - (act == "sigmoid")), acc_max)
    return QLayer(act, Wq, bq, Sw, acc, S, Z, codes.astype(np.int64), code, logit, s_bound, seen)


def _calibration_u(model: Model, X, include_preprocessing: bool, plan: Plan, M: np.ndarray,
                   C: np.ndarray, fill_u: np.ndarray) -> np.ndarray:
    """Calibration rows (raw, as for ``model.predict``) as the network's inputs, computed as the
    exported function computes them (the network-only export: the model's own preprocessing)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise DataError(f"calibration data must be a non-empty 2-D array of rows, got shape {X.shape}")
    if not include_preprocessing:
        X = np.asarray(model.transform(X), dtype=np.float64)
    if X.shape[1] != plan.n_inputs:
        raise DataError(f"calibration data has {X.shape[1]} columns; the exported function "
                        f"takes {plan.n_inputs} inputs")
    U = np.where(np.isnan(X), fill_u[None, :], X * M + C)
    if not np.all(np.isfinite(U)):
        j = int(np.argmax(~np.isfinite(U).all(axis=0)))
        raise DataError(f"calibration data column {j + 1} has missing or infinite values that the "
                        "model does not impute")
    return U


def quantize(model: Model, numeric: str = "int8", calibration=None,
             include_preprocessing: bool = True, margin: float | None = None) -> Quantized:
    """Quantise ``model`` to ``numeric`` ("q15" or "int8").

    ``calibration``: rows of raw inputs (as for ``model.predict``) that set the input ranges and
    the ranges of identity and relu units; without it every network input is assumed to lie in
    [-ASSUMED_RANGE, ASSUMED_RANGE] and the unit ranges are the worst case the weights allow.
    """
    if numeric not in FORMATS:
        raise ConfigError(f"unknown fixed-point format {numeric!r}; valid choices: {', '.join(FORMATS)}")
    fmt = FORMATS[numeric]
    margin = fmt.margin if margin is None else float(check_range("margin", margin, 0.0))
    plan = make_plan(model, include_preprocessing)
    M, C, fill_u = _fold_inputs(plan)
    n_rows, seen = 0, [None] * len(plan.layers)
    lo, hi = np.full(plan.n_inputs, -ASSUMED_RANGE), np.full(plan.n_inputs, ASSUMED_RANGE)
    if calibration is not None:
        U = _calibration_u(model, calibration, include_preprocessing, plan, M, C, fill_u)
        u_lo, u_hi = U.min(axis=0), U.max(axis=0)
        w_lo, w_hi = _widen(u_lo, u_hi, margin)
        flat = u_lo == u_hi  # no spread seen: the assumed range, around the value
        lo = np.where(flat, np.minimum(u_lo, lo), w_lo)
        hi = np.where(flat, np.maximum(u_hi, hi), w_hi)
        seen = [np.stack(_widen(s.min(axis=0), s.max(axis=0), margin), 1)
                for s in model.network.forward_trace(U)[0]]
        n_rows = U.shape[0]
    else:
        warnings.warn(f"{numeric}: no calibration rows given, so each network input is assumed to lie "
                      f"in [-{ASSUMED_RANGE:g}, {ASSUMED_RANGE:g}] and values beyond saturate; give rows "
                      "that cover what the device will see", UserWarning, stacklevel=2)
    # One step for every network input (so that the first layer's weights share a scale),
    # each input's codes centred on its range: u_j = S (q_j - Z_j).
    S = float((hi - lo).max()) / (IN_MAX - IN_MIN)
    centre = np.where(M != 0, (lo + hi) / 2, C + S * (IN_MAX - IN_MIN) / 2)
    Z_in = np.round((IN_MIN + IN_MAX) / 2 - centre / S).astype(np.int64)  # u_j = S (q_j - Z_j)
    S_in = np.full(plan.n_inputs, S)
    fill = np.where(np.isnan(fill_u), C, fill_u)  # a NaN the model does not impute reads as x = 0
    fill_code = np.clip(np.round(fill / S) + Z_in, IN_MIN, IN_MAX).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):  # raw x_j = in_lo_j + in_scale_j (q + 32768)
        in_scale = np.where(M != 0, S / M, 0.0)  # 0: the network ignores x_j
        in_lo = np.where(M != 0, (S * (IN_MIN - Z_in) - C) / M, 0.0)
    q_in = np.array([[IN_MIN, IN_MAX]] * plan.n_inputs)
    layers = []
    for l, (W, b, act) in enumerate(plan.layers):
        last = l == len(plan.layers) - 1
        L = _layer(fmt, W, b, act, S_in, Z_in, q_in, seen[l], last and plan.task == "classification")
        layers.append(L)
        S_in, Z_in, q_in = L.out_scale, L.out_zero, L.out_codes
    return Quantized(fmt, plan, in_lo, in_scale, fill_code, S, layers, n_rows, margin)
