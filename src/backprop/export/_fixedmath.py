"""The integer arithmetic of the fixed-point C export: C source and an exact NumPy mirror.

Each C helper below is written twice: as C text (what the export emits) and as
a NumPy function doing the same integer operations in the same order.  The
mirror is not used to run models; it proves the error bounds the export states,
by evaluating the C arithmetic on *every* input it can receive
(:func:`tanh_error`, :func:`exp_error`), and the tests check the compiled C
against it bit for bit.

    bp_shr(v, s)      v / 2^s rounded to nearest, halves away from zero (s >= 1);
                      never shifts a negative number (implementation-defined in C99)
    bp_tanh(t)        tanh(t / 2^16) in Q15: cubic Hermite interpolation between
                      tanh(k/8), k = 0..64, with the slopes 1 - tanh^2 from the same
                      table; sigmoid(s) = (1 + tanh(s/2)) / 2 uses it too
    bp_exp(d)         exp(-d / 2^16) in Q15 for d >= 0: 2^-u with u = d log2(e),
                      2^-frac(u) by the same Hermite rule on 2^(-k/8), k = 0..8
    bp_softmax        max-subtracted exponentials, normalised by one integer division

Every intermediate fits int32 (asserted over the whole domain by
:func:`tanh_error` and :func:`exp_error`), except products with weights and
requantisation multipliers, which are int64.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

FRAC = 16                    # fixed-point logits t = s * 2^16
STEP = 3                     # table spacing 2^-3
TANH_END = 8                 # tanh(8) = 1 - 2.3e-7: 1.0 in Q15 beyond
TANH_TABLE = np.round(np.tanh(np.arange(TANH_END * 2 ** STEP + 1) / 2 ** STEP) * 32768).astype(np.int64)
EXP2_TABLE = np.round(2.0 ** (-np.arange(2 ** STEP + 1) / 2 ** STEP) * 32768).astype(np.int64)
LOG2E_Q16 = round(np.log2(np.e) * 2 ** 16)      # 94548
LN2_STEP_Q15 = round(np.log(2) / 2 ** STEP * 32768)  # slope of 2^-f times the step: 2839
_TB = FRAC - STEP            # bits of the position inside a table interval (Q13)


def shr(v, s) -> np.ndarray:
    """``bp_shr``: v / 2^s rounded to nearest, halves away from zero (s >= 1)."""
    v, s = np.asarray(v, np.int64), np.asarray(s, np.int64)
    half = np.left_shift(np.int64(1), s - 1)
    return np.where(v >= 0, (v + half) >> s, -((half - v) >> s))


def _hermite(p0, p1, m0, m1, t):
    """``bp_hermite``: the cubic through p0, p1 with slopes m0, m1 (per step) at t / 2^13."""
    d = p1 - p0
    r = m0 + m1 - 2 * d
    r = 3 * d - 2 * m0 - m1 + shr(r * t, _TB)
    r = m0 + shr(r * t, _TB)
    return p0 + shr(r * t, _TB), [r * t]


def tanh_q15(x) -> tuple[np.ndarray, list]:
    """``bp_tanh_pos``: tanh(x / 2^16) in Q15 for 0 <= x; and the products it forms."""
    x = np.asarray(x, np.int64)
    inside = x < (TANH_END << FRAC)
    xi = np.where(inside, x, 0)
    i, t = xi >> _TB, xi & ((1 << _TB) - 1)
    p0, p1 = TANH_TABLE[i], TANH_TABLE[i + 1]
    m0 = shr(32768 - shr(p0 * p0, 15), STEP)
    m1 = shr(32768 - shr(p1 * p1, 15), STEP)
    v, products = _hermite(p0, p1, m0, m1, t)
    return np.where(inside, v, TANH_TABLE[-1]), products + [p0 * p0]


def exp_q15(d) -> tuple[np.ndarray, list]:
    """``bp_exp``: exp(-d / 2^16) in Q15 for 0 <= d < 2^29; and the products it forms."""
    d = np.asarray(d, np.int64)
    u = shr(d * LOG2E_Q16, FRAC)
    n, f = u >> FRAC, u & ((1 << FRAC) - 1)
    i, t = f >> _TB, f & ((1 << _TB) - 1)
    p0, p1 = EXP2_TABLE[i], EXP2_TABLE[i + 1]
    m0, m1 = -shr(p0 * LN2_STEP_Q15, 15), -shr(p1 * LN2_STEP_Q15, 15)
    v, products = _hermite(p0, p1, m0, m1, t)
    out = np.where(n > 15, 0, np.where(n == 0, v, shr(v, np.maximum(n, 1))))
    return out, products + [u]


def _check_int32(products: list) -> None:
    worst = max(int(np.abs(p).max()) for p in products)
    assert worst < 2 ** 31, f"fixed-point helper overflows int32: {worst}"


@cache
def tanh_error() -> float:
    """Largest |bp_tanh(x) / 2^15 - tanh(x / 2^16)| over every x >= 0 (exhaustive)."""
    x = np.arange((TANH_END + 1) << FRAC, dtype=np.int64)
    v, products = tanh_q15(x)
    _check_int32(products)
    return float(np.abs(v / 32768 - np.tanh(x / 2.0 ** FRAC)).max())


@cache
def exp_error() -> float:
    """Largest |bp_exp(d) / 2^15 - exp(-d / 2^16)| over every d in [0, 2^29) (exhaustive up to
    where the result is 0, then the tail bound exp(-11.1) < 2^-16)."""
    d = np.arange(12 << FRAC, dtype=np.int64)  # beyond 12 (u > 17): bp_exp is 0, exp(-d) < 6.2e-6
    v, products = exp_q15(d)
    _check_int32(products)
    _check_int32(exp_q15(np.array([(1 << 29) - 1]))[1])
    return max(float(np.abs(v / 32768 - np.exp(-d / 2.0 ** FRAC)).max()), float(np.exp(-12.0)))


def _table(name: str, values: np.ndarray, what: str) -> str:
    rows = [", ".join(str(int(v)) for v in values[i:i + 13]) for i in range(0, len(values), 13)]
    body = ",\n    ".join(rows)
    return f"/* {what} */\nstatic const uint16_t {name}[{len(values)}] = {{\n    {body}\n}};\n"


_SHR = """\
/* v / 2^s rounded to nearest, halves away from zero (s >= 1); shifts no negative number. */
static int64_t bp_shr(int64_t v, int s)
{
    int64_t half = (int64_t)1 << (s - 1);
    return v >= 0 ? (v + half) >> s : -((half - v) >> s);
}
"""

_SHR32 = """\
static int32_t bp_shr32(int32_t v, int s)
{
    int32_t half = (int32_t)1 << (s - 1);
    return v >= 0 ? (v + half) >> s : -((half - v) >> s);
}
"""

_SAT = """\
/* v clamped to [lo, hi]. */
static int32_t bp_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}
"""

_HERMITE = f"""\
/* The cubic through p0, p1 with slopes m0, m1 (per table step), at t / 2^{_TB} of the step. */
static int32_t bp_hermite(int32_t p0, int32_t p1, int32_t m0, int32_t m1, int32_t t)
{{
    int32_t d = p1 - p0, r = m0 + m1 - 2 * d;
    r = 3 * d - 2 * m0 - m1 + bp_shr32(r * t, {_TB});
    r = m0 + bp_shr32(r * t, {_TB});
    return p0 + bp_shr32(r * t, {_TB});
}}
"""

_TANH_POS = f"""\
/* tanh(x / 2^{FRAC}) in Q15 for x >= 0. */
static int32_t bp_tanh_pos(int32_t x)
{{
    int32_t i, t, p0, p1;
    if (x >= (int32_t){TANH_END} << {FRAC}) return BP_TANH[{len(TANH_TABLE) - 1}];
    i = x >> {_TB};
    t = x & {(1 << _TB) - 1};
    p0 = BP_TANH[i];
    p1 = BP_TANH[i + 1];
    return bp_hermite(p0, p1, bp_shr32(32768 - bp_shr32(p0 * p0, 15), {STEP}),
                      bp_shr32(32768 - bp_shr32(p1 * p1, 15), {STEP}), t);
}}
"""

_TANH = f"""\
/* tanh(t / 2^{FRAC}) in Q15, |t| <= 2^28. */
static int32_t bp_tanh(int32_t t)
{{
    return t < 0 ? -bp_tanh_pos(-t) : bp_tanh_pos(t);
}}
"""

_EXP = f"""\
/* exp(-d / 2^{FRAC}) in Q15 for 0 <= d < 2^29: 2^-u, u = d log2(e). */
static int32_t bp_exp(int32_t d)
{{
    int32_t u = (int32_t)bp_shr((int64_t)d * {LOG2E_Q16}, {FRAC});
    int32_t n = u >> {FRAC}, f = u & {(1 << FRAC) - 1}, i = f >> {_TB}, p0, p1, v;
    if (n > 15) return 0;
    p0 = BP_EXP2[i];
    p1 = BP_EXP2[i + 1];
    v = bp_hermite(p0, p1, -bp_shr32(p0 * {LN2_STEP_Q15}, 15), -bp_shr32(p1 * {LN2_STEP_Q15}, 15),
                   f & {(1 << _TB) - 1});
    return n ? bp_shr32(v, n) : v;
}}
"""

_SOFTMAX = f"""\
/* Softmax of the logits t[0..n-1] (Q{FRAC}) into p (Q15). */
static void bp_softmax(const int32_t *t, int n, int32_t *p)
{{
    int32_t m = t[0];
    uint32_t sum = 0;
    int k;
    for (k = 1; k < n; k++) if (t[k] > m) m = t[k];
    for (k = 0; k < n; k++) {{
        p[k] = bp_exp(m - t[k]);
        sum += (uint32_t)p[k];
    }}
    for (k = 0; k < n; k++) p[k] = (int32_t)((((uint32_t)p[k] << 15) + sum / 2) / sum);
}}
"""


# (name, definition) in an order where each definition uses only those before it.
_HELPERS = [("bp_shr", _SHR), ("bp_shr32", _SHR32), ("bp_sat", _SAT), ("bp_hermite", _HERMITE),
            ("BP_TANH", _table("BP_TANH", TANH_TABLE,
                               f"tanh(k / {2 ** STEP}) in Q15, k = 0..{len(TANH_TABLE) - 1}")),
            ("bp_tanh_pos", _TANH_POS), ("bp_tanh", _TANH),
            ("BP_EXP2", _table("BP_EXP2", EXP2_TABLE, f"2^(-k / {2 ** STEP}) in Q15, k = 0..{2 ** STEP}")),
            ("bp_exp", _EXP), ("bp_softmax", _SOFTMAX)]


def helpers(code: str) -> list[str]:
    """The helper definitions that ``code`` uses, directly or through other helpers, in order."""
    used: set[str] = set()
    for name, body in reversed(_HELPERS):
        if re.search(rf"\b{name}\b", code):
            used.add(name)
            code += body
    return [body for name, body in _HELPERS if name in used]
