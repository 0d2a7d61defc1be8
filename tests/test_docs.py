"""The README's and docs' examples run, and print what the docs say they print.

* ```python blocks of a file run in order in one namespace.  A ``print(...)`` whose comment
  begins like a printed value (a digit, a sign, a bracket, a quote, True/False/None, inf/nan,
  or ``Name(`` as a repr) promises that output, and so does a comment written ``# -> OUTPUT``;
  so do comment lines right below a ``print`` that has none (one line of output each).  The
  promise ends where an explanation starts: at the first ``": "``, ``", "`` or ``"; "`` outside
  brackets and quotes that is followed by a lowercase word (``# 200 True: the mean steering``
  promises ``200 True``).  A print that runs several times (in a loop) is compared with its
  outputs joined by ``"; "`` (a one-line promise; ``...`` may then span the lines of a wrapped
  array), or line by line with the comment lines below it.
* ```console blocks: every line starting with ``$ backprop`` runs as a command and must exit 0;
  the lines below it, up to the next ``$`` line, are its standard output (none: not compared).
* ```sh and ```text blocks are not run (long commands, and the output they recorded).

Comparing a promise with what was printed (:func:`same`): whitespace runs match any whitespace
run; ``...`` stands for any text (a line holding only ``...`` for any number of lines); a number
written with d decimals matches a printed number within one unit of its last digit (10^-d, so
``9.99...`` matches 9.9997 and ``0.0333`` matches 0.033333), an integer matches exactly, and a
number followed by a unit of time (``s``, ``ms``, ``us``) matches any number, since timings
differ from run to run.  Everything else must be equal.
"""

from __future__ import annotations

import builtins
import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def blocks(path: Path, kind: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == kind]


# --- comparing documented output with printed output -----------------------------------------
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"(?P<wild>\.\.\.)|(?P<num>(?<![\w.]){NUMBER}(?![\w]))(?P<unit>\s?(?:ms|us|µs|s)\b)?"
                    r"|(?P<space>\s+)")


def _pattern(expected: str) -> tuple[str, list[tuple[str, bool]]]:
    """A regex for one expected line and, per number group, (its text, whether it is a timing)."""
    out, numbers, at = [], [], 0
    for m in _TOKEN.finditer(expected):
        out.append(re.escape(expected[at:m.start()]))
        if m["wild"]:
            out.append(".*?")
        elif m["num"]:
            numbers.append((m["num"], bool(m["unit"])))
            out.append(rf"({NUMBER}|inf|-inf|nan)" + (re.escape(m["unit"]).replace(r"\ ", r"\s?")
                                                       if m["unit"] else ""))
        else:
            out.append(r"\s+")
        at = m.end()
    out.append(re.escape(expected[at:]))
    return "".join(out), numbers


def _close(expected: str, actual: str) -> bool:
    if actual in ("inf", "-inf", "nan"):
        return False
    e, a = float(expected), float(actual)
    mantissa = re.split(r"[eE]", expected)[0]
    if "." not in mantissa and mantissa == expected:            # an integer: exactly
        return a == e
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(re.split(r"[eE]", expected)[1]) if re.search(r"[eE]", expected) else 0
    unit = 10.0 ** (exponent - decimals)
    return abs(a - e) <= unit * (1 + 1e-9)


def same_line(expected: str, actual: str) -> bool:
    """Whether one printed line matches one documented line under the rules above."""
    pattern, numbers = _pattern(expected.strip())
    match = re.fullmatch(pattern, actual.strip(), re.S)
    if match is None:
        return False
    return all(timing or _close(text, got) for (text, timing), got in zip(numbers, match.groups()))


def same(expected: list[str], actual: list[str]) -> bool:
    """Whether printed lines match documented lines; a documented ``...`` line skips any number."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(same(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and same_line(expected[0], actual[0]) and same(expected[1:], actual[1:])


def test_the_comparison_rules():
    assert same_line("200 1 200", "200 1 200") and not same_line("200 1 200", "200 1 201")
    assert same_line("{0.5: 2.0, 0.9: 9.99...}", "{0.5: 2.0, 0.9: 9.999734386011124}")
    assert not same_line("{0.5: 2.0, 0.9: 9.99...}", "{0.5: 2.0, 0.9: 9.97}")
    assert same_line("E = 0.099018", "E =  0.0990183") and not same_line("E = 0.099018", "E = 0.099021")
    assert same_line("trained in 1.5 s, 38.6 ms per epoch", "trained in 0.31 s, 2.0 ms per epoch")
    assert same_line("Dataset('circles': SYNTHETIC classification, ...)",
                     "Dataset('circles': SYNTHETIC classification, 200 samples x 2 features)")
    assert not same_line("a = 0.9: ratio 2.0000", "a = 0.9: ratio 2.0002")
    assert same_line("1.5e-05", "1.4e-05") and not same_line("1.5e-05", "1.3e-05")
    assert not same_line("x = 3", "x = inf") and same_line("x = inf", "x = inf")
    assert same(["a", "...", "d"], ["a", "b", "c", "d"]) and not same(["a", "d"], ["a", "b", "d"])


# --- promises in python comments ---------------------------------------------------------------
_VALUE_START = re.compile(r"^(?:[-+]?\d|[-+]?\.\d|[\[({'\"]|True\b|False\b|None\b|-?inf\b|nan\b|[A-Z]\w*\()")


def _promise_text(comment: str) -> str | None:
    """The output a comment promises (None: the comment is an explanation)."""
    text = comment.strip()
    if text.startswith("->"):
        return _cut(text[2:].strip(), explanation=False)
    return _cut(text) if _VALUE_START.match(text) else None


def _cut(text: str, explanation: bool = True) -> str:
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif (explanation and depth == 0 and ch in ":,;" and text[i + 1:i + 2] == " "
              and re.match(r"[a-z]", text[i + 2:i + 3] or "")):
            return text[:i].rstrip()
    return text


def promises(code: str) -> dict[int, str]:
    """Line number (1-based, in ``code``) of each print whose output a comment promises -> promise."""
    lines = code.splitlines()
    out: dict[int, str] = {}
    for i, line in enumerate(lines):
        comment = line.partition("  #")[2]
        if not re.match(r"\s*print\(", line):
            continue
        if comment:
            p = _promise_text(comment)
            if p is not None:
                out[i + 1] = p
            continue
        below = []
        for nxt in lines[i + 1:]:
            if not re.match(r"\s*# ", nxt):
                break
            below.append(nxt.strip()[2:])
        if below:
            out[i + 1] = "\n".join(_cut(b, explanation=False) for b in below)
    return out


def test_promises_are_found_and_explanations_left_out():
    code = ("print(a)   # 200 True: the mean steering stays straight\n"
            "print(b)   # every u, y and z, by name\n"
            "print(c)   # [500 268], as in the original\n"
            "print(d)   # {0.5: 2.0, 0.9: 9.99...}\n"
            "print(e)   # -> v1 ['dE/dz', 'dz/ds']\n"
            "print(f)\n# ['dE/dW[1][2,3]', 'dE/dW[2][2,1]']\n"
            "x = 1      # 3\n")
    assert promises(code) == {1: "200 True", 3: "[500 268]", 4: "{0.5: 2.0, 0.9: 9.99...}",
                              5: "v1 ['dE/dz', 'dz/ds']", 6: "['dE/dW[1][2,3]', 'dE/dW[2][2,1]']"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_python_examples_run_and_print_what_they_promise(path, tmp_path, monkeypatch):
    code = blocks(path, "python")
    if not code:
        pytest.skip("no python examples")
    monkeypatch.chdir(tmp_path)
    printed: dict[tuple[str, int], list[str]] = {}
    real_print = builtins.print

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file not in (None, sys.stdout):
            return real_print(*args, sep=sep, end=end, file=file, flush=flush)
        buf = io.StringIO()
        real_print(*args, sep=sep, end="", file=buf)
        frame = sys._getframe(1)
        printed.setdefault((frame.f_code.co_filename, frame.f_lineno), []).append(buf.getvalue())
        real_print(*args, sep=sep, end=end, flush=flush)

    namespace: dict = {"__name__": "__docs__", "print": recording_print}
    wrong = []
    for i, block in enumerate(code):
        name = f"{path.name}[python block {i}]"
        exec(compile(block, name, "exec"), namespace)
        for line, promise in promises(block).items():
            outputs = printed.get((name, line))
            got = "; ".join(outputs) if outputs else "(nothing printed)"
            ok = (same_line(promise, got) if "\n" not in promise      # a one-line promise of a wrapped
                  else same(promise.splitlines(),                      # array: "..." spans lines
                            "\n".join(outputs or []).splitlines()))
            if not ok:
                wrong.append(f"{name} line {line}: the docs promise {promise!r}, it printed {got!r}")
    assert not wrong, "\n".join(wrong)


# --- console blocks ------------------------------------------------------------------------------
def console_commands(path: Path) -> list[tuple[str, list[str]]]:
    """``(command, documented output lines)`` of every ``$ backprop`` line of a file's console blocks."""
    out = []
    for block in blocks(path, "console"):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            lines = chunk.rstrip("\n").splitlines()
            if lines and lines[0].startswith("$ backprop "):
                out.append((lines[0][2:], lines[1:]))
    return out


COMMANDS = [(path, cmd, shown) for path in FILES for cmd, shown in console_commands(path)]


@pytest.mark.parametrize("path,command,shown", COMMANDS, ids=[f"{p.name}:{c[:50]}" for p, c, _ in COMMANDS])
def test_console_examples_run_and_print_what_the_docs_show(path, command, shown, tmp_path):
    r = run_cli(*shlex.split(command)[1:], cwd=tmp_path)
    assert r.returncode == 0, f"{command}\n{r.stderr}"
    if shown:
        printed = r.stdout.rstrip("\n").splitlines()
        assert same(shown, printed), (f"{path.name}: {command}\n--- the docs show:\n" + "\n".join(shown)
                                      + "\n--- it printed:\n" + r.stdout)
