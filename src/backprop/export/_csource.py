"""What every C export shares: user text as escaped string literals, and the stdin ``main``.

Labels and names are the user's text, embedded only as data: each is one
string literal holding its UTF-8 bytes, printable ASCII as itself except
``\\``, ``"`` and ``?`` (backslash-escaped, so no trigraph such as ``??/`` can
form), every other byte as a three-digit octal escape (so a NUL cannot join a
following digit).  Past the 4095 bytes every C99 compiler accepts in a literal,
it is an array of character constants escaped the same way.  Comments hold
only text generated here.  Every C export (float and fixed point) uses these.

Compiled with ``-DBACKPROP_MAIN``, every export also has a ``main`` that reads
whitespace-separated rows of inputs from stdin and prints one line of outputs
per row (:func:`main_block`).
"""

from __future__ import annotations

from ._plan import Plan, label_text

MAX_LITERAL = 4095  # bytes in a string literal every C99 compiler accepts (C99 5.2.4.1)


def _char(b: int, quote: str) -> str:
    """Byte ``b`` as it is written inside a C literal delimited by ``quote``."""
    c = chr(b)
    if c in ("\\", "?", quote):  # "?" so that no trigraph (??/ is a backslash) can form
        return "\\" + c
    return c if 32 <= b < 127 else f"\\{b:03o}"  # three digits: no following digit can join


def wrap(tokens: list[str], sep: str = "", width: int = 72) -> list[str]:
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
        return [head + " {", *("    " + line for line in wrap(chars, " ")), "};"]
    lines = [f'"{line}"' for line in wrap([_char(b, '"') for b in data])]
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
              *("    " + line for line in wrap([i + "," for i in items], " ")), "};",
              f"static const int {name}_LENGTHS[{count}] = {{",
              *("    " + line for line in wrap([f"(int)sizeof {i} - 1," for i in items], " ")),
              "};", "",
              f"/* Entry k (0 <= k < {count}): *length bytes of UTF-8, which may include NUL. */",
              f"const char *{function}(int k, int *length)", "{",
              f"    if (k < 0 || k >= {count}) return 0;",
              f"    if (length) *length = {name}_LENGTHS[k];",
              f"    return {name}S[k];", "}", ""]
    return lines


def text_tables(plan: Plan) -> list[str]:
    """The feature-name and class-label tables and their accessors, for any C export of ``plan``."""
    lines: list[str] = []
    if plan.feature_names:
        lines += _strings("FEATURE_NAME", "BACKPROP_N_FEATURE_NAMES", "backprop_feature_name",
                          plan.feature_names)
    if plan.classes is not None:
        lines += _strings("CLASS_LABEL", "BACKPROP_N_CLASSES", "backprop_class_label",
                          [label_text(c) for c in plan.classes])
    return lines


_MAIN = """
#ifdef BACKPROP_MAIN
#include <stdio.h>

int main(void)
{
    @REAL@ x[BACKPROP_N_INPUTS], out[BACKPROP_N_OUTPUTS];
    for (;;) {
        for (int i = 0; i < BACKPROP_N_INPUTS; i++) {
            int got = scanf("@SCAN@", &x[i]);
            if (got != 1) {
                if (got == EOF && i == 0) return 0;
                fprintf(stderr, "expected %d numbers per row\\n", BACKPROP_N_INPUTS);
                return 1;
            }
        }
        backprop_predict(x, out);
        for (int k = 0; k < BACKPROP_N_OUTPUTS; k++)
            printf(k ? " %.@DIGITS@g" : "%.@DIGITS@g", out[k]);
        printf("\\n");
    }
}
#endif
"""


def main_block(real: str) -> str:
    """The ``#ifdef BACKPROP_MAIN`` program for an export whose API takes ``real`` ("double" or
    "float"): it prints every output with enough digits to read back the same value."""
    scan, digits = ("%lf", 17) if real == "double" else ("%f", 9)
    return _MAIN.replace("@REAL@", real).replace("@SCAN@", scan).replace("@DIGITS@", str(digits))
