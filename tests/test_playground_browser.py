"""The playground page end to end in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Chromium resolves ``playground.test`` (a name the server is told to allow) and ``rebind.test``
(a DNS-rebinding name) to 127.0.0.1, so the Host check is seen as a browser meets it.

Skipped only when Chromium or Playwright is truly absent on a developer's machine; under CI
(``CI`` set) their absence is a failure, since ``.ci/run`` installs Chromium.  A screenshot
is saved to ``artifacts/playground-xor.png`` (git-ignored).
"""

from __future__ import annotations

import base64
import http.server
import json
import math
import os
import threading
import time
import zlib
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


# --- the features TensorFlow Playground's users ask for --------------------------------------
def open_page(server, browser):
    """A fresh tab on the playground, with its console errors collected in ``page.problems``."""
    page = browser.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(server.url)
    wait_until(lambda: slim(page), what="the first state")
    return page


def data_of(page) -> dict:
    return page.evaluate("window.playground.data")


def fresh(page, where=lambda s, d: True, what="a fresh session"):
    """Wait for a new session's first state (epoch 0, paused) that satisfies ``where(state, data)``."""
    def ok():
        s = slim(page)
        return (s and s["session"] == page.evaluate("playground.sessions") and s["iteration"] == 0
                and s["mode"] == "paused" and where(s, data_of(page)) and s)
    return wait_until(ok, what=what)


def set_value(page, selector: str, value) -> None:
    """Type into a field and commit it, as a user does (the page listens for 'change')."""
    page.fill(selector, str(value))
    page.dispatch_event(selector, "change")


def test_every_preset_reaches_its_documented_accuracy_on_the_page(server, browser):
    """Each data set's button loads settings that learn it: with the preset's stop condition set on
    the page and play pressed at full speed, the run stops there by the documented epoch."""
    from backprop.playground.presets import PRESETS

    page = open_page(server, browser)
    set_value(page, "#speed", 8)                                  # 3000 updates a second
    results = {}
    for name, preset in PRESETS.items():
        reach = preset["reaches"]
        page.click(f'[data-dataset="{name}"]')
        page.select_option("#stop-when", reach["stop_when"])
        set_value(page, "#stop-value", reach["stop_value"])
        want = f"{reach['stop_when'].replace('_', ' ')} {'<=' if 'loss' in reach['stop_when'] else '>='} " \
               f"{reach['stop_value']:g}"
        s0 = fresh(page, lambda s, d: d["name"] == name and s["stop_condition"] == want, what=f"the {name} preset")
        assert s0["speed"] == 3000
        t0 = time.monotonic()
        page.click("#play")
        s = wait_until(lambda: (st := slim(page)) and st["stop_reason"] == "target" and st, timeout=120,
                       what=f"{name} to reach {reach}")
        seconds = time.monotonic() - t0
        h, value = s["history"], reach["stop_value"]
        reached = {"loss": h["loss"][-1], "test_accuracy": h["test_metric"][-1],
                   "test_r2": h["test_metric"][-1]}[reach["stop_when"]]
        assert (reached <= value) if reach["stop_when"] == "loss" else (reached >= value)
        assert s["target_epoch"] == s["epoch"] <= reach["by_epoch"], (name, s["epoch"])
        assert "reached at epoch" in page.inner_text("#status")
        results[name] = {"stop_when": reach["stop_when"], "value": value, "reached": reached,
                         "epoch": s["epoch"], "documented_by_epoch": reach["by_epoch"],
                         "iterations": s["iteration"], "seconds_on_this_machine": round(seconds, 2)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "playground-presets.json").write_text(json.dumps(results, indent=1))
    print("\npresets on this machine:", json.dumps(results))
    assert page.problems == []
    page.close()


def test_updates_arrive_and_are_rendered_while_playing(server, browser):
    """While playing, snapshots keep arriving and each is drawn (the page counts frames). The rate
    is recorded in artifacts/playground-speed.json; benchmarks/playground_speed.py measures it."""
    page = open_page(server, browser)
    set_value(page, "#speed", 8)
    rates = {}
    for label, hidden in (("2-8-8-1 spirals", "8, 8"), ("8 hidden layers of 64", ", ".join(["64"] * 8))):
        page.click('[data-dataset="spirals"]')
        page.select_option("#activation", "tanh")
        set_value(page, "#hidden", hidden)
        arch = "-".join(["2", *hidden.replace(" ", "").split(","), "1"])
        fresh(page, lambda s, d: "-".join(map(str, s["layer_sizes"])) == arch, what=label)
        page.click("#play")
        wait_until(lambda: slim(page)["mode"] == "play", what="play")
        f0, e0, t0 = page.evaluate("[playground.frames, playground.state.iteration, performance.now()]")
        page.wait_for_timeout(2500)
        f1, e1, t1 = page.evaluate("[playground.frames, playground.state.iteration, performance.now()]")
        shown = page.inner_text("#fps")                           # the page shows its own rate
        page.click("#play")
        rates[label] = {"frames_per_second": round((f1 - f0) / ((t1 - t0) / 1000), 1),
                        "updates_per_second": round((e1 - e0) / ((t1 - t0) / 1000), 1)}
        assert f1 - f0 >= 3 and e1 > e0, (label, rates[label])   # updates arrive and are drawn
        assert shown.isdigit() and int(shown) > 0, shown
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "playground-speed.json").write_text(json.dumps(rates, indent=1))
    print("\nrendered updates on this machine:", json.dumps(rates))
    assert page.problems == []
    page.close()


def _table_csv(rng, n=90) -> str:
    """Three measured columns and a text label: a CSV as a user would bring one."""
    X = rng.normal(size=(n, 3)) * [1.0, 2.0, 0.5] + [0.0, 5.0, -1.0]
    label = np.where(X[:, 0] + (X[:, 1] - 5) / 2 > 0.3, "high", np.where(X[:, 2] > -1, "mid", "low"))
    rows = "\n".join(f"{a!r},{b!r},{c!r},{t}" for (a, b, c), t in zip(X.tolist(), label))
    return "length,width,depth,grade\n" + rows + "\n", X, label


def test_your_own_csv_with_three_columns_trains_and_bad_files_are_refused_with_the_readers_message(
        server, browser):
    from backprop.preprocessing import StandardScaler

    page = open_page(server, browser)
    text, X, label = _table_csv(np.random.default_rng(4))
    page.set_input_files("#csv", files=[{"name": "grades.csv", "mimeType": "text/csv", "buffer": text.encode()}])
    s = fresh(page, lambda s, d: d["name"] == "csv", what="the CSV's session")
    d = data_of(page)
    assert (d["n_columns"], d["columns"], d["classes"]) == (3, ["length", "width", "depth"], ["high", "low", "mid"])
    assert s["layer_sizes"][0] == 3 and s["layer_sizes"][-1] == 3 and s["activations"][-1] == "softmax"
    assert d["resolved"] == {"output_activation": "softmax", "loss": "cross_entropy"}
    scaler = StandardScaler().fit(X[d["train"]])                 # standardised with the training rows
    np.testing.assert_allclose(d["X_train"], scaler.transform(X[d["train"]]), rtol=1e-12, atol=1e-12)
    assert page.is_visible("#plane-field") and page.is_visible("#csv-fields")
    assert [o.strip() for o in page.locator("#csv-target option").all_inner_texts()] == \
        ["last column", "length", "width", "depth", "grade"]
    assert page.locator("#features label").all_inner_texts() == [" length", " width", " depth"]
    assert page.locator("#confusion th").all_inner_texts()[1:4] == ["high", "low", "mid"]
    page.select_option("#plane-y", "2")                           # plot length x depth
    fresh(page, lambda s, d: d["plane"] == [0, 2], what="the length x depth plane")
    page.click("#step-epoch")
    wait_until(lambda: slim(page)["epoch"] == 1, what="an epoch on the CSV")
    # too big: refused by the page before sending; malformed: the library's reader says why
    big = b"1,2,0\n" * (server.manager.limits.max_csv_bytes // 6 + 1)
    page.set_input_files("#csv", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big}])
    wait_until(lambda: "big.csv is" in page.inner_text("#status"), what="the size refusal")
    assert f"the limit is {server.manager.limits.max_csv_bytes}" in page.inner_text("#status")
    bad = "length,width,depth,grade\n1,2,3,high\n4,oops,6,low\n7,8,9,mid\n1,1,1,high\n"
    page.set_input_files("#csv", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    wait_until(lambda: "bad.csv: column 'width' is not numeric: 'oops' on line 3" in page.inner_text("#status"),
               what="the reader's message")
    page.check("#csv-one-hot")                                    # ... and its remedy, on the page
    fresh(page, lambda s, d: d["name"] == "csv" and d["n_columns"] == 6, what="one-hot columns")
    assert page.problems == []
    page.close()


def test_the_trained_model_downloads_as_a_model_file_and_as_json(server, browser, tmp_path):
    import backprop

    page = open_page(server, browser)
    page.click('[data-dataset="circles"]')
    fresh(page, lambda s, d: d["name"] == "circles", what="circles")
    for _ in range(3):
        page.click("#step-epoch")
    s = wait_until(lambda: (st := slim(page)) and st["epoch"] == 3 and st["mode"] == "paused" and st,
                   what="3 epochs")
    d = data_of(page)
    with page.expect_download() as info:
        page.click("#download-model")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "playground-circles-epoch3.bp"
    model = backprop.load_model(path)                            # our model file, read back safely
    np.testing.assert_array_equal(model.network.params, s["params"])
    assert model.task == "classification" and model.classes == [0, 1] and model.loss == "binary_cross_entropy"
    X = np.array(d["X"])
    net = backprop.Network(s["layer_sizes"], s["activations"])
    net.params[...] = s["params"]
    np.testing.assert_array_equal(model.forward(X[d["train"]]), net.forward(np.array(d["X_train"])))
    with page.expect_download() as info:
        page.click("#download-weights")
    doc = json.loads(Path(info.value.path()).read_text())
    assert info.value.suggested_filename == "playground-circles-epoch3.json"
    assert doc["layer_sizes"] == s["layer_sizes"] and doc["epoch"] == 3
    for layer, (W, b) in zip(doc["layers"], net.unflatten(net.params)):
        np.testing.assert_array_equal(layer["W"], W)
        np.testing.assert_array_equal(layer["b"], b)
    assert page.problems == []
    page.close()


def test_deeper_wider_networks_per_layer_activations_multiclass_and_the_loss(server, browser):
    """7 hidden layers of 16 units (beyond TensorFlow Playground's 6 x 8), one layer ReLU, four classes
    with a softmax output, squared error chosen as the loss: the page's numbers are the library's."""
    import backprop
    from backprop.evaluation import confusion_matrix

    page = open_page(server, browser)
    page.click('[data-dataset="clusters"]')
    fresh(page, lambda s, d: d["name"] == "clusters", what="clusters")
    set_value(page, "#hidden", "16, 16, 16, 16, 16, 16, 16")
    fresh(page, lambda s, d: s["layer_sizes"] == [2, *[16] * 7, 4], what="7 x 16")
    page.select_option('select.layer-activation[data-layer="2"]', "relu")
    fresh(page, lambda s, d: s["activations"][1] == "relu", what="a ReLU layer")
    page.select_option("#loss", "squared_error")
    s = fresh(page, lambda s, d: d["resolved"]["loss"] == "squared_error", what="squared error")
    assert s["activations"] == ["tanh", "relu", *["tanh"] * 5, "softmax"]
    page.click("#step-epoch")
    s = wait_until(lambda: (st := slim(page)) and st["epoch"] == 1 and st["mode"] == "paused" and st,
                   what="an epoch")
    d = data_of(page)
    net = backprop.Network(s["layer_sizes"], s["activations"])
    net.params[...] = s["params"]
    X, y = np.array(d["X"]), np.array(d["y"])
    T = np.array(d["T_train"])
    assert s["loss_now"] == net.loss(np.array(d["X_train"]), T, "squared_error", reduction="mean")
    C = confusion_matrix(y[d["test"]], net.forward(X[d["test"]]).argmax(axis=1), 4)
    cells = [int(v) for v in page.locator("#confusion td").evaluate_all("(e) => e.map((x) => x.dataset.value)")]
    assert np.array(cells).reshape(4, 4).tolist() == C.tolist() == s["scores"]["test"]["confusion_matrix"]
    acc = float(page.get_attribute("#accuracy-test", "data-value"))
    assert acc == np.trace(C) / C.sum()
    assert page.problems == []
    page.close()


def test_seeds_are_labelled_and_tooltips_carry_the_registries_rules_and_live_values(server, browser):
    import inspect as pyinspect

    from backprop import activations, losses, optim

    page = open_page(server, browser)                            # XOR, SGD: the lecture's defaults
    for field, label, role in (("data-seed", "data seed", "points"), ("net-seed", "weight seed", "initial weights"),
                               ("train-seed", "shuffle seed", "order")):
        assert page.inner_text(f'label[for="{field}"]') == label
        assert role in page.get_attribute(f"#{field}", "title")
    rule = pyinspect.getdoc(optim.base._REGISTRY["sgd"])
    assert page.get_attribute("#optimizer", "title") == rule
    for param, must in (("dampening", "dampening"), ("lecture_form", "Lecture form")):
        tip = page.get_attribute(f'label[for="hp-{param}"]', "title")
        lines = [ln.strip() for ln in rule.splitlines() if must in ln]
        assert lines and all(ln in tip for ln in lines), param      # the docstring's own lines
    for name in losses.available():
        title = page.get_attribute(f'#loss option[value="{name}"]', "title")
        assert losses.get(name).formula in title and losses.get(name).dz_formula in title
    for name in ("sigmoid", "tanh", "relu"):
        title = page.get_attribute(f'#activation option[value="{name}"]', "title")
        assert activations.get(name).formula in title and activations.get(name).deriv_formula in title
    # hover v1: its value now and its chain rule; the value follows training while the mouse stays
    page.hover('path.hit[data-param="6"]', force=True)
    wait_until(lambda: page.is_visible("#tip"), what="the tip")
    text = page.inner_text("#tip")
    assert text.startswith("v1 = ") and "dE/dv1 = dE/dz · dz/ds · ds/dv1" in text
    assert activations.get("sigmoid").deriv_formula in text and losses.get("squared_error").dz_formula in text
    before = float(page.get_attribute("#tip", "data-value"))
    assert before == slim(page)["params"][6]
    page.evaluate("playground.send({type: 'step', unit: 'epoch'})")   # the mouse stays on v1
    wait_until(lambda: float(page.get_attribute("#tip", "data-value")) != before, what="a live value")
    assert float(page.get_attribute("#tip", "data-value")) == slim(page)["params"][6]
    assert page.problems == []
    page.close()


def test_initial_weight_histograms_for_every_scheme(server, browser):
    import backprop
    from backprop import initializers

    page = open_page(server, browser)
    set_value(page, "#hidden", "6, 5")
    fresh(page, lambda s, d: s["layer_sizes"] == [2, 6, 5, 1], what="2-6-5-1")
    assert page.locator("#init-hist .ih-row[data-scheme]").evaluate_all(
        "(e) => e.map((x) => x.dataset.scheme)") == initializers.available()
    draws = {k: backprop.Network([2, 6, 5, 1], "sigmoid", init=k, random_state=0) for k in initializers.available()}
    for layer in range(3):
        top = max(np.abs(net.layers[layer].W).max() for net in draws.values())
        edges = np.linspace(-top, top, 25)
        for scheme, net in draws.items():
            shown = page.get_attribute(f'.ih-row[data-scheme="{scheme}"] canvas[data-layer="{layer + 1}"]',
                                       "data-counts")
            assert shown == ",".join(map(str, np.histogram(net.layers[layer].W, edges)[0])), (scheme, layer)
    ref = backprop.Network([2, 6, 5, 1], "sigmoid", init="he_normal", random_state=0)
    page.click('.ih-row[data-scheme="he_normal"] button')               # choose a scheme from its picture
    # the click restarts the session: wait for the new session's state (the old one's may still
    # be on the page for a moment), which must hold exactly he_normal's draw
    s = fresh(page, lambda s, d: page.get_attribute(".ih-row.current", "data-scheme") == "he_normal"
              and np.array_equal(s["params"], ref.params), what="the he_normal draw")
    np.testing.assert_array_equal(s["params"], ref.params)
    assert page.problems == []
    page.close()


def test_derived_features_feed_the_network(server, browser):
    from backprop.preprocessing import DerivedFeatures

    page = open_page(server, browser)
    page.click('[data-dataset="circles"]')
    fresh(page, lambda s, d: d["name"] == "circles", what="circles")
    page.check('#features input[data-feature="x1^2"]')
    page.check('#features input[data-feature="x2^2"]')
    page.check('#features input[data-feature="sin(x1)"]')
    s = fresh(page, lambda s, d: s["layer_sizes"][0] == 5, what="5 inputs")
    d = data_of(page)
    assert d["feature_names"] == ["x1", "x2", "x1^2", "x2^2", "sin(x1)"]
    X = np.array(d["X"])
    np.testing.assert_array_equal(d["X_train"], DerivedFeatures(d["feature_names"]).fit(X).transform(X[d["train"]]))
    assert page.locator(".node.input").evaluate_all("(e) => e.map((x) => x.title)") == \
        ["input x1", "input x2", "input x1^2", "input x2^2", "input sin(x1)"]
    assert s["iteration"] == 0 and page.problems == []
    page.close()


def test_the_settings_travel_in_a_shareable_url_without_the_token(server, browser):
    page = open_page(server, browser)
    page.click('[data-dataset="circles"]')
    fresh(page, lambda s, d: d["name"] == "circles", what="circles")
    page.check('#features input[data-feature="x1*x2"]')
    set_value(page, "#hidden", "5, 3")
    set_value(page, "#net-seed", 7)
    set_value(page, "#hp-learning_rate", 0.01)
    fresh(page, lambda s, d: s["layer_sizes"] == [3, 5, 3, 1], what="the changed settings")
    wait_until(lambda: page.evaluate("playground.config.training.optimizer_params.learning_rate") == 0.01
               and page.evaluate("playground.config.network.seed") == 7, what="the settings")
    page.wait_for_timeout(300)
    cfg, url = page.evaluate("playground.config"), page.url
    assert "#s=" in url and server.token not in url and "token" not in url
    fragment = url.split("#", 1)[1]
    shared = json.loads(zlib.decompress(base64.urlsafe_b64decode(fragment[2:] + "=" * (-len(fragment[2:]) % 4)),
                                        -15))
    assert shared["config"] == cfg
    other = browser.new_page()                                   # the link in another tab (the cookie holds)
    other.goto(server.base + "#" + fragment)
    s = wait_until(lambda: (st := slim(other)) and st["layer_sizes"] == [3, 5, 3, 1] and st, what="the restored tab")
    assert other.evaluate("playground.config") == cfg
    assert other.evaluate("playground.data.feature_names") == ["x1", "x2", "x1*x2"]
    assert slim(page)["iteration"] == 0 and s["params"] == slim(page)["params"]   # the same seeds: the same run
    assert other.input_value("#hp-learning_rate") == "0.01" and other.input_value("#net-seed") == "7"
    other.close()
    other = browser.new_page()                                   # a damaged link: said so, the defaults
    other.goto(server.base + "#s=not-a-link")
    wait_until(lambda: "damaged" in other.inner_text("#status"), what="the damaged link")
    wait_until(lambda: (st := slim(other)) and st["layer_sizes"] == [2, 2, 1], what="the defaults")
    other.close()
    assert page.problems == []
    page.close()
