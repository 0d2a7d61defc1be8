"""How many training updates the playground page shows per second, and how fast its presets learn.

    python benchmarks/playground_speed.py [--seconds 5] [--presets] [--json OUT]

Starts the playground server in this process, opens its page in headless Chromium
(/usr/bin/chromium, through Playwright), and for each network plays the spirals data
at full speed (3000 updates/s asked for) for ``--seconds``.  It counts what the page
itself counts: the states that arrived over the WebSocket and the frames it drew
(``window.playground.states`` / ``frames``; every drawn frame redraws the network
diagram, every unit's map, the decision boundary, the loss chart and the scores),
and the training updates made meanwhile.  The issue's targets: at least 20 drawn
updates a second for 2-8-8-1 on spirals, 10 for 8 hidden layers of 64 units.

``--presets`` also plays every preset with its documented stop condition and prints the
epoch and the seconds it took to get there.  Numbers depend on the machine: the
session's compute budget is half of one core, so a loaded machine shows fewer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

CHROMIUM = "/usr/bin/chromium"
NETWORKS = {"2-8-8-1 tanh": ([8, 8], "tanh"), "2-(64 x 8)-1 tanh": ([64] * 8, "tanh")}
STATE = "(() => { const s = window.playground.state; return s && {mode: s.mode, iteration: s.iteration, " \
        "epoch: s.epoch, stop_reason: s.stop_reason, sizes: s.layer_sizes, session: s.session}; })()"


def poll(fn, timeout: float = 120.0, page=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    seen = "" if page is None else f": {page.evaluate(STATE)}, status {page.inner_text('#status')!r}"
    raise TimeoutError(f"the page did not get there in time{seen}")


def fresh(page, sizes=None):
    """The first state of the newest session (paused at iteration 0)."""
    def ok():
        s = page.evaluate(STATE)
        return (s and s["session"] == page.evaluate("playground.sessions") and s["iteration"] == 0
                and (sizes is None or s["sizes"] == sizes) and s)
    return poll(ok, page=page)


def commit(page, selector: str, value) -> None:
    page.fill(selector, str(value))
    page.dispatch_event(selector, "change")


def measure(page, hidden: list[int], activation: str, seconds: float) -> dict:
    page.click('[data-dataset="spirals"]')
    page.select_option("#activation", activation)
    commit(page, "#hidden", ", ".join(map(str, hidden)))
    fresh(page, [2, *hidden, 1])
    page.click("#play")
    poll(lambda: page.evaluate(STATE)["mode"] == "play")
    page.wait_for_timeout(500)                       # past the start
    read = "[playground.frames, playground.states, playground.state.iteration, performance.now()]"
    f0, s0, i0, t0 = page.evaluate(read)
    page.wait_for_timeout(seconds * 1000)
    f1, s1, i1, t1 = page.evaluate(read)
    render_ms = page.evaluate("playground.renderMs")
    page.click("#play")
    dt = (t1 - t0) / 1000
    return {"frames_per_second": round((f1 - f0) / dt, 1), "states_per_second": round((s1 - s0) / dt, 1),
            "updates_per_second": round((i1 - i0) / dt, 1), "ms_to_draw_a_frame": round(render_ms, 1),
            "seconds": round(dt, 2)}


def presets(page) -> dict:
    from backprop.playground.presets import PRESETS
    out = {}
    for name, preset in PRESETS.items():
        reach = preset["reaches"]
        page.click(f'[data-dataset="{name}"]')
        page.select_option("#stop-when", reach["stop_when"])
        commit(page, "#stop-value", reach["stop_value"])
        poll(lambda: page.evaluate("playground.config.training.stop_value") == reach["stop_value"])
        page.wait_for_timeout(400)
        fresh(page)
        t0 = time.monotonic()
        page.click("#play")
        s = poll(lambda: (st := page.evaluate(STATE)) and st["stop_reason"] == "target" and st, 300)
        out[name] = {"reaches": f"{reach['stop_when']} {reach['stop_value']}", "epoch": s["epoch"],
                     "documented_by_epoch": reach["by_epoch"], "seconds": round(time.monotonic() - t0, 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="how long each network plays (default 5)")
    ap.add_argument("--presets", action="store_true", help="also time every preset to its stop condition")
    ap.add_argument("--json", help="write the numbers to this file too")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from backprop.playground import start_in_thread
    server = start_in_thread()
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                          f"load average {os.getloadavg()[0]:.1f}"}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1150})
            page.goto(server.url)
            fresh(page)
            commit(page, "#speed", 8)                # 3000 updates a second asked for
            for label, (hidden, act) in NETWORKS.items():
                results[label] = measure(page, hidden, act, args.seconds)
                print(f"{label:22s} {results[label]}", flush=True)
            if args.presets:
                page.close()
                page = browser.new_page(viewport={"width": 1400, "height": 1150})
                page.goto(server.url)
                fresh(page)
                commit(page, "#speed", 8)
                results["presets"] = presets(page)
                for name, r in results["presets"].items():
                    print(f"preset {name:10s} {r}", flush=True)
            browser.close()
    finally:
        server.stop()
    print(results["machine"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
