"""Time the compiled path's cold start: a first fit(engine="fast") in a fresh process.

    python benchmarks/cold_start.py [--clear] [--repeats 3]

Each repeat starts a new Python process that imports backprop, trains XOR with
``fit(..., engine="fast")`` (sgd, online; the first use of the kernel) and then with
adam (a second optimizer in the same process), and reports wall and CPU seconds of
each.  ``--clear`` deletes numba's on-disk cache of this checkout's kernels before
every repeat (what a first use on a machine costs); without it the cache is used
(what every later process costs).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PROBE = """
import time, warnings
warnings.simplefilter("ignore")
import numpy as np, backprop
X, T = np.array([[0, 0], [0, 1], [1, 0], [1, 1.0]]), np.array([0, 1, 1, 0.0])
out = []
for opt, B in (("sgd", 1), ("adam", 2)):
    w, c = time.perf_counter(), time.process_time()
    backprop.fit(backprop.Network([2, 2, 1], random_state=0), X, T, optimizer=opt, epochs=3,
                 batch_size=B, engine="fast", progress=False)
    out += [time.perf_counter() - w, time.process_time() - c]
print(*out)
"""


def clear_cache() -> None:
    for pattern in ("*.nbi", "*.nbc", "*.kernels.sha256"):
        for f in (SRC / "backprop").rglob(pattern):
            f.unlink()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clear", action="store_true", help="delete numba's cache before each repeat")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    rows = []
    for _ in range(args.repeats):
        if args.clear:
            clear_cache()
        r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, check=True)
        rows.append([float(v) for v in r.stdout.split()])
    cols = list(zip(*rows))
    names = ("first fit (sgd) wall", "cpu", "then adam wall", "cpu")
    print(f"cache {'cleared' if args.clear else 'warm'}, median of {args.repeats}: "
          + ", ".join(f"{n} {statistics.median(c):.2f} s" for n, c in zip(names, cols)))


if __name__ == "__main__":
    main()
