"""Compiling an exported C file: what it needs on a device, and whether it agrees with the model.

    footprint(source)      flash and RAM measured from the compiled object: ``size`` (text,
                           data, bss) and the compiler's ``-fstack-usage`` frames; estimated
                           from the constant tables, and labelled so, without a compiler
    check(model, X, ...)   compile the export with ``cc -std=c99 -Wall -Wextra -Werror
                           -pedantic``, run it on the rows of X, compare with the model
    cross_compiler()       ``arm-none-eabi-gcc`` when it is on the PATH

Flash is ``text + data`` (code and constant tables), static RAM ``data + bss``
(0 for every export: it has no variables outside the stack), stack the largest
entry point's frame plus every helper's frame (a bound: the helpers do not
recurse).  The footprint of a fixed-point export is that of its integer API
(``-DBACKPROP_INTEGER_ONLY``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import BackpropError
from ..model import Model
from .c import REALS, to_c

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CORTEX_M4 = ["-mcpu=cortex-m4", "-mthumb"]
ENTRY = re.compile(r"^backprop_\w+$")
_CTYPES = {"double": 8, "float": 4, "int64_t": 8, "int32_t": 4, "int16_t": 2, "uint16_t": 2,
           "int8_t": 1, "int": 4}


class CompilerError(BackpropError, RuntimeError):
    """No C compiler, or the export did not compile or run."""


def find_compiler(name: str | None = None) -> str:
    """The C compiler to use: ``name``, else ``$CC``, else ``cc``; CompilerError if it is missing."""
    name = name or os.environ.get("CC") or "cc"
    path = shutil.which(name)
    if path is None:
        raise CompilerError(f"no C compiler found (looked for {name!r}; install one, e.g. gcc, "
                            "or name it with CC=...)")
    return path


def cross_compiler() -> str | None:
    """``arm-none-eabi-gcc`` (Debian's gcc-arm-none-eabi) when it is installed, else None."""
    return shutil.which("arm-none-eabi-gcc")


def _run(cmd: list[str], what: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise CompilerError(f"{what} took longer than {timeout:g} s") from None
    if r.returncode != 0:
        first = next((line for line in r.stderr.splitlines() if line.strip()), f"exit {r.returncode}")
        raise CompilerError(f"{what} failed: {first.strip()}")
    return r


@dataclass
class Footprint:
    """Bytes an export needs: flash (code and tables), static RAM and stack."""

    flash: int
    ram_static: int
    stack: int | None
    how: str            # the compiler and flags, or "estimated ..."
    measured: bool = True

    @property
    def ram(self) -> int | None:
        return None if self.stack is None else self.ram_static + self.stack

    def line(self) -> str:
        if not self.measured:
            return f"footprint {self.how}: flash >= {self.flash} B of constant tables (code not counted)"
        stack = "stack not measured" if self.stack is None else f"{self.stack} B stack"
        return f"footprint ({self.how}): flash {self.flash} B, RAM {self.ram_static} B static + {stack}"


def _size_tool(compiler: str) -> str | None:
    base = os.path.basename(compiler)
    prefix = base[: -len("gcc")] if base.endswith("gcc") and base != "gcc" else ""
    return shutil.which(prefix + "size") or shutil.which("size")


def _stack(su: Path) -> int | None:
    """Largest entry point frame plus every other function's frame, from a .su file."""
    if not su.exists():
        return None
    entry, helpers = 0, 0
    for line in su.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        name, size = parts[0].rsplit(":", 1)[-1], int(parts[1])
        if ENTRY.match(name):
            entry = max(entry, size)
        else:
            helpers += size
    return entry + helpers


def estimate(source: str) -> Footprint:
    """Bytes of the constant numeric tables in ``source`` (no compiler needed; code not counted),
    for a fixed-point export those of its integer API."""
    source = source.split("#ifndef BACKPROP_INTEGER_ONLY")[0]
    total = sum(_CTYPES[t] * int(n) for t, n in
                re.findall(r"^(?:static )?const (\w+) \w+\[(\d+)\]", source, re.MULTILINE) if t in _CTYPES)
    return Footprint(total, 0, None, "estimated, no C compiler", measured=False)


def footprint(source: str, compiler: str | None = None, flags: list[str] | None = None) -> Footprint:
    """Measure ``source`` compiled with ``compiler -Os`` (default cc) and ``flags``."""
    cc = find_compiler(compiler)
    flags = list(flags or [])
    with tempfile.TemporaryDirectory(prefix="backprop-size-") as tmp:
        src, obj = Path(tmp) / "model.c", Path(tmp) / "model.o"
        src.write_text(source, encoding="utf-8")
        base = [cc, "-std=c99", "-Os", "-fno-pic", "-DBACKPROP_INTEGER_ONLY", *flags, "-c", str(src),
                "-o", str(obj)]
        try:
            _run(base + ["-fstack-usage"], "compiling the export", cwd=tmp)
        except CompilerError:
            _run(base, "compiling the export", cwd=tmp)  # a compiler without -fstack-usage
        size = _size_tool(cc)
        if size is None:
            return estimate(source)
        out = _run([size, str(obj)], "size").stdout.splitlines()[-1].split()
        text, data, bss = (int(v) for v in out[:3])
        machine = _run([cc, *flags, "-dumpmachine"], "the compiler").stdout.strip()
        how = " ".join([os.path.basename(cc), "-Os", *flags]) + (f", {machine}" if machine else "")
        return Footprint(text + data, data + bss, _stack(obj.with_suffix(".su")), how)


_DRIVER = r"""#include <stdio.h>
#include "model.c"

int main(void)
{
    @REAL@ x[BACKPROP_N_INPUTS], out[BACKPROP_N_OUTPUTS];
    int i, k;
    for (;;) {
        for (i = 0; i < BACKPROP_N_INPUTS; i++)
            if (scanf("@SCAN@", &x[i]) != 1) return 0;
        backprop_predict(x, out);
#ifdef BACKPROP_N_CLASSES
        printf("%d", backprop_predict_label(x));
#else
        printf("-1");
#endif
        for (k = 0; k < BACKPROP_N_OUTPUTS; k++) printf(" %.17g", (double)out[k]);
        printf("\n");
    }
}
"""


def run_c(source: str, X: np.ndarray, real: str = "float", compiler: str | None = None,
          flags: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Compile ``source`` strictly with a driver and run it on the rows of ``X``: (label index per
    row, -1 for regression; outputs, one row each).  ``real`` is the API's type."""
    cc = find_compiler(compiler)
    driver = _DRIVER.replace("@REAL@", real).replace("@SCAN@", "%lf" if real == "double" else "%f")
    with tempfile.TemporaryDirectory(prefix="backprop-check-") as tmp:
        Path(tmp, "model.c").write_text(source, encoding="utf-8")
        Path(tmp, "driver.c").write_text(driver)
        exe = str(Path(tmp) / "driver")
        _run([cc, *STRICT, "-O2", *(flags or []), "driver.c", "-o", exe, "-lm"],
             "compiling the export", cwd=tmp)
        rows = "\n".join(" ".join(repr(float(v)) for v in x) for x in np.asarray(X, float)) + "\n"
        lines = _run([exe], "running the compiled export", input=rows, cwd=tmp).stdout.splitlines()
    if len(lines) != len(X):
        raise CompilerError(f"the compiled export answered {len(lines)} of {len(X)} rows")
    got = np.array([[float(v) for v in line.split()] for line in lines]).reshape(len(X), -1)
    return got[:, 0].astype(int), got[:, 1:]


@dataclass
class Agreement:
    """How the compiled export's answers compare with the float64 model's on some rows."""

    numeric: str
    n_rows: int
    labels_agree: int | None     # classifiers: rows whose label index is the model's
    max_error: float             # outputs (scores or predictions): largest |difference|
    mean_error: float
    target_range: float | None   # regression: the range the errors are relative to

    @property
    def agreement(self) -> float | None:
        return None if self.labels_agree is None else self.labels_agree / self.n_rows

    def line(self) -> str:
        if self.labels_agree is not None:
            return (f"check ({self.numeric}, {self.n_rows} rows): labels agree with the float model on "
                    f"{self.labels_agree}/{self.n_rows} ({100 * self.agreement:.2f}%); scores differ "
                    f"by at most {self.max_error:.2g} (mean {self.mean_error:.2g})")
        rel = self.target_range or 1.0
        return (f"check ({self.numeric}, {self.n_rows} rows): predictions differ from the float model "
                f"by at most {self.max_error:.3g} (mean {self.mean_error:.3g}), "
                f"{self.max_error / rel:.2g} (mean {self.mean_error / rel:.2g}) of the target range "
                f"{rel:.4g}")


def check(model: Model, X, numeric: str = "float64", calibration=None,
          include_preprocessing: bool = True, y=None, compiler: str | None = None,
          source: str | None = None) -> Agreement:
    """Export ``model`` as C in ``numeric`` (or take that export's ``source``), compile it, run it
    on the raw rows ``X`` and compare with the model: label agreement for classifiers; for
    regression, errors relative to the range of ``y`` (the targets, when given) or of the model's
    predictions."""
    X = np.asarray(X, dtype=np.float64)
    if source is None:
        source = to_c(model, include_preprocessing, numeric, calibration)
    rows = X if include_preprocessing else np.asarray(model.transform(X), np.float64)
    labels, out = run_c(source, rows, REALS[numeric].name if numeric in REALS else "float", compiler)
    if include_preprocessing:
        z = model.forward(X)
    else:
        z = model.network.forward(rows)
    if model.task == "classification":
        want = (z[:, 0] >= 0.5).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
        err = np.abs(out - z)
        return Agreement(numeric, len(X), int(np.sum(labels == want)), float(err.max()),
                         float(err.mean()), None)
    ref = (model.predict(X).reshape(len(X), -1) if include_preprocessing else z)
    err = np.abs(out - ref)
    span = np.asarray(y, float) if y is not None and np.asarray(y).dtype.kind in "fiu" else ref
    rng = float(np.nanmax(span) - np.nanmin(span)) or 1.0
    return Agreement(numeric, len(X), None, float(err.max()), float(err.mean()), rng)
