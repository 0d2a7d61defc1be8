"""The playground page end to end in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Chromium resolves ``playground.test`` (a name the server is told to allow) and ``rebind.test``
(a DNS-rebinding name) to 127.0.0.1, so the Host check is seen as a browser meets it.

Skipped only when Chromium or Playwright is truly absent on a developer's machine; under CI
(``CI`` set) their absence is a failure, since ``.ci/run`` installs Chromium.  A screenshot
is saved to ``artifacts/playground-xor.png`` (git-ignored).
"""

from __future__ import annotations

import http.server
import math
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP playground.test 127.0.0.1, MAP rebind.test 127.0.0.1"]


def _requirements() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    for module in ("playwright", "aiohttp"):
        try:
            __import__(module)
        except ImportError:
            return f"the Python package {module} is not installed (pip install -e '.[test]')"
    return None


_missing = _requirements()
if _missing and os.environ.get("CI"):
    pytest.fail(f"browser tests cannot run under CI: {_missing}", pytrace=False)
pytestmark = [pytest.mark.skipif(_missing is not None, reason=_missing or ""),
              pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")]

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_T = np.array([[0], [1], [1], [0]], dtype=float)


@pytest.fixture(scope="module")
def server():
    from backprop.playground import start_in_thread
    handle = start_in_thread(allow_hosts=["playground.test"])
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=ARGS, viewport={"width": 1400, "height": 1150})
        yield context
        context.close()


def wait_until(fn, timeout: float = 20.0, what: str = "condition"):
    """Poll ``fn`` (Python, so the page's CSP stays on) until it returns a truthy value."""
    end = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def number(page, selector: str) -> float:
    return float(page.get_attribute(selector, "data-value"))


# The page's newest rendered state without its maps, its parameters as a plain list.
SLIM = """(() => { const s = window.playground && window.playground.state; if (!s) return null;
  const o = {}; for (const k of Object.keys(s)) if (!['units', 'output_units', 'input_units', 'output'].includes(k)) o[k] = s[k];
  o.params = Array.from(s.params); return o; })()"""


def slim(page) -> dict | None:
    return page.evaluate(SLIM)


def test_xor_trains_in_the_browser_and_every_number_is_the_librarys(server, browser):
    import backprop

    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server.url)
    state = lambda: slim(page)  # noqa: E731
    wait_until(state, what="the first state")

    # choose the data and the network: another set first, then XOR and a 2-2-1 network
    page.click('[data-dataset="spirals"]')
    wait_until(lambda: page.inner_text("#arch") == "2-32-32-32-1", what="the spirals network")
    page.click('[data-dataset="xor"]')
    wait_until(lambda: page.inner_text("#arch") == "2-2-1", what="the XOR network")
    page.click("#add-layer")
    wait_until(lambda: page.inner_text("#arch") == "2-2-2-1", what="a second hidden layer")
    page.click("#remove-layer")
    wait_until(lambda: page.inner_text("#arch") == "2-2-1" and state()["n_train"] == 4
               and state()["iteration"] == 0, what="2-2-1 again")
    assert page.is_checked("#standardize") is False and page.input_value("#batch-mode") == "batch"

    # play: the loss shown on the page falls
    loss0 = number(page, "#loss-train")
    page.click("#play")
    wait_until(lambda: number(page, "#loss-train") < 0.5 * loss0, timeout=40, what="the loss to halve")
    page.click("#play")                                        # pause
    wait_until(lambda: state()["mode"] == "paused" and page.inner_text("#play") == "▶", what="pause")
    assert int(page.inner_text("#iteration")) == state()["iteration"] > 0

    # click a weight (v1: hidden unit 1 -> output); its gradient is the library's for this state
    page.click('path.hit[data-param="6"]', force=True)
    wait_until(lambda: page.query_selector("#inspect-gradient"), what="the weight's numbers")
    s = state()
    assert s["inspect"]["index"] == 6 and page.inner_text("#inspect .title b") == "v1"
    net = backprop.Network([2, 2, 1], "sigmoid", "sigmoid")
    net.params[...] = s["params"]
    _, grad = net.loss_and_grad(XOR_X, XOR_T, "squared_error", reduction="mean")
    assert number(page, "#inspect-value") == net.params[6]
    assert number(page, "#inspect-gradient") == pytest.approx(grad[6], rel=1e-12, abs=1e-16)
    assert "dE_k/dv1 = dE/dz · dz/ds · ds/dv1" in page.inner_text("#inspect .eq")
    # the chain-rule product for the chosen sample is that sample's gradient
    page.select_option("#sample", "2")
    wait_until(lambda: state()["inspect"]["sample"] == 2, what="sample 3")
    _, g3 = net.loss_and_grad(XOR_X[2:3], XOR_T[2:3], "squared_error", reduction="sum")
    assert number(page, "#inspect-product") == pytest.approx(g3[6], rel=1e-10)
    momentum = float(page.get_attribute('#inspect-optimizer tr[data-key="momentum_buffer"] td.num', "data-value"))
    assert math.isfinite(momentum) and momentum != 0.0

    # the error surface for two weights, with the path so far
    page.select_option("#land-i", "0")
    page.select_option("#land-j", "6")
    page.click("#land-draw")
    wait_until(lambda: state()["pair"] == [0, 6], what="the landscape")
    assert len(state()["path"]) > 10
    page.click('.node[data-layer="1"][data-unit="0"] canvas')
    wait_until(lambda: page.query_selector("#inspect-delta"), what="the unit's numbers")
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "playground-xor.png"), full_page=True)

    # one epoch is ceil(n / B) iterations: batch learning 1, online learning 4
    it = int(page.inner_text("#iteration"))
    page.click("#step-epoch")
    wait_until(lambda: int(page.inner_text("#iteration")) == it + 1, what="one batch epoch")
    page.select_option("#batch-mode", "online")
    wait_until(lambda: state()["iteration"] == 0 and state()["batch_size"] == 1, what="online learning")
    assert page.inner_text("#in-epoch") == "0 / 4"
    page.click("#step-epoch")
    wait_until(lambda: page.inner_text("#iteration") == "4", what="one online epoch")
    page.click("#step-iteration")
    wait_until(lambda: page.inner_text("#in-epoch") == "1 / 4", what="one update into the epoch")
    assert page.inner_text("#iteration") == "5" and page.inner_text("#epoch") == "1"
    page.click("#step-epoch")                           # the rest of the running epoch
    wait_until(lambda: page.inner_text("#iteration") == "8", what="the end of epoch 2")
    assert page.inner_text("#epoch") == "2" and page.inner_text("#in-epoch") == "0 / 4"

    # a second tab is a session of its own
    other = browser.new_page()
    other.goto(server.url)
    wait_until(lambda: slim(other), what="tab 2")
    assert server.manager.status()["sessions"] == 2
    assert other.evaluate("window.playground.state.iteration") == 0 and state()["iteration"] == 8
    other.close()
    wait_until(lambda: server.manager.status()["sessions"] == 1, what="tab 2's session to end")
    assert problems == []
    page.close()


class ForeignSite:
    """Another site on this machine (another port): its page tries the playground's WebSocket."""

    def __init__(self, target: str):
        page = (f"<!doctype html><title>waiting</title><script>const ws = new WebSocket({target!r});"
                f"ws.onopen = () => document.title = 'open';"
                f"ws.onclose = (e) => document.title = 'closed ' + e.code;</script>").encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_printed_address_opens_the_page_and_the_bare_one_is_refused(server, browser):
    """The token flow as a user meets it, and what a foreign or rebinding page gets."""
    browser.clear_cookies()
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    state = lambda p=page: slim(p)  # noqa: E731
    port = urlsplit(server.base).port
    # without the token, or with a wrong one: refused, and nothing of the page runs
    reply = page.goto(server.base)
    assert reply.status == 403 and "needs its token" in page.inner_text("body")
    assert page.evaluate("typeof window.playground") == "undefined"
    wrong = server.token[:-1] + ("A" if server.token[-1] != "A" else "B")
    assert page.goto(f"{server.base}?token={wrong}").status == 403 and "wrong token" in page.inner_text("body")
    assert browser.cookies() == []
    # the printed address: the page, its API request and its WebSocket all work
    assert page.goto(server.url).status == 200
    wait_until(state, what="the first state over the WebSocket")
    assert page.url.split("#")[0] == server.base and "token" not in page.url   # the token left the bar ...
    (jar,) = browser.cookies()                                   # ... for a cookie the page cannot read
    assert (jar["name"], jar["value"], jar["httpOnly"], jar["sameSite"]) == \
        (f"backprop-playground-{port}", server.token, True, "Strict")
    assert page.evaluate("document.cookie") == ""
    page.reload()                                                # a reload works by the cookie
    wait_until(state, what="a state after the reload")
    wait_until(lambda: server.manager.status()["sessions"] == 1, what="one session after the reload")
    assert errors == []
    # a page of another site on this machine, with the cookie in the browser and even the token,
    # cannot open the playground's WebSocket: its Origin is not the page's own
    for target in (f"ws://127.0.0.1:{port}/ws", f"ws://127.0.0.1:{port}/ws?token={server.token}"):
        site = ForeignSite(target)
        foreign = browser.new_page()
        try:
            foreign.goto(site.url)
            wait_until(lambda p=foreign: p.title() != "waiting", what="the foreign WebSocket to end")
            assert foreign.title() == "closed 1006"              # refused in the handshake
            assert server.manager.status()["sessions"] == 1
        finally:
            foreign.close()
            site.close()
    # DNS rebinding: a name of the attacker's pointed at 127.0.0.1 is refused, even with the token;
    # a name the server was started with (--allow-host playground.test) works end to end
    named = browser.new_page()
    reply = named.goto(f"http://rebind.test:{port}/?token={server.token}")
    assert reply.status == 421 and "--allow-host NAME" in named.inner_text("body")
    assert named.goto(f"http://playground.test:{port}/?token={server.token}").status == 200
    wait_until(lambda: state(named), what="a state on the allowed name")
    named.close()
    page.close()
