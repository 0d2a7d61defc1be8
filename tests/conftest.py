"""Shared test helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# CI runs a fixed set of examples (reproducible); local runs explore new ones each time.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SRC = Path(__file__).resolve().parents[1] / "src"


def run_cli(*args: str, input: str | None = None, cwd: str | Path | None = None,
            timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m backprop ARGS`` in a subprocess, against this checkout's sources."""
    full_env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "backprop", *map(str, args)], input=input,
                          capture_output=True, text=True, cwd=cwd, timeout=timeout, env=full_env)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
