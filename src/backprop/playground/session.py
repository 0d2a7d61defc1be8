"""One browser tab's training run: a thread inside the library's own :class:`~backprop.Trainer`.

The thread calls ``Trainer.fit`` once (and ``fit(warm_start=True)`` after a run
has stopped).  A callback, :class:`_Gate`, is the only link to the page: after
each update (``on_iteration_end``) and each epoch (``on_epoch_end``) it handles
the page's commands, rests while paused, throttles play to the chosen speed and
publishes snapshots.  So play, pause and the step buttons gate the trainer's
loop; there is no second loop.  Where it rests:

* *pause* -- after the update in progress; at the end of an epoch it rests after
  the epoch's bookkeeping (loss recorded), never between the last update and it;
* *step iteration* -- one update (then as for pause);
* *step epoch* -- to the end of the running epoch: from an epoch boundary
  ceil(n_train / B) updates, from inside an epoch the rest of it.

Every number the page sees is computed on this thread while the trainer waits,
so a snapshot is one consistent state.  All of the thread's work -- updates,
snapshots, error surfaces -- is charged to one :class:`~.budget.Budget` (a share
of a core), and only the newest error-surface request waits its turn.  Closing
drops the queued work: the next check raises :class:`Closed` inside the
callback (or between two rows of an error surface), which unwinds ``fit`` and
ends the thread.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any, Callable

import numpy as np

from .. import optim
from .._errors import BackpropError, ConfigError
from .._jsonsafe import json_safe
from ..network import Network
from ..training import Trainer
from . import downloads, snapshot, views
from .budget import Budget
from .commands import check_command
from .config import n_params, resolve_output
from .data import make_data
from .gate import Gate
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["Session", "Closed", "to_json"]

PATH_CAPACITY = 1024     # parameter vectors kept for the optimizer's path (thinned when full) ...
PATH_FLOATS = 2_000_000  # ... but at most this many numbers in all (16 MB), so big networks keep fewer


class Closed(Exception):
    """Raised inside the trainer's callback to end a closed session's thread."""


def to_json(obj: Any) -> str:
    """JSON for the browser: NaN and infinities become null (strings are left as they are).

    Most messages hold finite numbers only and are written as they are; one that does not is
    cleaned first (:func:`backprop._jsonsafe.json_safe`).
    """
    try:
        return json.dumps(obj, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError):
        return json.dumps(json_safe(obj), separators=(",", ":"), allow_nan=False)


class Session:
    """A data set, a network and a trainer, run on a thread the page steers with commands.

    ``emit(kind, text)`` receives each outgoing message (``kind`` is its type,
    ``text`` its JSON); it is called from the session's thread.
    """

    def __init__(self, config: dict[str, Any], emit: Callable[[str, str], None],
                 limits: Limits = DEFAULT_LIMITS):
        self.cfg, self.emit, self.limits = config, emit, limits
        d, n, t = config["data"], config["network"], config["training"]
        softmax = n["output_activation"] == "softmax"
        self.data = make_data(d, limits, softmax=softmax)
        if softmax and self.data.task == "regression":
            raise ConfigError("a softmax output is for classes; use identity for a regression target")
        out, loss = resolve_output(n, self.data.task)
        self.resolved = {"output_activation": out, "loss": loss}
        sizes = [self.data.n_inputs, *n["hidden"], self.data.n_outputs]
        if n_params(sizes) > limits.max_params:
            raise ConfigError(f"the network {'-'.join(map(str, sizes))} has {n_params(sizes)} weights "
                              f"and biases; the playground's limit is {limits.max_params}")
        act = n["activation"]
        hidden = act if isinstance(act, list) else [act] * len(n["hidden"])
        self.net = Network(sizes, [*hidden, out], init=n["init"], random_state=n["seed"])
        self.probe = Network(sizes, self.net.activations, dtype=np.float32)   # for the maps
        self.resolution = views.resolutions(self.net.n_params, sum(n["hidden"]))
        X, T = self.data.X_train, self.data.T_train
        self.net.loss(X[:1], T[:1], loss)                 # loss/output pairing, checked up front
        self.opt = optim.get(t["optimizer"], **t["optimizer_params"])
        bs = {"online": 1, "batch": None, "minibatch": t["batch_size"]}[t["batch_mode"]]
        has_test = len(self.data.test) > 0
        if t["stop_when"].startswith("test_") and not has_test:
            raise ConfigError(f"the stop condition {t['stop_when'].replace('_', ' ')} needs a test set; "
                              f"set the test split above 0")
        metric = "r2" if self.data.task == "regression" else "accuracy"
        watched = t["stop_when"].removeprefix("test_")
        if watched in ("accuracy", "r2") and watched != metric:
            raise ConfigError(f"the stop condition {t['stop_when'].replace('_', ' ')} is for "
                              f"{'classes' if watched == 'accuracy' else 'regression'}; this data "
                              f"set's score is {'R^2' if metric == 'r2' else 'accuracy'}")
        self.options = dict(loss=loss, reduction="mean", optimizer=self.opt, batch_size=bs,
                            random_state=t["seed"], epochs=t["max_epochs"],
                            weight_decay=t["weight_decay"], early_stopping=t["early_stopping"],
                            patience=t["patience"], progress=False, metric=metric,
                            validation_data=(self.data.X_test, self.data.T_test) if has_test else None)
        self.initial = self.losses()                       # epoch 0 of the loss curves
        self.gate = Gate(self)
        self.trainer = Trainer(**self.options, callbacks=[self.gate])
        self.names = views.param_names(self.net, X[0], T[0], loss)
        self.speed = t["speed"]
        self.stop_armed, self.target_epoch = t["stop_when"] != "off", None
        self.cmds: queue.Queue = queue.Queue()
        self.closing = threading.Event()
        self.budget = Budget(limits.busy_fraction, work_clock=time.thread_time)   # CPU time
        self._newest_landscape: dict[str, Any] | None = None   # queued once, the newest one wins
        self._landscape_lock = threading.Lock()
        self.landscapes_done = 0
        self.mode, self.target = "paused", 0
        self.watch: dict[str, Any] | None = None
        self.pair = (0, 1) if self.net.n_params > 1 else (0, 0)
        self.capacity = int(np.clip(PATH_FLOATS // self.net.n_params, 8, PATH_CAPACITY)) // 2 * 2
        self.path = np.empty((self.capacity, self.net.n_params))
        self.inspect_cost = self.last_inspect = 0.0
        self.path_n, self.path_stride = 0, 1
        self.running = False          # inside fit
        self.next_at = self.last_publish = self.publish_cost = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._main, name="playground-session", daemon=True)

    # --- the page's side -------------------------------------------------------
    def start(self) -> "Session":
        self.thread.start()
        return self

    def send(self, command: dict[str, Any]) -> None:
        """Queue a command (already checked with :meth:`check`) for the session's thread.

        Error-surface requests are coalesced: while one waits, a newer one replaces it.
        """
        if command["type"] == "landscape":
            with self._landscape_lock:
                waiting, self._newest_landscape = self._newest_landscape is not None, command
            if waiting:
                return
        self.cmds.put(command)

    def stop(self) -> None:
        """Tell the thread to end, dropping its queued work (returns at once)."""
        self.closing.set()
        self.cmds.put({"type": "close"})

    def close(self, timeout: float | None = None) -> bool:
        """:meth:`stop`, then wait up to ``timeout`` seconds.  True once the thread has ended."""
        self.stop()
        return self.done.wait(timeout)

    def check(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Validate a command against this session's sizes; raises ConfigError with the reason."""
        return check_command(self, cmd)

    # --- the session's thread ----------------------------------------------------
    def _main(self) -> None:
        X, T = self.data.X_train, self.data.T_train
        self.budget.rested()          # the time since it was made
        try:
            with np.errstate(all="ignore"):
                self.running = True
                self.trainer.fit(self.net, X, T)
                while True:
                    self.running = False
                    self.mode = "paused"
                    self.rest()
                    self.running = True
                    self.trainer.fit(self.net, X, T, warm_start=True)
        except Closed:
            pass
        except BackpropError as exc:
            self.emit("error", to_json({"type": "error", "message": f"training stopped: {exc}"}))
        except Exception as exc:  # noqa: BLE001 -- report, never take the server down
            self.emit("error", to_json({"type": "error",
                                        "message": f"training stopped: {type(exc).__name__}: {exc}"}))
        finally:
            self.running = False
            self.path = self.path[:0]
            self.done.set()

    def rest(self) -> None:
        """Publish the state and handle commands until one sets training going again.

        Commands that arrived meanwhile are handled together, then one snapshot is sent.
        """
        fresh = True
        while self.mode == "paused":
            if fresh:
                self.pay()
                self.publish()
            fresh = self.handle(self.next_command())
            while self.mode == "paused" and not self.cmds.empty():
                fresh = self.handle(self.cmds.get_nowait()) or fresh

    def drain(self) -> None:
        """Handle queued commands without waiting (between updates)."""
        while True:
            try:
                cmd = self.cmds.get_nowait()
            except queue.Empty:
                return
            self.handle(cmd)

    def next_command(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait for a command (resting, for the budget); queue.Empty after ``timeout`` seconds."""
        self.budget.worked()
        try:
            return self.cmds.get(timeout=timeout)
        finally:
            self.budget.rested()

    def pay(self) -> None:
        """Rest off the budget's debt before more work; raises Closed if the session closes meanwhile."""
        debt = self.budget.debt()
        if debt > 0:
            if self.closing.wait(debt):
                raise Closed()
            self.budget.rested()

    def check_open(self) -> None:
        """Raise Closed once the session is closing (between pieces of long work)."""
        if self.closing.is_set():
            raise Closed()

    def handle(self, cmd: dict[str, Any]) -> bool:
        """Apply one command; True when the page should get a fresh snapshot."""
        kind, run = cmd["type"], self.trainer.run_
        self.check_open()
        if kind == "close":
            raise Closed()
        if kind == "play":
            self.mode, self.next_at = "play", time.perf_counter()
        elif kind == "pause":
            self.mode = "paused"
        elif kind == "step" and cmd["unit"] == "iteration":
            self.mode, self.target = "iteration", run.iteration + 1
        elif kind == "step":
            self.mode, self.target = "epoch", run.epoch + 1
        elif kind == "set":
            if "learning_rate" in cmd:
                run.opt_state["learning_rate"] = cmd["learning_rate"]
            self.speed = cmd.get("speed", self.speed)
            return True
        elif kind == "watch":
            self.watch = cmd["watch"]
            return True
        elif kind == "download":
            self.pay()
            try:
                out = self.download(cmd["format"])
            except (BackpropError, ValueError, OSError) as exc:
                out = {"type": "error", "message": f"no download: {exc}"}
            self.emit(out["type"], to_json(out))
            return False
        elif kind == "landscape":
            with self._landscape_lock:
                cmd, self._newest_landscape = self._newest_landscape or cmd, None
            self.pay()
            self.pair = (cmd["i"], cmd["j"])
            try:
                out = views.landscape(self.net, self.data, self.options, cmd["i"], cmd["j"],
                                      self.path_so_far([cmd["i"], cmd["j"]]), cmd["resolution"],
                                      between_rows=self.check_open)
            except (BackpropError, ValueError, FloatingPointError) as exc:
                out = {"type": "error", "message": f"no error surface: {exc}"}
            self.landscapes_done += 1
            self.emit(out["type"], to_json(out))
            return True
        return False

    def record(self) -> None:
        """Keep the parameters for the optimizer's path (every ``path_stride``-th update)."""
        it = self.trainer.run_.iteration
        if it % self.path_stride:
            return
        if self.path_n == self.capacity:
            half = self.capacity // 2
            self.path[:half] = self.path[0:self.capacity:2]
            self.path_n, self.path_stride = half, self.path_stride * 2
            if it % self.path_stride:
                return
        self.path[self.path_n] = self.net.params
        self.path_n += 1

    def path_so_far(self, columns: list[int]) -> np.ndarray:
        """Parameters ``columns`` of the recorded vectors, ending at the current ones."""
        path = self.path[:self.path_n, columns]
        now = self.net.params[columns]
        if self.path_n and np.array_equal(self.path[self.path_n - 1], self.net.params):
            return path
        return np.vstack([path, now[None, :]])

    def snapshot(self) -> dict[str, Any]:
        """Everything the page draws, at the current state (see :mod:`.snapshot`)."""
        return snapshot.snapshot(self)

    def inspect_now(self) -> tuple[str, Any] | None:
        """The clicked item's numbers (see :func:`.snapshot.inspect`)."""
        return snapshot.inspect(self)

    def losses(self) -> tuple[float, float | None]:
        """Training and test loss (mean over samples, data term) at the current weights."""
        d, loss = self.data, self.options["loss"]
        train = self.net.loss(d.X_train, d.T_train, loss, "mean")
        return train, (self.net.loss(d.X_test, d.T_test, loss, "mean") if len(d.test) else None)

    def publish(self) -> None:
        """Send a snapshot; ``last_publish`` is when it began, ``publish_cost`` the CPU time it took."""
        self.last_publish, cpu = time.perf_counter(), time.thread_time()
        self.emit("state", to_json(self.snapshot()))
        self.publish_cost = time.thread_time() - cpu

    def dataset(self) -> dict[str, Any]:
        """The points and the network's names, for the page's plots (sent once per session)."""
        return snapshot.dataset(self)

    def target_reached(self, run: Any = None) -> bool:
        """Whether the stop condition (``training.stop_when``) holds after the epoch just ended
        (of ``run``, by default this session's trainer's).

        It stops a run once: pressing play again goes on without it.
        """
        t, run = self.cfg["training"], run or self.trainer.run_
        if not self.stop_armed:
            return False
        h, kind, value = run.history, t["stop_when"], t["stop_value"]
        now = {"epoch": run.epoch, "loss": h.loss[-1], "test_loss": h.val_loss[-1],
               "accuracy": h.metric[-1], "r2": h.metric[-1],
               "test_accuracy": h.val_metric[-1], "test_r2": h.val_metric[-1]}[kind]
        hit = now is not None and (now <= value if kind.endswith("loss") else now >= value)
        if hit:
            self.stop_armed, self.target_epoch = False, run.epoch
        return bool(hit)

    def download(self, fmt: str) -> dict[str, Any]:
        """The trained network as a file, at the current state (see :func:`.downloads.message`)."""
        return downloads.message(self, fmt)
