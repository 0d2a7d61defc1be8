"""C export: one C99 source file needing only ``math.h`` (link with ``-lm``).

It defines ``void backprop_predict(const double *x, double *out)`` (x has
``BACKPROP_N_INPUTS`` values, out receives ``BACKPROP_N_OUTPUTS``) and, for
classifiers, ``int backprop_predict_label(const double *x)`` (a label index)
and ``const char *backprop_class_label(int k, int *length)``; with feature
names, ``backprop_feature_name(j, &length)``.  Compiled with
``-DBACKPROP_MAIN`` it also has a ``main`` that reads whitespace-separated
rows of inputs from stdin and prints one line of outputs per row.

Labels and names are the user's text, embedded only as data: each is one
string literal holding its UTF-8 bytes, printable ASCII as itself except
``\\``, ``"`` and ``?`` (backslash-escaped, so no trigraph such as ``??/`` can
form), every other byte as a three-digit octal escape (so a NUL cannot join a
following digit).  Past the 4095 bytes every C99 compiler accepts in a literal,
it is an array of character constants escaped the same way.  Comments hold
only text generated here.
"""

from __future__ import annotations

from .. import __version__
from ..model import Model
from ._plan import Plan, label_text, make_plan, num

_ACT = {
    "sigmoid": "a{n}[j] = s >= 0.0 ? 1.0 / (1.0 + exp(-s)) : exp(s) / (1.0 + exp(s));",
    "tanh": "a{n}[j] = tanh(s);",
    "relu": "a{n}[j] = s > 0.0 ? s : 0.0;",
    "step": "a{n}[j] = s >= 0.0 ? 1.0 : 0.0;",
    "identity": "a{n}[j] = s;",
    "softmax": "a{n}[j] = s;",
}

_MAIN = """
#ifdef BACKPROP_MAIN
#include <stdio.h>

int main(void)
{
    double x[BACKPROP_N_INPUTS], out[BACKPROP_N_OUTPUTS];
    for (;;) {
        for (int i = 0; i < BACKPROP_N_INPUTS; i++) {
            int got = scanf("%lf", &x[i]);
            if (got != 1) {
                if (got == EOF && i == 0) return 0;
                fprintf(stderr, "expected %d numbers per row\\n", BACKPROP_N_INPUTS);
                return 1;
            }
        }
        backprop_predict(x, out);
        for (int k = 0; k < BACKPROP_N_OUTPUTS; k++)
            printf(k ? " %.17g" : "%.17g", out[k]);
        printf("\\n");
    }
}
#endif
"""


def _arr(name: str, values) -> str:
    body = ", ".join(num(v, "INFINITY", "NAN") for v in values)
    return f"static const double {name}[{len(values)}] = {{{body}}};"


MAX_LITERAL = 4095  # bytes in a string literal every C99 compiler accepts (C99 5.2.4.1)


def _char(b: int, quote: str) -> str:
    """Byte ``b`` as it is written inside a C literal delimited by ``quote``."""
    c = chr(b)
    if c in ("\\", "?", quote):  # "?" so that no trigraph (??/ is a backslash) can form
        return "\\" + c
    return c if 32 <= b < 127 else f"\\{b:03o}"  # three digits: no following digit can join


def _wrap(tokens: list[str], sep: str = "", width: int = 72) -> list[str]:
    """``tokens`` joined by ``sep`` into lines of at most ``width`` characters (longer tokens alone)."""
    lines: list[list[str]] = [[]]
    size = 0
    for t in tokens:
        if lines[-1] and size + len(sep) + len(t) > width:
            lines.append([])
            size = 0
        size += len(t) + (len(sep) if lines[-1] else 0)
        lines[-1].append(t)
    return [sep.join(line) for line in lines]


def _define_bytes(name: str, data: bytes) -> list[str]:
    """Lines defining ``static const char name[]``: ``data`` and a NUL (``sizeof name - 1`` bytes)."""
    head = f"static const char {name}[] ="
    if len(data) > MAX_LITERAL:
        chars = [f"'{_char(b, chr(39))}'," for b in data] + ["0"]
        return [head + " {", *("    " + line for line in _wrap(chars, " ")), "};"]
    lines = [f'"{line}"' for line in _wrap([_char(b, '"') for b in data])]
    if len(lines) == 1:
        return [f"{head} {lines[0]};"]
    return [head, *("    " + line for line in lines[:-1]), f"    {lines[-1]};"]


def _strings(name: str, count: str, function: str, texts: list[str]) -> list[str]:
    """Definitions of ``count`` and ``const char *function(int k, int *length)`` over ``texts``."""
    items = [f"{name}{k}" for k in range(len(texts))]
    lines = [f"#define {count} {len(texts)}", ""]
    for item, text in zip(items, texts):
        lines += _define_bytes(item, text.encode("utf-8", "surrogatepass"))  # lone surrogates: 3 bytes
    lines += [f"static const char *const {name}S[{count}] = {{",
              *("    " + line for line in _wrap([i + "," for i in items], " ")), "};",
              f"static const int {name}_LENGTHS[{count}] = {{",
              *("    " + line for line in _wrap([f"(int)sizeof {i} - 1," for i in items], " ")),
              "};", "",
              f"/* Entry k (0 <= k < {count}): *length bytes of UTF-8, which may include NUL. */",
              f"const char *{function}(int k, int *length)", "{",
              f"    if (k < 0 || k >= {count}) return 0;",
              f"    if (length) *length = {name}_LENGTHS[k];",
              f"    return {name}S[k];", "}", ""]
    return lines


def _source(plan: Plan) -> str:
    head = [f"/* Prediction function generated by backprop {__version__}. C99, needs only math.h.",
            f" * Task: {plan.task}."
            + (" Class labels: backprop_class_label(k, &length)." if plan.classes is not None else ""),
            " */", "#include <math.h>", "",
            f"#define BACKPROP_N_INPUTS {plan.n_inputs}",
            f"#define BACKPROP_N_OUTPUTS {plan.n_outputs}", ""]
    if plan.feature_names:
        head += _strings("FEATURE_NAME", "BACKPROP_N_FEATURE_NAMES", "backprop_feature_name",
                         plan.feature_names)
    if plan.classes is not None:
        head += _strings("CLASS_LABEL", "BACKPROP_N_CLASSES", "backprop_class_label",
                         [label_text(c) for c in plan.classes])
    data, body = [], [f"    double a0[{plan.n_inputs}];",
                      f"    for (int j = 0; j < {plan.n_inputs}; j++) {{",
                      "        double v = x[j];"]
    for i, (op, a) in enumerate(plan.input_ops):
        if op == "impute":
            data.append(_arr(f"FILL{i}", a["value"]))
            body.append(f"        if (isnan(v)) v = FILL{i}[j];")
        else:
            data += [_arr(f"OFFSET{i}", a["offset"]), _arr(f"SCALE{i}", a["scale"])]
            body.append(f"        v = (v - OFFSET{i}[j]) * SCALE{i}[j];")
    body += ["        a0[j] = v;", "    }"]
    for l, (W, b, act) in enumerate(plan.layers):
        n_out, n_in = W.shape
        data += [_arr(f"W{l}", W.ravel()), _arr(f"B{l}", b)]
        body += [f"    double a{l + 1}[{n_out}];",
                 f"    for (int j = 0; j < {n_out}; j++) {{",
                 f"        double s = B{l}[j];",
                 f"        for (int k = 0; k < {n_in}; k++) s += W{l}[j * {n_in} + k] * a{l}[k];",
                 "        " + _ACT[act].format(n=l + 1), "    }"]
        if act == "softmax":
            a = f"a{l + 1}"
            body += ["    {", f"        double m = {a}[0], total = 0.0;",
                     f"        for (int j = 1; j < {n_out}; j++) if ({a}[j] > m) m = {a}[j];",
                     f"        for (int j = 0; j < {n_out}; j++) {{ {a}[j] = exp({a}[j] - m); "
                     f"total += {a}[j]; }}",
                     f"        for (int j = 0; j < {n_out}; j++) {a}[j] /= total;", "    }"]
    last = f"a{len(plan.layers)}"
    body += [f"    for (int j = 0; j < {plan.n_outputs}; j++) {{", f"        double v = {last}[j];"]
    for i, (_, a) in enumerate(plan.output_ops):
        data += [_arr(f"TOFFSET{i}", a["offset"]), _arr(f"TSCALE{i}", a["scale"])]
        body.append(f"        v = v / TSCALE{i}[j] + TOFFSET{i}[j];")
    body += ["        out[j] = v;", "    }"]
    src = head + data + ["", "void backprop_predict(const double *x, double *out)", "{"] + body + ["}"]
    if plan.task == "classification":
        src += ["", "int backprop_predict_label(const double *x)", "{",
                "    double z[BACKPROP_N_OUTPUTS];", "    backprop_predict(x, z);",
                "    if (BACKPROP_N_OUTPUTS == 1) return z[0] >= 0.5;", "    int best = 0;",
                "    for (int k = 1; k < BACKPROP_N_OUTPUTS; k++) if (z[k] > z[best]) best = k;",
                "    return best;", "}"]
    return "\n".join(src) + "\n" + _MAIN


def to_c(model: Model, include_preprocessing: bool = True) -> str:
    """Source text of a dependency-free C99 file computing ``model``'s predictions."""
    return _source(make_plan(model, include_preprocessing))
