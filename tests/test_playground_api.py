"""The playground's server and sessions, through its WebSocket and HTTP API (no browser).

Oracles: the library's own ``Trainer``/``fit`` run directly on the same data and seeds
(a session must end bit for bit where it does), ``Network.loss_and_grad`` for the
gradients the page shows, and the optimizer state of that direct run.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import os
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from typing import NamedTuple
from urllib.parse import urlsplit

import numpy as np
import pytest

aiohttp = pytest.importorskip("aiohttp", reason="the playground needs the 'playground' extra (aiohttp)")

import backprop  # noqa: E402
from backprop import ConfigError  # noqa: E402
from backprop.playground import config as pgconfig  # noqa: E402
from backprop.playground import start_in_thread  # noqa: E402
from backprop.playground.limits import Limits  # noqa: E402
from backprop.playground.presets import PRESETS, preset_config, train_preset  # noqa: E402
from backprop.playground.session import Session  # noqa: E402
from backprop.playground.snapshot import decode_params  # noqa: E402

from conftest import SRC, run_cli  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_T = np.array([[0], [1], [1], [0]], dtype=float)


@pytest.fixture(scope="module")
def server():
    handle = start_in_thread()
    yield handle
    handle.stop()


def xor_config(seed: int = 0, **training) -> dict:
    cfg = pgconfig.defaults()
    cfg["network"]["seed"] = seed
    cfg["training"].update(training)
    return cfg


def ws_url(handle, token: str | None = "") -> str:
    """The server's WebSocket address with ``token`` (its own by default; None: without one)."""
    url = handle.base.replace("http://", "ws://") + "ws"
    token = handle.token if token == "" else token
    return url if token is None else f"{url}?token={token}"


def origin(handle) -> str:
    """The Origin a browser sends from the server's own page."""
    return handle.base.rstrip("/")


class Client:
    """One WebSocket session, as a page would hold it (with the token, from the page's origin)."""

    def __init__(self, handle):
        self.url, self.origin = ws_url(handle), origin(handle)

    async def __aenter__(self):
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url, origin=self.origin)
        assert (await self.recv("hello"))["limits"]["max_sessions"] >= 1
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()
        await self.http.close()

    async def send(self, msg: dict) -> None:
        await self.ws.send_str(json.dumps(msg))

    async def recv(self, kind: str, timeout: float = 20.0, where=None) -> dict:
        """The next message of type ``kind`` (an unexpected error fails the test)."""
        end = time.monotonic() + timeout
        while True:
            msg = await self.ws.receive(timeout=max(end - time.monotonic(), 0.01))
            assert msg.type == aiohttp.WSMsgType.TEXT, f"connection ended: {msg.type} {msg.extra}"
            m = json.loads(msg.data)
            if m["type"] == "error" and kind != "error":
                raise AssertionError(f"server error: {m['message']}")
            if m["type"] == "state":      # the parameters travel as float64 bytes (base64)
                m["params"] = decode_params(m["params_b64"], m["params_dtype"])
            if m["type"] == kind and (where is None or where(m)):
                return m

    async def start(self, cfg: dict) -> dict:
        await self.send({"type": "config", "config": cfg})
        data = await self.recv("data")
        await self.recv("state")
        return data

    async def step(self, unit: str, n: int = 1) -> dict:
        for _ in range(n):
            await self.send({"type": "step", "unit": unit})
            state = await self.recv("state", where=lambda m: m["mode"] == "paused")
        return state


def run(coro):
    return asyncio.run(coro)


def decode64(text: str) -> bytes:
    import base64
    return base64.b64decode(text)


# --- validation ------------------------------------------------------------------------
@pytest.mark.parametrize("part, change, message", [
    ("network", {"hidden": [2] * 11}, "at most 10 layer sizes"),
    ("network", {"hidden": [129]}, "network.hidden[0] (units) must be an integer in [1, 128]"),
    ("network", {"hidden": [0]}, "must be an integer in [1, 128]"),
    ("network", {"hidden": [4, 4], "activation": ["tanh"]}, "lists 1 activations for 2 hidden layers"),
    ("network", {"hidden": [4], "activation": ["softmax"]}, "unknown hidden activation (layer 1) 'softmax'"),
    ("data", {"features": ["x1", "cos(x1)"]}, "data.features: unknown feature 'cos(x1)'"),
    ("data", {"features": ["x1", "x1"]}, "data.features lists a feature twice"),
    ("data", {"features": []}, "data.features must be a list of 1 to 16 feature names"),
    ("data", {"features": ["x17"]}, "names a column beyond 16"),
    ("data", {"plane": [1, 1]}, "choose two different columns"),
    ("data", {"task": "ranking"}, "unknown data.task 'ranking'; valid choices: auto, classification"),
    ("training", {"stop_when": "perfection"}, "unknown training.stop_when 'perfection'"),
    ("training", {"stop_when": "test_accuracy", "stop_value": 1.5},
     "training.stop_value (for test_accuracy) must be a number in [0.0, 1.0]"),
    ("training", {"stop_when": "epoch", "stop_value": 2.5}, "training.stop_value (for epoch) must be an integer"),
    ("network", {"hidden": "2,2"}, "must be a list"),
    ("network", {"activation": "softmax"}, "unknown hidden activation 'softmax'; valid choices:"),
    ("network", {"loss": "hinge"}, "unknown loss 'hinge'"),
    ("network", {"init": "orthogonal"}, "unknown initialisation 'orthogonal'"),
    ("data", {"n_samples": 10 ** 7}, "data.n_samples must be an integer in [4, 1000]"),
    ("data", {"n_samples": "100"}, "data.n_samples must be an integer"),
    ("data", {"noise": float("nan")}, "data.noise must be a number in [0.0, 2.0]"),
    ("data", {"noise": 1e9}, "data.noise must be a number in [0.0, 2.0]"),
    ("data", {"test_fraction": 0.95}, "data.test_fraction must be a number in [0.0, 0.9]"),
    ("data", {"name": "mnist"}, "unknown data set 'mnist'; valid choices: xor, circles"),
    ("data", {"name": "csv"}, "needs the file's text in data.csv"),
    ("data", {"name": "csv", "csv": "1,2,0\n" * 60000}, "the limit is 204800 bytes"),
    ("data", {"size": 3}, "unknown setting data.size"),
    ("training", {"optimizer": "newton"}, "unknown optimizer 'newton'"),
    ("training", {"optimizer_params": {"lr": 0.1}}, "unknown hyperparameter 'lr' for optimizer 'sgd'"),
    ("training", {"optimizer_params": {"learning_rate": 1e9}}, "sgd: learning_rate must be a number in [0.0, 100.0]"),
    ("training", {"optimizer_params": {"learning_rate": 0.0}}, "learning_rate"),
    ("training", {"optimizer_params": {"momentum": 1.5}}, "momentum"),
    ("training", {"optimizer": "lbfgs", "optimizer_params": {"history_size": 10 ** 9}},
     "lbfgs: history_size must be an integer in [0, 1000]"),
    ("training", {"optimizer": "lbfgs", "optimizer_params": {}, "batch_mode": "online"},
     "optimizer lbfgs needs the whole training set in each update; choose batch mode 'batch'"),
    ("training", {"batch_mode": "minibatch", "batch_size": 0}, "training.batch_size must be an integer in [1, 1000]"),
    ("training", {"max_epochs": 10 ** 9}, "training.max_epochs must be an integer in [1, 100000]"),
    ("training", {"speed": 1e6}, "training.speed (updates per second) must be a number in [0.1, 3000.0]"),
    ("training", {"weight_decay": -1}, "training.weight_decay must be a number in [0.0, 1.0]"),
    ("training", {"early_stopping": "yes"}, "training.early_stopping must be true or false"),
])
def test_invalid_settings_are_refused_with_the_reason(part, change, message):
    cfg = pgconfig.defaults()
    cfg[part].update(change)
    with pytest.raises(ConfigError) as err:
        pgconfig.validate(cfg)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_page_cannot_ask_for_more_than_the_limits_allow():
    """The biggest valid request stays small: every bound is finite and checked."""
    lim = Limits()
    assert (lim.max_hidden_layers, lim.max_units) > (6, 8)           # beyond TensorFlow Playground's cap
    cfg = pgconfig.defaults()
    cfg["network"]["hidden"] = [lim.max_units] * lim.max_hidden_layers
    cfg["data"].update(name="spirals", n_samples=lim.max_samples)
    ok = pgconfig.validate(cfg)
    assert ok["network"]["hidden"] == [128] * 10
    with pytest.raises(ConfigError, match=r"the network 2-128-128-128-128-128-128-128-128-128-128-1 has "
                                          r"149121 weights and biases; the playground's limit is 50000"):
        Session(ok, lambda kind, text: None)                        # the total is bounded too
    cfg["network"]["hidden"] = [lim.max_units] * (lim.max_hidden_layers + 1)
    with pytest.raises(ConfigError):
        pgconfig.validate(cfg)
    cfg["network"]["hidden"] = [64] * 8                             # 8 hidden layers of 64 units
    s = Session(pgconfig.validate(cfg), lambda kind, text: None)
    assert s.net.layer_sizes == (2, *[64] * 8, 1) and s.net.n_params == 29377
    assert s.path.nbytes <= 2_000_000 * 8                           # the path's memory is bounded


def test_to_json_nulls_non_finite_numbers_but_leaves_strings_alone():
    from backprop.playground.session import to_json
    obj = {"csv": 'x,y\n1,NaN,2\n3,-Infinity]\n"q\\"', "name": "a:Infinity}",
           "v": [math.nan, 1.0, -math.inf, math.inf], "k": {"a": math.nan}}
    back = json.loads(to_json(obj))            # the browser's JSON.parse knows no NaN / Infinity
    assert back == {**obj, "v": [None, 1.0, None, None], "k": {"a": None}}


def test_bad_messages_get_clear_errors(server):
    async def scenario():
        async with Client(server) as c:
            await c.send({"type": "play"})
            assert "send the settings first" in (await c.recv("error"))["message"]
            await c.ws.send_str("{not json")
            assert (await c.recv("error"))["message"] == "a message must be JSON"
            bad = xor_config()
            bad["network"]["hidden"] = [1000]
            await c.send({"type": "config", "config": bad, "id": 7})
            err = await c.recv("error")
            assert err["id"] == 7 and "network.hidden[0] (units) must be an integer in [1, 128]" in err["message"]
            await c.start(xor_config())
            for msg, text in [({"type": "watch", "kind": "weight", "index": 9}, "index must be an integer in [0, 8]"),
                              ({"type": "watch", "kind": "unit", "layer": 3, "unit": 0}, "layer must be an integer in [1, 2]"),
                              ({"type": "watch", "kind": "weight", "index": 0, "sample": 4}, "sample must be an integer in [0, 3]"),
                              ({"type": "landscape", "i": 0, "j": 0}, "two different parameters"),
                              ({"type": "landscape", "i": 0, "j": 1, "resolution": 5000}, "resolution must be an integer in [5, 41]"),
                              ({"type": "set", "learning_rate": -1}, "learning_rate must be a number in (0.0, 100.0]"),
                              ({"type": "step", "unit": "century"}, "step unit must be 'iteration' or 'epoch'"),
                              ({"type": "fly"}, "unknown command 'fly'")]:
                await c.send(msg)
                assert text in (await c.recv("error"))["message"], msg
            csv = xor_config()
            csv["data"].update(name="csv", csv="x1,x2,label\n1,2,0\n3,four,1\n5,6,0\n7,8,1\n")
            await c.send({"type": "config", "config": csv})
            assert (await c.recv("error"))["message"] == (
                "the uploaded CSV: column 'x2' is not numeric: 'four' on line 3; tick 'encode text columns' "
                "to one-hot encode it")
            csv["data"].update(csv="1,2\n3,4,5\n", csv_name="mine.csv")
            await c.send({"type": "config", "config": csv})
            assert (await c.recv("error"))["message"].startswith(
                "mine.csv, line 2: 3 fields, expected 2 like line 1")
            csv["data"]["csv"] = "1,2\n3,4\n"
            await c.send({"type": "config", "config": csv})
            assert (await c.recv("error"))["message"] == "mine.csv has 2 data rows; the playground takes 4 to 1000"
            await c.ws.send_str("x" * (Limits().max_message_bytes + 10))   # oversized: connection closed
            msg = await c.ws.receive(timeout=10)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            assert c.ws.close_code == 1009      # "message too big"
    run(scenario())


def test_uploaded_csv_trains(server):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    text = "x1,x2,label\n" + "\n".join(f"{float(a)!r},{float(b)!r},{c}" for (a, b), c in zip(X, y))
    cfg = xor_config()
    cfg["data"].update(name="csv", csv=text, test_fraction=0.25, standardize=True)
    cfg["network"].update(output_activation="sigmoid", loss="binary_cross_entropy")

    async def scenario():
        async with Client(server) as c:
            data = await c.start(cfg)
            assert data["task"] == "binary" and len(data["train"]) == 30 and len(data["test"]) == 10
            np.testing.assert_array_equal(np.array(data["X"]), X)
            state = await c.step("epoch", 3)
            assert state["test_loss_now"] is not None and state["epoch"] == 3
    run(scenario())


def test_message_rate_is_limited(server):
    async def scenario():
        async with Client(server) as c:
            await c.start(xor_config())
            for _ in range(Limits().rate_burst + 40):
                await c.send({"type": "pause"})
            assert "too many requests: at most 40 messages a second" in (await c.recv("error"))["message"]
    run(scenario())


def test_the_number_of_sessions_is_bounded():
    handle = start_in_thread(limits=Limits(max_sessions=2))

    async def scenario():
        async with Client(handle), Client(handle):
            async with aiohttp.ClientSession() as http:
                async with http.ws_connect(ws_url(handle), origin=origin(handle)) as ws:
                    m = json.loads((await ws.receive(timeout=10)).data)
                    assert m["type"] == "error" and "already runs 2 sessions, its limit" in m["message"]
                    assert (await ws.receive(timeout=10)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    try:
        run(scenario())
    finally:
        handle.stop()


# --- the sessions train with the library's trainer -------------------------------------
def direct_run(seed: int, lr: float, epochs: int, batch_size=None, optimizer="sgd", **params):
    """The same training, straight through backprop.Trainer (the oracle)."""
    net = backprop.Network([2, 2, 1], "sigmoid", "sigmoid", init="uniform", random_state=seed)
    trainer = backprop.Trainer(loss="squared_error", reduction="mean", optimizer=optimizer,
                               engine="numpy",   # the session steps per iteration: NumPy loop
                               optimizer_params={"learning_rate": lr, **params}, epochs=epochs,
                               batch_size=batch_size, random_state=0, progress=False)
    trainer.fit(net, XOR_X, XOR_T)
    return net, trainer


def test_twenty_concurrent_sessions_train_without_interfering(server):
    n = 20

    async def one(k: int):
        async with Client(server) as c:
            cfg = xor_config(seed=k, optimizer_params={"learning_rate": 0.5 + 0.1 * k, "momentum": 0.9},
                             batch_mode="minibatch", batch_size=3)
            await c.start(cfg)
            await c.send({"type": "play"})          # all of them training at once ...
            await c.recv("state", where=lambda m: m["mode"] == "play" and m["iteration"] > 0)
            await c.send({"type": "pause"})
            await c.recv("state", where=lambda m: m["mode"] == "paused")
            return await c.step("epoch", 1), cfg    # ... then to the next epoch boundary

    async def scenario():
        return await asyncio.gather(*(one(k) for k in range(n)))

    results = run(scenario())
    for k, (state, cfg) in enumerate(results):
        assert state["batch_in_epoch"] == 0 and state["iteration"] == 2 * state["epoch"]  # ceil(4/3) = 2
        net, _ = direct_run(k, 0.5 + 0.1 * k, state["epoch"], batch_size=3, momentum=0.9)
        np.testing.assert_array_equal(np.array(state["params"]), net.params)   # bit for bit
    deadline = time.monotonic() + 20
    while server.manager.status()["threads"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.manager.status() == {"sessions": 0, "threads": 0, "max_sessions": 32}


def test_a_client_that_disconnects_frees_its_session(server):
    async def scenario():
        for action in ("paused", "play"):
            async with Client(server) as c:
                await c.start(xor_config(speed=50.0))
                if action == "play":
                    await c.send({"type": "play"})
                    await c.recv("state", where=lambda m: m["mode"] == "play")
                assert server.manager.status()["sessions"] == 1
                assert server.manager.status()["threads"] == 1
            deadline = time.monotonic() + 10                   # the socket is closed now
            while server.manager.status()["threads"] and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert server.manager.status() == {"sessions": 0, "threads": 0, "max_sessions": 32}
    run(scenario())


@pytest.mark.parametrize("mode, batch_size, n_iter", [("online", 1, 4), ("minibatch", 3, 2), ("batch", 4, 1)])
def test_steps_advance_the_documented_number_of_iterations(server, mode, batch_size, n_iter):
    async def scenario():
        async with Client(server) as c:
            await c.start(xor_config(batch_mode=mode, batch_size=batch_size))
            s = await c.step("epoch")
            assert (s["epoch"], s["iteration"], s["iterations_per_epoch"]) == (1, n_iter, n_iter)
            s = await c.step("iteration")
            assert s["iteration"] == n_iter + 1
            assert s["batch_in_epoch"] == (1 if n_iter > 1 else 0)   # rests inside the epoch
            assert s["epoch"] == (1 if n_iter > 1 else 2)
            e = s["epoch"] + 1                         # the running epoch ends at e
            s = await c.step("epoch")                  # to the end of the running epoch
            assert (s["epoch"], s["iteration"], s["batch_in_epoch"]) == (e, e * n_iter, 0)
            s = await c.step("epoch")                  # from a boundary: ceil(n / B) updates
            assert (s["epoch"], s["iteration"]) == (e + 1, (e + 1) * n_iter)
            assert len(s["history"]["loss"]) == e + 2  # epochs 0..e+1
            net, _ = direct_run(0, 2.0, e + 1, batch_size=batch_size, momentum=0.9)
            np.testing.assert_array_equal(np.array(s["params"]), net.params)
    run(scenario())


def test_clicked_numbers_are_the_librarys(server):
    """Gradient = loss_and_grad + lambda w; chain product = backprop; Adam's state = the trainer's."""
    wd = 0.01

    async def scenario():
        async with Client(server) as c:
            cfg = xor_config(optimizer="adam", optimizer_params={"learning_rate": 0.05},
                             batch_mode="online", weight_decay=wd)
            await c.start(cfg)
            await c.step("epoch", 5)
            await c.step("iteration")
            await c.send({"type": "watch", "kind": "weight", "index": 6, "sample": 2})
            s = await c.recv("state", where=lambda m: "inspect" in m)
            await c.send({"type": "watch", "kind": "unit", "layer": 1, "unit": 1, "sample": 2})
            u = await c.recv("state", where=lambda m: m.get("inspect", {}).get("kind") == "unit")
            return s, u
    s, u = run(scenario())
    info = s["inspect"]
    net = backprop.Network([2, 2, 1], "sigmoid", "sigmoid")
    net.params[...] = s["params"]
    _, g = net.loss_and_grad(XOR_X, XOR_T, "squared_error", reduction="mean")
    assert info["name"] == "v1" and info["value"] == net.params[6]
    assert info["gradient"] == pytest.approx(g[6] + wd * net.params[6], rel=1e-12, abs=1e-15)
    # the chain for sample 3 (x = (1, 0), t = 1): dE/dv1 = dE/dz * dz/ds * ds/dv1
    assert [t["name"] for t in info["chain"]] == ["dE/dz", "dz/ds", "ds/dv1"]
    assert math.prod(t["value"] for t in info["chain"]) == pytest.approx(info["product"], rel=1e-12)
    _, g3 = net.loss_and_grad(XOR_X[2:3], XOR_T[2:3], "squared_error", reduction="sum")
    assert info["product"] == pytest.approx(g3[6], rel=1e-10)
    assert info["finite_difference"] == pytest.approx(g3[6], rel=1e-5, abs=1e-9)
    # the optimizer's state for v1 is the trainer's own (a direct run to the same iteration)
    ref = backprop.Network([2, 2, 1], "sigmoid", "sigmoid", init="uniform", random_state=0)
    tr = backprop.Trainer(loss="squared_error", optimizer="adam", optimizer_params={"learning_rate": 0.05},
                          batch_size=1, random_state=0, weight_decay=wd, epochs=6, max_iterations=21,
                          progress=False, engine="numpy")
    tr.fit(ref, XOR_X, XOR_T)
    np.testing.assert_array_equal(ref.params, net.params)
    st, opt = tr.run_.opt_state, info["optimizer"]
    assert opt["t"] == st["t"] == 21
    for key in ("m", "v", "effective_learning_rate", "step"):
        assert opt[key] == st[key][6], key
    for key in ("bias_correction1", "bias_correction2", "learning_rate"):
        assert opt[key] == st[key], key
    assert info["last_update_gradient"] == tr.run_.grad[6]
    # a unit: u, y from forward_trace; delta = dE/du = dE/db for that sample
    us, ys = net.forward_trace(XOR_X[2:3])
    ui = u["inspect"]
    assert (ui["u"], ui["y"]) == (us[0][0, 1], ys[0][0, 1]) and ui["u_name"] == "u2"
    assert ui["delta"] == pytest.approx(g3[5], rel=1e-12)          # b2 is parameter 5
    assert ui["incoming"] == [2, 3] and ui["bias_index"] == 5


def test_landscape_and_live_learning_rate(server):
    async def scenario():
        async with Client(server) as c:
            await c.start(xor_config())
            await c.step("epoch", 30)
            await c.send({"type": "landscape", "i": 0, "j": 6, "resolution": 9})
            land = await c.recv("landscape")
            s = await c.recv("state")
            await c.send({"type": "set", "learning_rate": 0.25})
            s2 = await c.recv("state", where=lambda m: m["learning_rate"] == 0.25)
            return land, s, s2
    land, s, s2 = run(scenario())
    assert s["pair"] == [0, 6] and len(s["path"]) == 31          # initial weights + 30 updates
    np.testing.assert_array_equal(s["path"][-1], [s["params"][0], s["params"][6]])
    net = backprop.Network([2, 2, 1], "sigmoid", "sigmoid")
    net.params[...] = s["params"]
    a = np.linspace(*land["a"], 9)
    b = np.linspace(land["b"][1], land["b"][0], 9)          # row 0 is the top (largest b)
    for r, c in [(0, 0), (4, 7), (8, 3)]:
        probe = net.copy()
        probe.params[0], probe.params[6] = a[c], b[r]
        assert land["E"][r][c] == pytest.approx(probe.loss(XOR_X, XOR_T, reduction="mean"), rel=1e-12)
    assert land["a"][0] <= min(p[0] for p in s["path"]) and land["a"][1] >= max(p[0] for p in s["path"])
    assert s2["learning_rate"] == 0.25 and s["learning_rate"] == 2.0


@pytest.mark.parametrize("name, task, outputs", [("circles", "binary", 1), ("spirals", "binary", 1),
                                                ("clusters", "multiclass", 3), ("curve", "regression", 1)])
def test_every_generated_data_set_trains(server, name, task, outputs):
    """The points are backprop.datasets' own; the views fit the task; the test loss is reported."""
    from backprop import datasets
    cfg = xor_config()
    cfg["data"].update(name=name, n_samples=60, noise=0.1, test_fraction=0.25, seed=3)
    out, loss = {"binary": ("sigmoid", "binary_cross_entropy"), "multiclass": ("softmax", "cross_entropy"),
                 "regression": ("identity", "squared_error")}[task]
    cfg["network"].update(hidden=[3, 2], activation="tanh", output_activation=out, loss=loss)
    cfg["training"].update(optimizer="adam", optimizer_params={"learning_rate": 0.05},
                           batch_mode="minibatch", batch_size=8)

    async def scenario():
        async with Client(server) as c:
            data = await c.start(cfg)
            return data, await c.step("epoch", 2)
    data, s = run(scenario())
    ref = {"circles": lambda: datasets.make_circles(60, noise=0.1, factor=0.5, random_state=3),
           "spirals": lambda: datasets.make_spirals(60, noise=0.1, random_state=3),
           "clusters": lambda: datasets.make_gaussian_clusters(60, centers=3, std=0.1, spread=4.0, random_state=3),
           "curve": lambda: datasets.make_curve(60, noise=0.1, random_state=3)}[name]()
    np.testing.assert_array_equal(np.array(data["X"]), ref.X)
    np.testing.assert_array_equal(np.array(data["y"]), ref.y)
    assert data["task"] == task and len(data["test"]) == 15 and len(data["train"]) == 45
    assert s["layer_sizes"] == [ref.X.shape[1], 3, 2, outputs] and s["iterations_per_epoch"] == 6
    assert s["test_loss_now"] is not None and len(s["history"]["test_loss"]) == 3
    assert [layer["n"] for layer in s["units"]] == [3, 2] and s["output_units"]["n"] == outputs
    if name == "curve":
        assert s["output"]["kind"] == "curve" and len(s["output"]["values"]) == 160
    else:
        assert s["output"]["shape"] == [48, 48]


@pytest.mark.parametrize("optimizer", ["lbfgs", "levenberg_marquardt"])
def test_second_order_full_batch_optimizers_run(server, optimizer):
    async def scenario():
        async with Client(server) as c:
            await c.start(xor_config(optimizer=optimizer, optimizer_params={}, batch_mode="batch"))
            first = await c.step("epoch")
            last = await c.step("epoch", 15)
            return first, last
    first, last = run(scenario())
    assert last["iteration"] == 16 and last["loss_now"] < first["history"]["loss"][0]


# --- presets, stop conditions, scores, features, CSV, downloads (issue 18) ---------------------
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_reaches_its_documented_target_by_its_epoch(name):
    """Trained with its session's own trainer options, each preset meets its stop condition by the
    documented epoch (the old spirals preset, 2-8-8-1 tanh with Adam 0.03, sat at chance)."""
    reach = PRESETS[name]["reaches"]
    epoch, s = train_preset(name)
    assert epoch is not None and epoch <= reach["by_epoch"], (name, epoch)
    h = s.trainer.run_.history if s.trainer.run_ else None
    assert h is None                                    # the session's own thread never ran


def _session(cfg) -> Session:
    return Session(pgconfig.validate(cfg), lambda kind, text: None)


def _first(values, hit) -> int:
    """1-based epoch of the first value for which ``hit`` holds."""
    return next(k for k, v in enumerate(values, start=1) if v is not None and hit(v))


@pytest.mark.parametrize("kind, value", [("loss", 0.3), ("test_loss", 0.3), ("accuracy", 0.9),
                                         ("test_accuracy", 0.9), ("epoch", 7), ("r2", 0.5), ("test_r2", 0.5)])
def test_a_stop_condition_stops_at_the_first_epoch_that_meets_it_and_play_goes_on(server, kind, value):
    name = "curve" if "r2" in kind else "circles"
    cfg = preset_config(name)
    cfg["training"].update(stop_when=kind, stop_value=value, speed=3000.0)
    s = _session(cfg)                                   # the oracle: the same options, straight through
    h = backprop.Trainer(**{**s.options, "epochs": 300, "engine": "numpy"}).fit(s.net, s.data.X_train,
                                                                                s.data.T_train)
    col = {"loss": h.loss, "test_loss": h.val_loss, "accuracy": h.metric, "test_accuracy": h.val_metric,
           "r2": h.metric, "test_r2": h.val_metric, "epoch": h.epoch}[kind]
    expected = _first(col, (lambda v: v <= value) if kind.endswith("loss") else (lambda v: v >= value))

    async def scenario():
        async with Client(server) as c:
            await c.start(cfg)
            await c.send({"type": "play"})
            stopped = await c.recv("state", timeout=60, where=lambda m: m["stop_reason"] is not None)
            await c.send({"type": "play"})                # once met, the condition lets play go on
            later = await c.recv("state", timeout=60, where=lambda m: m["epoch"] > stopped["epoch"] + 2)
            await c.send({"type": "pause"})
            return stopped, later
    stopped, later = run(scenario())
    assert (stopped["stop_reason"], stopped["epoch"], stopped["target_epoch"]) == ("target", expected, expected)
    assert stopped["mode"] == "paused" and later["stop_reason"] is None
    shown = f"{value:g}" if kind != "epoch" else str(value)
    assert stopped["stop_condition"] == f"{kind.replace('_', ' ')} {'<=' if 'loss' in kind else '>='} {shown}"


def test_stop_conditions_that_do_not_fit_the_data_are_refused():
    for name, kind, message in (("curve", "accuracy", "the stop condition accuracy is for classes"),
                                ("circles", "r2", "the stop condition r2 is for regression"),
                                ("xor", "test_loss", "the stop condition test loss needs a test set")):
        cfg = preset_config(name)
        cfg["training"].update(stop_when=kind, stop_value=0.5)
        with pytest.raises(ConfigError, match=message):
            _session(cfg)


def test_scores_are_backprops_evaluation_at_the_weights_shown():
    from backprop.evaluation import classification_scores, regression_scores
    from backprop.playground import measures
    s = _session(preset_config("clusters"))
    backprop.Trainer(**{**s.options, "epochs": 3}).fit(s.net, s.data.X_train, s.data.T_train)
    sc = measures.scores(s.net, s.data)
    for part, X, idx in (("train", s.data.X_train, s.data.train), ("test", s.data.X_test, s.data.test)):
        ref = classification_scores(s.data.labels[idx], s.net.forward(X).argmax(axis=1), 4)
        assert sc[part]["accuracy"] == ref["accuracy"]
        assert sc[part]["confusion_matrix"] == ref["confusion_matrix"].tolist()
    r = _session(preset_config("curve"))
    sc = measures.scores(r.net, r.data)
    ref = regression_scores(r.data.T_test, r.net.forward(r.data.X_test))
    assert sc["test"] == {k: ref[k] for k in ("r2", "rmse", "mae")}
    x = _session(xor_config())
    assert measures.scores(x.net, x.data)["test"] is None    # no test set, no test scores


def test_initial_weight_histograms_are_each_schemes_own_draws():
    from backprop.playground.measures import init_histograms
    s = _session({**xor_config(), "network": {**xor_config()["network"], "hidden": [5, 3], "seed": 4}})
    hist = init_histograms(s.net, 4)
    assert hist["schemes"] == backprop.initializers.available()
    for L in hist["layers"]:
        edges = np.linspace(*L["range"], hist["bins"] + 1)
        for scheme in hist["schemes"]:
            W = backprop.Network([2, 5, 3, 1], "sigmoid", init=scheme, random_state=4).layers[L["layer"] - 1].W
            assert L["counts"][scheme] == np.histogram(W, edges)[0].tolist()
            assert np.abs(W).max() <= L["range"][1]
    own = np.histogram(s.net.layers[0].W, np.linspace(*hist["layers"][0]["range"], hist["bins"] + 1))[0]
    assert hist["layers"][0]["counts"]["uniform"] == own.tolist()     # the session's own initial weights


def test_the_pages_formulas_and_rules_are_the_registries():
    import inspect
    from backprop import activations, initializers, losses, optim
    from backprop.playground.catalog import options
    opts = options()
    for name in activations.available():
        a = activations.get(name)
        assert opts["activation_formulas"][name] == {"formula": a.formula, "deriv_formula": a.deriv_formula,
                                                     "elementwise": a.elementwise}
    for name in losses.available():
        f = losses.get(name)
        assert opts["loss_formulas"][name] == {"formula": f.formula, "dz_formula": f.dz_formula,
                                               "canonical": f.canonical}
    for line in initializers.__doc__.splitlines():
        if line.split() and line.split()[0] in initializers.available():
            assert opts["init_formulas"][line.split()[0]] == " ".join(line.split()[1:])
    sgd = next(o for o in opts["optimizers"] if o["name"] == "sgd")
    doc = inspect.getdoc(optim.base._REGISTRY["sgd"])
    assert sgd["rule"] == doc
    helps = {p["name"]: p["help"] for p in sgd["params"]}
    for line in doc.splitlines():
        if "dampening" in line:
            assert line in helps["dampening"]
        if "Lecture form" in line or "lecture form" in line:
            assert line in helps["lecture_form"]
    assert "b <- momentum b + (1 - dampening) g" in helps["dampening"]
    assert "dw <- momentum dw - eta c g" in helps["lecture_form"]
    assert set(opts["presets"]) == set(PRESETS)


def test_auto_output_and_loss_follow_the_task_and_two_classes_may_use_softmax():
    for name, out, loss, k in (("circles", "sigmoid", "binary_cross_entropy", 1),
                               ("clusters", "softmax", "cross_entropy", 4),
                               ("curve", "identity", "squared_error", 1)):
        cfg = preset_config(name)
        cfg["network"].update(output_activation="auto", loss="auto")
        s = _session(cfg)
        assert (s.resolved, s.net.layer_sizes[-1]) == ({"output_activation": out, "loss": loss}, k)
    cfg = preset_config("circles")
    cfg["network"].update(output_activation="softmax", loss="cross_entropy")
    s = _session(cfg)                                    # two classes, one-hot, two softmax units
    assert s.net.layer_sizes[-1] == 2 and set(s.data.T.sum(axis=1)) == {1.0}
    np.testing.assert_array_equal(s.data.T.argmax(axis=1), s.data.labels)


def test_derived_features_feed_the_network_and_the_model_file_carries_them(tmp_path):
    from backprop.playground import downloads
    from backprop.preprocessing import DerivedFeatures, StandardScaler
    cfg = preset_config("spirals")
    cfg["network"]["hidden"] = [6]
    cfg["data"]["features"] = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    s = _session(cfg)
    d = s.data
    scaled = StandardScaler().fit(d.X_raw[d.train]).transform(d.X_raw)
    expected = np.c_[scaled, scaled ** 2, scaled[:, 0] * scaled[:, 1], np.sin(scaled)]
    np.testing.assert_array_equal(d.X_train, expected[d.train])
    assert s.net.layer_sizes[0] == 7
    h = backprop.Trainer(**{**s.options, "epochs": 2}).fit(s.net, d.X_train, d.T_train)
    path = tmp_path / "spirals.bp"
    path.write_bytes(downloads.model_file(downloads.model(s.net, d, "binary_cross_entropy",
                                                          {"loss": list(h.loss)}, {"epoch": 2})))
    model = backprop.load_model(path)                    # loads in any process: DerivedFeatures is registered
    assert [type(t) for t in model.preprocessing] == [StandardScaler, DerivedFeatures]
    np.testing.assert_array_equal(model.network.params, s.net.params)
    np.testing.assert_array_equal(model.forward(d.X_raw[d.train]), s.net.forward(d.X_train))
    csv = tmp_path / "points.csv"
    backprop.write_csv(csv, d.X_raw[:20], columns=["x1", "x2"])
    r = run_cli("predict", path, csv)                   # the command line reads it too
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[1:] == [str(v) for v in model.predict(d.X_raw[:20])]
    doc = json.loads(downloads.weights_json(s.net, d, "binary_cross_entropy", 2, 96, s.cfg))
    assert doc["inputs"] == cfg["data"]["features"] and doc["preprocessing"][0]["mean"] == d.scaler.mean_.tolist()
    for layer, (W, b) in zip(doc["layers"], s.net.unflatten(s.net.params)):
        np.testing.assert_array_equal(layer["W"], W)
        np.testing.assert_array_equal(layer["b"], b)
    np.testing.assert_array_equal(doc["params"], s.net.params)


def test_a_csv_with_more_columns_text_labels_another_target_and_a_task_override():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    grade = np.where(X[:, 0] > 0.5, "high", np.where(X[:, 1] > 0, "mid", "low"))
    text = "a;b;c;d;grade\n" + "\n".join(f"{r[0]!r};{r[1]!r};{r[2]!r};{r[3]!r};{g}" for r, g in zip(X.tolist(), grade))
    cfg = xor_config()
    cfg["data"].update(name="csv", csv=text, csv_name="grades.csv", test_fraction=0.2, plane=[1, 3])
    cfg["network"].update(output_activation="auto", loss="auto")
    s = _session(cfg)
    d = s.data
    assert (d.columns, d.classes, d.task, d.plane) == (["a", "b", "c", "d"], ["high", "low", "mid"], "multiclass",
                                                       (1, 3))
    np.testing.assert_array_equal(d.X_raw, X)                 # read by backprop.read_csv, ';' detected
    assert [d.classes[k] for k in d.labels] == grade.tolist()
    P = d.plane_points(np.array([0.5]), np.array([-1.0]))[0]   # the plot's slice: others at the mean
    np.testing.assert_allclose(P, [X[d.train, 0].mean(), 0.5, X[d.train, 2].mean(), -1.0], rtol=1e-15)
    cfg["data"].update(target="d", task="regression", plane=[0, 1])
    cfg["data"]["csv"] = "a;b;c;d\n" + "\n".join(";".join(map(repr, r)) for r in X.tolist())
    r = _session(cfg)
    assert (r.data.task, r.data.columns, r.net.layer_sizes[-1], r.resolved["loss"]) == \
        ("regression", ["a", "b", "c"], 1, "squared_error")
    np.testing.assert_array_equal(r.data.T[:, 0], X[:, 3])
    for csv, message in (("a,b\n1,2\n,3\n4,5\n6,7\n", "my.csv: column 'a' has 1 missing value(s) and the "
                                                      "playground needs every value"),
                         ("a,b\n" + "\n".join(f"{k},{k % 12}" for k in range(24)),
                          "my.csv: the target column 'b' has 12 class(es); the playground takes 2 to 10"),
                         ("a,b,c\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", None)):
        cfg["data"].update(csv=csv, csv_name="my.csv", target=None, task="auto")
        if message is None:
            assert _session(cfg).data.classes == ["x", "y"]
            continue
        with pytest.raises(backprop.DataError) as err:
            _session(cfg)
        assert str(err.value).startswith(message) and "/tmp" not in str(err.value)
    wide = "\n".join(",".join(["1"] * 18 + [str(k % 2)]) for k in range(8))
    cfg["data"].update(csv=wide)
    with pytest.raises(backprop.DataError, match="my.csv has 18 input columns besides the target 'x19'; "
                                                 "the playground takes 1 to 16"):
        _session(cfg)


def test_downloads_travel_over_the_websocket(server, tmp_path):
    async def scenario():
        async with Client(server) as c:
            await c.start(xor_config())
            state = await c.step("epoch", 2)
            await c.send({"type": "download", "format": "model"})
            model = await c.recv("download")
            await c.send({"type": "download", "format": "weights"})
            weights = await c.recv("download")
            await c.send({"type": "download", "format": "pickle"})
            err = await c.recv("error")
            return state, model, weights, err
    state, model, weights, err = run(scenario())
    assert "download format must be one of model, weights, got 'pickle'" in err["message"]
    assert (model["filename"], weights["filename"]) == ("playground-xor-epoch2.bp", "playground-xor-epoch2.json")
    path = tmp_path / model["filename"]
    path.write_bytes(decode64(model["data"]))
    assert len(path.read_bytes()) == model["size"]
    loaded = backprop.load_model(path)
    np.testing.assert_array_equal(loaded.network.params, state["params"])
    assert loaded.classes == [0, 1] and loaded.metadata["epoch"] == 2 and loaded.history["loss"]
    doc = json.loads(decode64(weights["data"]))
    np.testing.assert_array_equal(doc["params"], state["params"])


def test_a_state_of_a_replaced_session_never_follows_the_new_sessions_data():
    """A state the old session emitted just before the switch is dropped on the loop."""
    from backprop.playground.connection import Connection

    async def scenario():
        conn = object.__new__(Connection)                 # only the outbox side is exercised
        conn.loop, conn.closed, conn.outbox, conn.wake = asyncio.get_running_loop(), False, \
            __import__("collections").deque(), asyncio.Event()
        old, new = object(), object()
        conn.session = old
        conn.emit_from(old)("state", '{"old": 1}')       # from the old session's thread: still current
        conn.session = new                                # the switch (configure) ...
        conn.reply({"type": "data"})                      # ... and the new session's data
        await asyncio.sleep(0.05)
        first = [text for _, text in conn.outbox]
        conn.emit_from(new)("state", '{"new": 1}')
        await asyncio.sleep(0.05)
        return first, [text for _, text in conn.outbox]
    assert run(scenario()) == (['{"type":"data"}'], ['{"type":"data"}', '{"new": 1}'])


def test_parameters_travel_exactly_but_as_float32_while_a_big_network_plays():
    cfg = preset_config("spirals")
    cfg["network"]["hidden"] = [64] * 8
    s = _session(cfg)
    s.trainer._start(s.net, s.data.X_train, s.data.T_train, None, split=True, digest=False)   # a run to show
    paused = s.snapshot()
    assert paused["params_dtype"] == "<f8"
    np.testing.assert_array_equal(decode_params(paused["params_b64"]), s.net.params)     # bit for bit
    s.mode = "play"
    playing = s.snapshot()
    assert playing["params_dtype"] == "<f4" and len(playing["params_b64"]) < 0.6 * len(paused["params_b64"])
    np.testing.assert_array_equal(decode_params(playing["params_b64"], "<f4"), s.net.params.astype(np.float32))
    small = _session(xor_config())
    small.trainer._start(small.net, small.data.X_train, small.data.T_train, None, split=True, digest=False)
    small.mode = "play"
    assert small.snapshot()["params_dtype"] == "<f8"


def test_the_server_computes_with_one_blas_thread():
    from threadpoolctl import threadpool_info

    from backprop.playground.server import one_blas_thread
    assert one_blas_thread()
    numpys = [p for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]
    assert numpys and all(p["num_threads"] == 1 for p in numpys)     # the BLAS NumPy's products use


# --- HTTP: the page, and nothing outside the package -----------------------------------
class Reply(NamedTuple):
    status: int
    body: bytes
    headers: http.client.HTTPMessage


def raw_get(url: str, path: str, host: str | None = None, headers: dict | None = None) -> Reply:
    """GET with the path and ``Host`` sent exactly as given (no client-side normalisation)."""
    hostport = urlsplit(url).netloc
    conn = http.client.HTTPConnection(hostport, timeout=10)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", hostport if host is None else host)
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    conn.endheaders()
    resp = conn.getresponse()
    reply = Reply(resp.status, resp.read(), resp.headers)
    conn.close()
    return reply


def port(handle) -> int:
    return urlsplit(handle.base).port


def cookie(handle, token: str | None = None) -> dict:
    """The Cookie header of a page that was opened with the printed address."""
    return {"Cookie": f"backprop-playground-{port(handle)}={token or handle.token}"}


def test_static_files_and_api(server):
    status, body, _ = raw_get(server.url, f"/?token={server.token}")
    assert status == 200 and b"backprop playground" in body
    for name in ("app.js", "draw.js", "net.js", "inspect.js", "style.css"):   # public: the package's own
        assert raw_get(server.url, f"/static/{name}").status == 200
    status, body, _ = raw_get(server.url, f"/api/options?token={server.token}")
    opts = json.loads(body)
    assert status == 200 and opts["limits"]["max_units"] == 128
    assert [o["name"] for o in opts["optimizers"]] == backprop.optim.available()


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/..%2fserver.py", "/static/%2e%2e/server.py", "/static/%2e%2e%2fsession.py",
    "/static/../../../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/..\\server.py",
    "/static/%2e%2e%5cserver.py", "/static/", "/static/.", "/static/..", "/static//etc/passwd",
    "/static/%2fetc%2fpasswd", "/../pyproject.toml", "/..%2f..%2fpyproject.toml", "/server.py",
    "/static/__init__.py", "/static/index.html%00.py", "/static/app.js/../../server.py", "//etc/passwd",
])
def test_nothing_outside_the_static_files_is_served(server, path):
    status, body, _ = raw_get(server.url, path, headers=cookie(server))   # with the token's cookie
    assert status in (400, 403, 404), (path, status)
    assert b"import" not in body and b"root:" not in body


# --- the token, the Host allow-list, the Origin check --------------------------------------
def near_miss(token: str) -> str:
    """The token with its last character changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("path", ["/", "/api/options", "/api/status"])
def test_the_page_and_the_api_need_the_launchs_token(server, path):
    status, body, _ = raw_get(server.url, path)
    assert status == 403 and b"needs its token" in body and b"?token=" in body
    for wrong in (near_miss(server.token), server.token[:-1], server.token + "x", "", "%C3%A9%00" * 15,
                  "A" * 4000):
        status, body, _ = raw_get(server.url, f"{path}?token={wrong}")
        assert status == 403 and b"wrong token" in body, wrong[:20]
    assert raw_get(server.url, f"{path}?token={server.token}").status == 200


def test_each_launch_makes_a_new_random_token():
    a, b = start_in_thread(), start_in_thread()
    try:
        assert a.token != b.token and len(a.token) == len(b.token) == 43     # 32 random bytes
        assert set(a.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert a.url == f"{a.base}?token={a.token}"
        assert raw_get(b.url, f"/?token={a.token}").status == 403    # one server's token opens no other
    finally:
        a.stop()
        b.stop()


def test_the_first_tokened_page_load_sets_a_cookie_that_stands_for_the_token(server):
    name = f"backprop-playground-{port(server)}"
    set_cookie = SimpleCookie(raw_get(server.url, f"/?token={server.token}").headers["Set-Cookie"])
    morsel = set_cookie[name]
    assert morsel.value == server.token and morsel["httponly"] and morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    for path in ("/", "/api/options", "/api/status"):                  # a reload: no token in the URL
        assert raw_get(server.url, path, headers=cookie(server)).status == 200
        assert raw_get(server.url, path, headers=cookie(server, near_miss(server.token))).status == 403
    other_port = {"Cookie": f"backprop-playground-{port(server) + 1}={server.token}"}
    assert raw_get(server.url, "/", headers=other_port).status == 403   # another server's cookie
    # a token in the address is what counts, even next to a good cookie
    assert raw_get(server.url, f"/?token={near_miss(server.token)}", headers=cookie(server)).status == 403
    assert "Set-Cookie" not in raw_get(server.url, "/", headers=cookie(server)).headers


async def ws_status(url: str, **kwargs) -> int:
    """101 if the WebSocket opens (and says hello), else the handshake's HTTP status."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, **kwargs) as ws:
                assert json.loads((await ws.receive(timeout=10)).data)["type"] == "hello"
                return 101
        except aiohttp.WSServerHandshakeError as err:
            return err.status


def test_a_websocket_needs_the_token_and_an_origin(server):
    async def scenario():
        own = origin(server)
        assert await ws_status(ws_url(server, None), origin=own) == 403
        assert await ws_status(ws_url(server, near_miss(server.token)), origin=own) == 403
        assert await ws_status(ws_url(server, ""), origin=own) == 101
        assert await ws_status(ws_url(server)) == 403                       # no Origin header
        assert await ws_status(ws_url(server, None), origin=own, headers=cookie(server)) == 101
        assert await ws_status(ws_url(server, None), headers=cookie(server)) == 403
    run(scenario())


@pytest.mark.parametrize("foreign", [
    "http://127.0.0.1:{port}.evil.com", "http://127.0.0.1.evil.com:{port}", "https://127.0.0.1:{port}",
    "ws://127.0.0.1:{port}", "http://127.0.0.1:{next}", "http://127.0.0.1", "http://127.0.0.1:0{port}",
    "http://localhost:{port}", "http://127.0.0.2:{port}", "http://127.0.0.1:{port}/", "http://127.0.0.1:{port}/x",
    "http://user@127.0.0.1:{port}", "http://127.0.0.1:{port}@evil.com", "http://evil.example", "null", "",
    "127.0.0.1:{port}", "http://127.0.0.1:{port}#", "http://[::1]:{port}",
])
def test_the_origin_must_be_the_pages_own_scheme_host_and_port_exactly(server, foreign):
    value = foreign.format(port=port(server), next=port(server) + 1)

    async def scenario():
        return await ws_status(ws_url(server), origin=value)
    assert run(scenario()) == 403                                          # with the right token
    status, body, _ = raw_get(server.url, f"/api/status?token={server.token}", headers={"Origin": value})
    assert status == 403 and b"another site" in body


def test_the_pages_own_origin_is_accepted_under_each_name_it_answers(server):
    p = port(server)
    for host in (f"127.0.0.1:{p}", f"localhost:{p}", f"LocalHost:{p}"):
        reply = raw_get(server.url, f"/api/status?token={server.token}", host=host,
                        headers={"Origin": f"http://{host.lower()}"})
        assert reply.status == 200, host


def refused_hosts(handle, hosts) -> list[str]:
    """The Host headers (each with the token, so only the Host decides) answered 421."""
    out = []
    for host in hosts:
        status, body, _ = raw_get(handle.url, f"/?token={handle.token}", host=host)
        assert status in (200, 421), (host, status)
        if status == 421:
            assert b"--allow-host NAME" in body
            out.append(host)
    return out


def test_a_loopback_server_answers_loopback_and_allowed_names_only():
    handle = start_in_thread(allow_hosts=["playground.test"])
    p = port(handle)
    try:
        good = [f"127.0.0.1:{p}", f"localhost:{p}", f"127.0.0.2:{p}", f"playground.test:{p}",
                f"PLAYGROUND.TEST:{p}", "localhost", f"[::1]:{p}"]
        bad = [f"evil.example:{p}", f"10.1.2.3:{p}", f"192.168.0.7:{p}", f"playground.test.evil.example:{p}",
               f"localhost.evil.example:{p}", f"127.0.0.1.nip.io:{p}", "", f"a b:{p}", f"127.0.0.1:{p}:1",
               f"[::ffff:10.1.2.3]:{p}", f"localhost:{p}@evil.example"]
        assert refused_hosts(handle, good + bad) == bad
    finally:
        handle.stop()


def test_a_server_on_every_interface_keeps_the_host_check():
    """--host 0.0.0.0: IP addresses and the names given are answered; rebinding names are not."""
    handle = start_in_thread(host="0.0.0.0", allow_hosts=["playground.test", "Box.LAN"])
    p = port(handle)
    try:
        assert handle.base == f"http://127.0.0.1:{p}/"                # the address to open here
        good = [f"127.0.0.1:{p}", f"localhost:{p}", f"10.1.2.3:{p}", f"192.168.0.7:{p}", f"[fe80::1]:{p}",
                f"playground.test:{p}", f"box.lan:{p}"]
        bad = [f"evil.example:{p}", f"rebind.evil.example:{p}", f"box.lan.evil.example:{p}",
               f"playground.test.:{p}", f"0.0.0.0.evil.example:{p}"]
        assert refused_hosts(handle, good + bad) == bad

        async def scenario():      # a page opened as http://playground.test:PORT/ works ...
            named = {"Host": f"playground.test:{p}"}
            ok = await ws_status(ws_url(handle), origin=f"http://playground.test:{p}", headers=named)
            async with aiohttp.ClientSession() as http:   # ... and one under a rebinding name does not
                with pytest.raises(aiohttp.WSServerHandshakeError) as err:
                    await http.ws_connect(ws_url(handle), origin=f"http://evil.example:{p}",
                                          headers={"Host": f"evil.example:{p}"})
            return ok, err.value.status
        assert run(scenario()) == (101, 421)
    finally:
        handle.stop()


def test_access_rules_on_their_own():
    from backprop.playground.access import Access, host_name, is_loopback, split_authority
    assert split_authority("[::1]:8000") == ("::1", 8000) and split_authority("Box.LAN") == ("box.lan", None)
    for bad in ("", "a b", "x:0", "x:65536", "x:08000", "::1", "[::1", "x:80:80", "x/y", "x@y"):
        with pytest.raises(ValueError):
            split_authority(bad)
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "0.0.0.0", "10.0.0.1")] == \
        [True, True, True, True, False, False]
    assert host_name(" MyBox.local ") == "mybox.local" and host_name("[::1]") == "::1"
    for bad in ("a b", "x:80", "", ".evil", "x" * 254, "*"):
        with pytest.raises(ValueError, match="is not a host name"):
            host_name(bad)
    with pytest.raises(ConfigError, match="allow_hosts: 'a b' is not a host name"):
        start_in_thread(allow_hosts=["a b"])
    a = Access("mybox.lan")                                     # the name it is bound to is meant
    assert a.wide and a.host_ok("mybox.lan:80") and not a.host_ok("other.lan")
    assert Access.same_origin("http://x:80", "x") and Access.same_origin("http://x", "x:80")
    assert not Access.same_origin("https://x:80", "x:80")


# --- the compute budget: error surfaces are charged, and dropped when the client leaves -----
def test_the_budget_allows_a_share_of_a_core_plus_a_burst():
    from backprop.playground.budget import Budget
    now = [0.0]
    b = Budget(0.5, burst=0.05, clock=lambda: now[0])
    now[0] = 0.04
    assert b.debt() == 0.0                                       # inside the burst
    now[0] = 0.24                                                # 0.24 s of work, 0.12 s earned
    assert b.debt() == pytest.approx((0.24 * 0.5 - 0.05) / 0.5)
    now[0] += b.debt()
    b.rested()
    assert b.debt() == pytest.approx(0.0, abs=1e-12)
    now[0] += 100.0
    b.rested()
    assert b.credit == 0.05                                      # resting saves up one burst only
    # any schedule of work that rests off its debts works <= share * time + burst + one chunk
    rng = np.random.default_rng(0)
    now[0] = 0.0
    b = Budget(0.25, burst=0.05, clock=lambda: now[0])
    for chunk in rng.exponential(0.03, size=2000):
        now[0] += b.debt()
        b.rested()
        now[0] += chunk
        b.worked()
        assert b.spent <= 0.25 * now[0] + 0.05 + 0.75 * chunk + 1e-9
    assert b.spent > 0.24 * now[0]                               # ... and gets its share
    for share in (0.0, -1.0, 1.5):
        with pytest.raises(ValueError, match="share must be in"):
            Budget(share)
    # work measured on its own clock (a session's thread CPU time): waiting for a core is not work
    now, cpu = [0.0], [0.0]
    b = Budget(0.5, burst=0.0, clock=lambda: now[0], work_clock=lambda: cpu[0])
    now[0], cpu[0] = 1.0, 0.25                                   # 1 s passed, 0.25 s of it on a core
    assert b.debt() == 0.0 and b.spent == 0.25 and b.credit == 0.0    # 0.5 earned - 0.25 spent, capped
    now[0], cpu[0] = 1.5, 0.75                                   # working all the time now
    assert b.debt() == pytest.approx(0.5) and b.spent == 0.75


def biggest_config() -> dict:
    """The most a page may ask for: 1000 points, 6 x 8 hidden units."""
    cfg = xor_config()
    cfg["data"].update(name="spirals", n_samples=1000)
    cfg["network"].update(hidden=[8] * 6, activation="tanh", init="glorot_uniform")
    return pgconfig.validate(cfg)


def test_queued_error_surfaces_coalesce_and_a_closed_session_drops_them():

    out = []
    s = Session(biggest_config(), lambda kind, text: out.append((kind, json.loads(text))))
    for k in range(50):                                   # 50 requests before the thread runs
        s.send(s.check({"type": "landscape", "i": 0, "j": 1 + k % 7, "resolution": 41}))
    assert s.cmds.qsize() == 1                            # one waits: the newest
    assert s.close(timeout=0.0) is False                  # the page leaves before any was computed
    s.start()
    assert s.done.wait(30)
    assert s.landscapes_done == 0 and [k for k, _ in out] == []

    out.clear()
    s = Session(pgconfig.validate(xor_config()), lambda kind, text: out.append((kind, json.loads(text))))
    for j in (1, 2, 3, 6):
        s.send(s.check({"type": "landscape", "i": 0, "j": j, "resolution": 5}))
    s.start()
    deadline = time.monotonic() + 30
    while not any(k == "landscape" for k, _ in out) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.close(timeout=30)
    lands = [m for k, m in out if k == "landscape"]
    assert s.landscapes_done == 1 and [(m["i"], m["j"]) for m in lands] == [(0, 6)]


def test_an_error_surface_in_progress_stops_between_rows_when_the_session_closes():
    from backprop.playground.session import Closed, Session
    out = []
    s = Session(biggest_config(), lambda kind, text: out.append(kind))
    checks, check_open = [], s.check_open

    def closing_at_row_two():
        checks.append(1)
        if len(checks) == 3:                       # the command's own check, then rows 1 and 2
            s.closing.set()
        check_open()
    s.check_open = closing_at_row_two
    with pytest.raises(Closed):
        s.handle(s.check({"type": "landscape", "i": 0, "j": 1, "resolution": 41}))
    assert len(checks) == 3 and s.landscapes_done == 0 and out == []


def test_an_error_surface_is_charged_to_the_budget_and_waits_for_its_debt():

    out = []
    s = Session(biggest_config(), lambda kind, text: out.append(kind))
    cmd = s.check({"type": "landscape", "i": 0, "j": 1, "resolution": 21})
    wall0 = time.perf_counter()
    s.budget.rested()
    spent0, t0 = s.budget.spent, time.thread_time()
    s.handle(cmd)
    took = time.thread_time() - t0                           # the thread's CPU time: what is charged
    debt = s.budget.debt()
    wall = time.perf_counter() - wall0
    work = s.budget.spent - spent0
    assert work >= took > 0 and out == ["landscape"]        # all of it was counted as work
    share, burst = s.budget.share, s.budget.burst
    # credit earned over the wall time (at least the CPU time), the work spent: the debt lies between
    assert max(0.0, work - share * wall - burst) / share - 1e-9 <= debt
    assert debt <= max(0.0, work * (1 - share) - burst) / share + 1e-9
    # in debt, the next error surface first rests it off (on the closing event, so a close ends it)
    waits = []
    s.closing.wait = lambda timeout: waits.append((timeout, list(out))) or False
    s.budget.rested()
    s.budget.credit = -0.1 * share
    s.handle(cmd)
    (waited, before), = waits
    assert waited == pytest.approx(0.1, abs=0.01) and before == ["landscape"]   # before computing
    assert out == ["landscape", "landscape"]


def test_a_flood_of_error_surfaces_stops_when_the_client_leaves(server):
    """Nearly a burst's worth of the biggest error surfaces, then the page closes.

    The start already spent a few messages of the burst (config, options): the flood keeps
    below the rate limit so that every request is queued, not refused."""
    async def scenario():
        async with Client(server) as c:
            await c.start(biggest_config())
            sessions = [conn.session for conn in server.manager.connections]
            for _ in range(Limits().rate_burst - 10):
                await c.send({"type": "landscape", "i": 0, "j": 1, "resolution": 41})
            await c.recv("landscape", timeout=60)
        return sessions
    (session,) = run(scenario())
    assert session.done.wait(30)                 # the queued work is dropped: the thread ends
    assert 1 <= session.landscapes_done <= 5     # not 70


def test_sockets_are_closed_with_1001_going_away_at_shutdown():
    handle = start_in_thread()

    async def scenario():
        async with Client(handle) as a, Client(handle) as b:
            await a.start(xor_config(speed=50.0))
            await a.send({"type": "play"})
            await a.recv("state", where=lambda m: m["mode"] == "play")
            sessions = list(handle.manager.sessions)
            await asyncio.get_running_loop().run_in_executor(None, handle.stop)
            codes = []
            for c in (a, b):
                while (msg := await c.ws.receive(timeout=10)).type == aiohttp.WSMsgType.TEXT:
                    pass
                assert msg.type == aiohttp.WSMsgType.CLOSE, msg
                codes.append((msg.data, msg.extra))
            return codes, sessions
    codes, sessions = run(scenario())
    assert codes == [(1001, "server shutting down")] * 2
    assert all(s.done.wait(10) for s in sessions)


# --- the command line --------------------------------------------------------------------
def _env(**extra):
    return {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PYTHONUNBUFFERED": "1", **extra}


def _start_cli(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "backprop", "playground", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    return proc, proc.stdout.readline()


def test_cli_prints_the_address_with_its_token_and_sigterm_closes_pages_with_1001():
    proc, line = _start_cli()
    try:
        assert line.startswith("backprop playground: http://127.0.0.1:"), line
        url = line.split()[2]
        parts = urlsplit(url)
        token = parts.query.removeprefix("token=")
        assert parts.path == "/" and len(token) == 43, url
        status, body, _ = raw_get(url, f"/?token={token}")
        assert status == 200 and b"<title>backprop playground</title>" in body
        assert raw_get(url, "/").status == 403

        async def scenario():
            base = f"http://{parts.netloc}"
            async with aiohttp.ClientSession() as http:
                async with http.ws_connect(f"ws://{parts.netloc}/ws?token={token}", origin=base) as ws:
                    assert json.loads((await ws.receive(timeout=10)).data)["type"] == "hello"
                    proc.terminate()                               # SIGTERM, as a service manager stops it
                    msg = await ws.receive(timeout=20)
                    return msg.type, msg.data
        assert run(scenario()) == (aiohttp.WSMsgType.CLOSE, 1001)
        assert proc.wait(20) == 0
    finally:
        proc.kill()
        proc.wait(10)


def test_cli_on_every_interface_warns_and_keeps_the_host_check():
    proc, line = _start_cli("--host", "0.0.0.0", "--allow-host", "playground.test")
    try:
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:"), line
        p, token = urlsplit(url).port, urlsplit(url).query.removeprefix("token=")
        assert raw_get(url, f"/?token={token}", host=f"playground.test:{p}").status == 200
        assert raw_get(url, f"/?token={token}", host=f"evil.example:{p}").status == 421
    finally:
        proc.terminate()
        proc.wait(10)
    err = proc.stderr.read()
    assert "warning: listening on 0.0.0.0: anyone who can reach it and knows the token" in err
    assert "this machine's IP address or a name allowed with --allow-host NAME (now playground.test)" in err


def test_cli_refuses_a_bad_allow_host(capsys):
    from backprop import cli
    for bad in ("a b", "mybox:8000", "*"):            # checked before anything listens
        assert cli.main(["playground", "--port", "0", "--allow-host", bad]) == 1
        err = capsys.readouterr().err
        assert err == f"backprop playground: error: --allow-host: {bad!r} is not a host name (letters, " \
                      f"digits, '.', '-', without a port) or an IP address\n"


def test_cli_refuses_a_bad_port_and_the_core_imports_without_aiohttp():
    r = subprocess.run([sys.executable, "-m", "backprop", "playground", "--port", "70000"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == 1 and "--port must be in [0, 65535], got 70000" in r.stderr
    code = ("import sys; sys.modules['aiohttp'] = None\n"
            "import backprop, backprop.playground, backprop.playground.session, backprop.cli\n"
            "sys.exit(backprop.cli.main(['playground', '--port', '0']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == 1
    assert "the playground needs aiohttp" in r.stderr and "backprop-mlp[playground]" in r.stderr
    assert "Traceback" not in r.stderr
