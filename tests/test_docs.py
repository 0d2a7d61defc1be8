"""The README's and docs' examples run.

```python blocks of a file run in order in one namespace; in ```console blocks every line
starting with "$ backprop" runs as a command and must exit 0.  ```sh and ```text blocks are
not run (use them for long commands).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def blocks(path: Path, kind: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == kind]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_python_examples_run(path, tmp_path, monkeypatch):
    code = blocks(path, "python")
    if not code:
        pytest.skip("no python examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for i, block in enumerate(code):
        exec(compile(block, f"{path.name}[python block {i}]", "exec"), namespace)


COMMANDS = [(path, line[2:]) for path in FILES for block in blocks(path, "console")
            for line in block.splitlines() if line.startswith("$ backprop ")]


@pytest.mark.parametrize("path,command", COMMANDS, ids=[f"{p.name}:{c[:50]}" for p, c in COMMANDS])
def test_console_examples_run(path, command, tmp_path):
    r = run_cli(*shlex.split(command)[1:], cwd=tmp_path)
    assert r.returncode == 0, f"{command}\n{r.stderr}"
