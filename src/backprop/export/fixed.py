"""Fixed-point C export (``q15``, ``int8``): integer-only inference needing only ``stdint.h``.

The file defines, with ``CODE`` = ``int16_t`` (q15) or ``int8_t`` (int8) for the
activations and outputs, and 16-bit input codes in both formats:

    void backprop_predict_q(const int16_t *xq, CODE *zq)  integer codes in, codes out
    int  backprop_predict_label_q(const int16_t *xq)      classifiers: argmax of the
                                                          fixed-point logits
    void backprop_quantize(const float *x, int16_t *xq)   raw inputs -> codes (NaN: imputed)
    void backprop_predict(const float *x, float *out)    the float model's interface
    int  backprop_predict_label(const float *x)

The three float functions are left out with ``-DBACKPROP_INTEGER_ONLY``; the
integer ones use no floating point, no library function, no ``malloc`` and no
variable outside the stack: every table is ``static const``.  Input codes
stand for raw inputs (``BACKPROP_INPUT_LO``, ``BACKPROP_INPUT_SCALE``): the
preprocessing is folded into the first layer; output codes for the network's
outputs (``BACKPROP_OUTPUT_SCALE``, ``BACKPROP_OUTPUT_ZERO``); the float API
also inverts an affine target transform.  See :mod:`.quantize` for the
arithmetic and the overflow bound, :mod:`._fixedmath` for the activations.
"""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..model import Model
from . import _fixedmath as fm
from ._csource import main_block, text_tables, wrap
from .quantize import T_MAX, QLayer, Quantized, Requant, label_threshold, quantize


def _ints(ctype: str, name: str, values, static: bool = True) -> list[str]:
    items = [f"{int(v)}," for v in np.asarray(values).ravel()]
    if ctype == "int64_t":
        items = [f"INT64_C({int(v)})," for v in np.asarray(values).ravel()]
    return [f"{'static ' if static else ''}const {ctype} {name}[{len(items)}] = {{",
            *("    " + line for line in wrap(items, " ", 96)), "};"]


def _floats(name: str, values, static: bool = True) -> str:
    body = ", ".join(f"{np.float32(v)!s}f" for v in values)
    return f"{'static ' if static else ''}const float {name}[{len(values)}] = {{{body}}};"


def _scaled(acc: str, r: Requant, array: str) -> str:
    """The C expression round(acc * r) as int64."""
    if r.mult is not None:
        return f"bp_shr((int64_t){acc} * {array}[j], {r.shift})"
    if r.shift > 0:
        return f"bp_shr({acc}, {r.shift})"
    return f"(int64_t){acc}" + (f" * {1 << -r.shift}" if r.shift < 0 else "")


def _code(fmt_bits: int, act: str, v: str) -> str:
    """The output code of a bounded activation's value v (tanh Q15, sigmoid Q16, softmax Q15)."""
    lo, hi = -(1 << (fmt_bits - 1)), (1 << (fmt_bits - 1)) - 1
    if fmt_bits == 8:
        expr = {"tanh": f"bp_shr({v}, 8)", "sigmoid": f"bp_shr({v}, 8) - 128",
                "softmax": f"bp_shr({v}, 7) - 128"}[act]
    else:
        expr = {"tanh": v, "sigmoid": f"(int64_t){v} - 32768", "softmax": f"2 * (int64_t){v} - 32768"}[act]
    return f"bp_sat({expr}, {lo}, {hi})"


def _layer_code(q: Quantized, l: int, L: QLayer, src: str, dst: str, keys: bool) -> tuple[list, list]:
    """(tables, statements) computing layer ``l`` from codes ``src`` into codes ``dst``."""
    fmt, ct = q.fmt, q.fmt.ctype
    n_out, n_in = L.W.shape
    act = L.activation
    data = _ints(ct, f"W{l}", L.W) + _ints(L.bias_type, f"B{l}", L.bias)
    if L.code is not None and L.code.mult is not None:
        data += _ints("int32_t", f"M{l}", L.code.mult)
    if L.logit is not None and L.logit.mult is not None:
        data += _ints("int32_t", f"L{l}", L.logit.mult)
    if L.code is not None and np.any(L.out_zero):
        data += _ints("int32_t", f"Z{l}", L.out_zero)
    acc = L.acc_type
    body = [f"    for (j = 0; j < {n_out}; j++) {{",
            f"        const {ct} *w = W{l} + j * {n_in};",
            f"        {acc} acc = B{l}[j];",
            f"        for (k = 0; k < {n_in}; k++) acc += (int32_t)w[k] * {src}[k];"]
    if L.logit is not None:
        body.append(f"        t = bp_sat({_scaled('acc', L.logit, f'L{l}')}, -{T_MAX}, {T_MAX});")
    if act in ("identity", "relu"):
        zero = f" + Z{l}[j]" if np.any(L.out_zero) else ""
        floor = int(L.out_codes[:, 0].max())
        body.append(f"        {dst}[j] = ({ct})bp_sat({_scaled('acc', L.code, f'M{l}')}{zero}, "
                    f"{floor}, {fmt.qmax});")
    elif act == "step":
        body.append(f"        {dst}[j] = acc >= 0 ? 1 : 0;")
    elif act == "tanh":
        body.append(f"        {dst}[j] = ({ct}){_code(fmt.bits, act, 'bp_tanh(t)')};")
    elif act == "sigmoid":
        body.append(f"        {dst}[j] = ({ct}){_code(fmt.bits, act, '(32768 + bp_tanh(t))')};")
    if keys:
        key = {"relu": "t > 0 ? t : 0", "step": "acc >= 0"}.get(act, "t")
        body.append(f"        key[j] = {key};")
    elif act == "softmax":
        body.append("        key[j] = t;")
    body.append("    }")
    if act == "softmax":
        body += [f"    bp_softmax(key, {n_out}, p);",
                 f"    for (j = 0; j < {n_out}; j++) {dst}[j] = ({ct}){_code(fmt.bits, act, 'p[j]')};"]
    return data, body


def _source(q: Quantized) -> str:
    plan, fmt, ct = q.plan, q.fmt, q.fmt.ctype
    classifier = plan.task == "classification"
    n_in, n_out = plan.n_inputs, plan.n_outputs
    acts = {L.activation for L in q.layers}
    report = q.report().splitlines()
    head = [(f"/* Prediction function generated by backprop {__version__}. C99, {fmt.name} fixed point: "
             "needs only stdint.h."),
            f" * Task: {plan.task}." + (" Class labels: backprop_class_label(k, &length)."
                                        if classifier else ""),
            f" * Integer API: backprop_predict_q(xq, zq), int16_t input codes, {ct} output codes"
            + (", backprop_predict_label_q(xq)." if classifier else "."),
            " * Input codes: x[j] = BACKPROP_INPUT_LO[j] + BACKPROP_INPUT_SCALE[j] * (xq[j] + 32768).",
            " * Output codes: z[k] = BACKPROP_OUTPUT_SCALE[k] * (zq[k] - BACKPROP_OUTPUT_ZERO[k]).",
            " * Float API (leave it out with -DBACKPROP_INTEGER_ONLY): backprop_quantize(x, xq),",
            " * backprop_predict(x, out)" + (", backprop_predict_label(x)." if classifier else "."),
            " *", *(" * " + line for line in report), " */",
            "#include <stdint.h>", "",
            f"#define BACKPROP_N_INPUTS {n_in}", f"#define BACKPROP_N_OUTPUTS {n_out}",
            f"#define BACKPROP_CODE_MIN ({fmt.qmin})", f"#define BACKPROP_CODE_MAX {fmt.qmax}",
            f"typedef {ct} backprop_code;", ""]
    head += text_tables(plan)
    data, body = [], []
    width = max([L.W.shape[0] for L in q.layers[:-1]], default=0)
    locals_ = ["int j, k;"]
    if width:
        locals_.append(f"{ct} a[2][{width}];")
    if any(L.logit is not None for L in q.layers):
        locals_.append("int32_t t;")
    if "softmax" in acts and not classifier:
        locals_.append(f"int32_t key[{n_out}];")
    if "softmax" in acts:
        locals_.append(f"int32_t p[{n_out}];")
    for l, L in enumerate(q.layers):
        last = l == len(q.layers) - 1
        src = "xq" if l == 0 else f"a[{(l - 1) % 2}]"
        dst = "zq" if last else f"a[{l % 2}]"
        d, b = _layer_code(q, l, L, src, dst, keys=last and classifier)
        data += d
        body += b
    sig = (f"static void bp_forward(const int16_t *xq, {ct} *zq, int32_t *key)" if classifier
           else f"void backprop_predict_q(const int16_t *xq, {ct} *zq)")
    func = [sig, "{", *("    " + v for v in locals_)] + body + ["}"]
    src = head + data + [""] + fm.helpers("\n".join(func)) + func
    if classifier:
        last = q.layers[-1]
        decide = (["    return 1;"] if n_out == 1 and last.activation == "softmax" else
                  [f"    return key[0] >= {label_threshold(last.activation)};"] if n_out == 1 else
                  ["    for (k = 1; k < BACKPROP_N_OUTPUTS; k++) if (key[k] > key[best]) best = k;",
                   "    return best;"])
        src += ["", f"void backprop_predict_q(const int16_t *xq, {ct} *zq)", "{",
                "    int32_t key[BACKPROP_N_OUTPUTS];", "    bp_forward(xq, zq, key);", "}", "",
                "/* The label index: argmax of the output layer's fixed-point logits. */",
                "int backprop_predict_label_q(const int16_t *xq)", "{",
                f"    {ct} zq[BACKPROP_N_OUTPUTS];", "    int32_t key[BACKPROP_N_OUTPUTS];",
                *(["    int k, best = 0;"] if n_out > 1 else []),
                "    bp_forward(xq, zq, key);", *decide, "}"]
    src += _float_api(q)
    return "\n".join(src) + "\n" + main_block("float").replace(
        "#ifdef BACKPROP_MAIN", "#if defined(BACKPROP_MAIN) && !defined(BACKPROP_INTEGER_ONLY)")


def _float_api(q: Quantized) -> list[str]:
    """``backprop_quantize``, ``backprop_predict`` and ``backprop_predict_label`` over floats."""
    plan, ct = q.plan, q.fmt.ctype
    last = q.layers[-1]
    lines = ["", "#ifndef BACKPROP_INTEGER_ONLY",
             "/* What the codes stand for (see the top of the file). */",
             _floats("BACKPROP_INPUT_LO", q.in_lo, False),
             _floats("BACKPROP_INPUT_SCALE", q.in_scale, False),
             _floats("BACKPROP_OUTPUT_SCALE", last.out_scale, False),
             *_ints("int32_t", "BACKPROP_OUTPUT_ZERO", last.out_zero, False),
             _floats("INPUT_INV_SCALE", q.in_inv_scale),
             *_ints("int16_t", "INPUT_FILL", q.in_fill)]
    for i, (_, a) in enumerate(plan.output_ops):
        lines += [_floats(f"TOFFSET{i}", a["offset"]), _floats(f"TSCALE{i}", a["scale"])]
    lines += ["",
              "/* Raw inputs to codes, rounded to nearest and saturated; a NaN reads as the imputed",
              " * value (or 0 when the model imputes none). */",
              "void backprop_quantize(const float *x, int16_t *xq)", "{", "    int j;",
              "    for (j = 0; j < BACKPROP_N_INPUTS; j++) {",
              "        float v = x[j];",
              "        if (v != v) {", "            xq[j] = INPUT_FILL[j];", "            continue;", "        }",
              "        v = (v - BACKPROP_INPUT_LO[j]) * INPUT_INV_SCALE[j];",
              "        xq[j] = (int16_t)(v <= 0.0f ? -32768 : v >= 65535.0f ? 32767",
              "                          : (int32_t)(v + 0.5f) - 32768);", "    }", "}", "",
              "void backprop_predict(const float *x, float *out)", "{",
              "    int16_t xq[BACKPROP_N_INPUTS];", f"    {ct} zq[BACKPROP_N_OUTPUTS];", "    int k;",
              "    backprop_quantize(x, xq);", "    backprop_predict_q(xq, zq);",
              "    for (k = 0; k < BACKPROP_N_OUTPUTS; k++) {",
              "        float v = BACKPROP_OUTPUT_SCALE[k] * (float)(zq[k] - BACKPROP_OUTPUT_ZERO[k]);"]
    for i in range(len(plan.output_ops)):
        lines.append(f"        v = v / TSCALE{i}[k] + TOFFSET{i}[k];")
    lines += ["        out[k] = v;", "    }", "}"]
    if plan.task == "classification":
        lines += ["", "int backprop_predict_label(const float *x)", "{",
                  "    int16_t xq[BACKPROP_N_INPUTS];", "    backprop_quantize(x, xq);",
                  "    return backprop_predict_label_q(xq);", "}"]
    return lines + ["#endif"]


def to_fixed_c(model: Model, numeric: str = "int8", calibration=None,
               include_preprocessing: bool = True) -> str:
    """Source of an integer-only C99 file computing ``model`` in ``numeric`` ("q15" or "int8")."""
    return fixed_source(quantize(model, numeric, calibration, include_preprocessing))


def fixed_source(q: Quantized) -> str:
    """The C source of a quantised model (see :func:`backprop.export.quantize.quantize`)."""
    return _source(q)
