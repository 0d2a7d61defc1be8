"""docs/make_lecture.py runs on short settings and writes a page whose commands and pictures are real."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("matplotlib")


def test_lecture_page_is_generated(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "make_lecture.py"), "--quick",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "lecture.md").read_text()
    headings = re.findall(r"^## (\d+)\. ", page, re.M)
    assert headings == [str(i) for i in range(1, 14)]
    for img in re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", page):
        data = (tmp_path / img).read_bytes()
        assert data[:4] == b"\x89PNG" and len(data) > 2000, img
    commands = re.findall(r"^```(?:sh\n|console\n\$ )(backprop .*)$", page, re.M)
    assert len(commands) >= 11
    # what the page shows under a command is that command's output: console blocks (rerun and
    # compared by test_docs.py) or a text block right after the sh block of a long command
    fences = re.findall(r"^```(\w+)\n(.*?)^```\n", page, re.M | re.S)
    for k, (lang, body) in enumerate(fences):
        if lang == "text":
            assert k > 0 and fences[k - 1][0] == "sh", f"output without its command: {body[:80]!r}"
    assert len(re.findall(r"^```console\n", page, re.M)) >= 9
    # real output: the chain rule's gradients agree with finite differences on the page
    fd = re.search(r"max \|backprop - finite difference\| = (\S+)", page)
    assert fd and float(fd.group(1)) < 1e-8
    assert "classifies 3 of 4 patterns" in page
    gain = re.search(r"^```console\n\$ backprop plot momentum-gain.*\n(a = 0\.5.*\n)(a = 0\.9.*)\n", page, re.M)
    assert gain and re.fullmatch(r"a = 0\.9: step ratio after 100 steps 9\.99\d+, 1/\(1-a\) = 10\.0000",
                                 gain.group(2))
    assert "| Adam |" in page and "### overall / sum" in page and "### overall / mean" in page
    assert "Settings: sum = E summed over the patterns" in page
    # explain shows the parameters by name before the forward pass
    assert page.index("  w11      = ") < page.index("Forward pass")
    # the committed page has the same sections and only images that exist
    committed = (ROOT / "docs" / "lecture.md").read_text()
    assert re.findall(r"^## (\d+)\. ", committed, re.M) == headings
    for img in re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", committed):
        assert (ROOT / "docs" / img).stat().st_size > 2000
