"""A fixed slice of ``benchmarks/fuzz.py``: random and mutated CSV and model files through the CLI.

The full run (10,000 CSV and 2,000 model-file cases, counts in docs/security.md) is a
benchmark; this slice runs the same generators with a fixed seed so that a regression in how
bad input ends (a traceback, a multi-line error, an exit code other than 0/1/2, a hang) fails
the suite.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fuzz  # noqa: E402

BAD = ("exit other", "traceback", "multi-line error", "timeout")
fuzz.LIMIT = 120.0  # a loaded CI machine may compile the fast path inside a call


def test_mutated_csv_files_end_in_one_line_with_exit_0_1_or_2(tmp_path):
    counts, examples = Counter(), {}
    fuzz.fuzz_csv(150, seed=0, tmp=tmp_path, counts=counts, examples=examples)
    assert not {k: counts[k] for k in BAD if counts[k]}, examples
    # the slice exercises every command and every documented ending
    assert counts["csv train: exit 0"] and counts["csv train: exit 1"] and counts["csv train: exit 2"]
    assert counts["csv predict: exit 0"] + counts["csv predict: exit 1"] > 5
    assert counts["csv evaluate: exit 0"] + counts["csv evaluate: exit 1"] > 5


def test_mutated_model_files_end_in_one_line_with_exit_0_or_1(tmp_path):
    counts, examples = Counter(), {}
    fuzz.fuzz_models(60, seed=0, tmp=tmp_path, counts=counts, examples=examples)
    assert not {k: counts[k] for k in BAD if counts[k]}, examples
    assert counts["model predict: exit 1"] > 20 and counts["model predict: exit 0"] > 0


def test_the_fuzzer_counts_a_traceback_as_one():
    """The harness itself: an exception escaping main is counted, not swallowed."""
    outcome, detail = fuzz.run(["explain", "--layers", "2,2,1", "--x", "1,0", "--t", "1"])
    assert outcome == "exit 0", detail
    original = fuzz.cli.main
    try:
        fuzz.cli.main = lambda argv: 1 / 0
        assert fuzz.run(["train"])[0] == "traceback"
        fuzz.cli.main = lambda argv: 3
        assert fuzz.run(["train"])[0] == "exit other"
    finally:
        fuzz.cli.main = original
