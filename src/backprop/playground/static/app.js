// The playground page: settings -> server session (WebSocket) -> live views.  No training happens here.
import { drawBoundary, drawChart, drawLandscape, fmt, CLASS_COLORS, NEG, POS, css } from "./draw.js";
import { NetView } from "./net.js";
import { renderWeight, renderUnit } from "./inspect.js";

const $ = (id) => document.getElementById(id);

// The launch's token, from the printed address (?token=...).  The server also set it as a cookie,
// so it is taken out of the address bar; without it (a reload) the cookie is what the server checks.
const TOKEN = new URLSearchParams(location.search).get("token");
if (TOKEN !== null) history.replaceState(null, "", location.pathname);
const withToken = (path) => (TOKEN === null ? path : `${path}?token=${encodeURIComponent(TOKEN)}`);
const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 2000, 3000];

// Suggested settings when a data set is chosen (all can be changed afterwards).
const PRESETS = {
  xor: { data: { n_samples: 4, noise: 0, test_fraction: 0, standardize: false },
         network: { hidden: [2], activation: "sigmoid", output_activation: "sigmoid", loss: "squared_error", init: "uniform" },
         training: { optimizer: "sgd", optimizer_params: { learning_rate: 2, momentum: 0.9 }, batch_mode: "batch" } },
  circles: { data: { n_samples: 200, noise: 0.1, test_fraction: 0.3, standardize: false },
             network: { hidden: [4], activation: "tanh", output_activation: "sigmoid", loss: "binary_cross_entropy", init: "glorot_uniform" },
             training: { optimizer: "adam", optimizer_params: { learning_rate: 0.03 }, batch_mode: "minibatch", batch_size: 10 } },
  spirals: { data: { n_samples: 300, noise: 0.1, test_fraction: 0.2, standardize: true },
             network: { hidden: [8, 8], activation: "tanh", output_activation: "sigmoid", loss: "binary_cross_entropy", init: "glorot_uniform" },
             training: { optimizer: "adam", optimizer_params: { learning_rate: 0.03 }, batch_mode: "minibatch", batch_size: 10 } },
  clusters: { data: { n_samples: 300, noise: 1.0, test_fraction: 0.3, classes: 3, standardize: false },
              network: { hidden: [4], activation: "tanh", output_activation: "softmax", loss: "cross_entropy", init: "glorot_uniform" },
              training: { optimizer: "adam", optimizer_params: { learning_rate: 0.03 }, batch_mode: "minibatch", batch_size: 10 } },
  curve: { data: { n_samples: 50, noise: 0.1, test_fraction: 0.2, standardize: false },
           network: { hidden: [6], activation: "tanh", output_activation: "identity", loss: "squared_error", init: "glorot_uniform" },
           training: { optimizer: "adam", optimizer_params: { learning_rate: 0.03 }, batch_mode: "minibatch", batch_size: 10 } },
};

let OPTIONS, cfg, ws, state = null, data = null, watch = null, land = null, landAsked = 0, landIter = -1;
let sendTimer = null, lastError = "";
const net = new NetView($("net"), {
  weight: (i) => setWatch({ kind: "weight", index: i }),
  unit: (l, j) => setWatch({ kind: "unit", layer: l, unit: j }),
  units: (l, d) => { const h = cfg.network.hidden; h[l - 1] = clamp(h[l - 1] + d, 1, OPTIONS.limits.max_units); changed(); },
});

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const send = (msg) => { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); };

function status(text, error = false) {
  const s = $("status");
  s.textContent = text; s.classList.toggle("error", error);
}

// --- settings <-> controls -------------------------------------------------------
function fillSelect(sel, names, value) {
  sel.innerHTML = "";
  for (const n of names) sel.append(new Option(n, n, false, n === value));
}

function hyperFields() {
  const opt = OPTIONS.optimizers.find((o) => o.name === cfg.training.optimizer);
  const box = $("hyper");
  box.innerHTML = "";
  for (const p of opt.params) {
    if (p.name === "weight_decay" && opt.name !== "adamw") continue;   // the trainer's λ is below
    const given = cfg.training.optimizer_params[p.name];
    const value = given === undefined ? p.default : given;
    const f = document.createElement("div");
    f.className = "field";
    const label = document.createElement("label");
    label.textContent = p.name.replaceAll("_", " ");
    let input;
    if (p.kind === "bool") {
      input = document.createElement("input"); input.type = "checkbox"; input.checked = value;
    } else {
      input = document.createElement("input");
      input.type = p.kind === "text" || p.kind === "list" ? "text" : "number";
      if (p.kind === "int") input.step = "1";
      if (p.kind === "float") input.step = "any";
      input.value = Array.isArray(value) ? value.join(", ") : value;
    }
    input.id = "hp-" + p.name; input.dataset.param = p.name; input.dataset.kind = p.kind;
    input.addEventListener("change", () => {
      const v = p.kind === "bool" ? input.checked : p.kind === "text" ? input.value
        : p.kind === "list" ? input.value.split(",").map(Number) : Number(input.value);
      cfg.training.optimizer_params[p.name] = v;
      if (p.name === "learning_rate" && state) send({ type: "set", learning_rate: v });   // live
      else changed();
    });
    f.append(label, input);
    box.append(f);
  }
  const fb = opt.full_batch_only;
  for (const o of $("batch-mode").options) o.disabled = fb && o.value !== "batch";
}

function toControls() {
  const d = cfg.data, n = cfg.network, t = cfg.training;
  document.querySelectorAll("[data-dataset]").forEach((b) => b.classList.toggle("active", b.dataset.dataset === d.name));
  for (const [id, v] of [["n-samples", d.n_samples], ["noise", d.noise], ["test-fraction", d.test_fraction], ["classes", d.classes]]) {
    $(id).value = v; $(id + "-value").textContent = id === "test-fraction" ? Math.round(v * 100) + " %" : v;
  }
  $("classes-field").style.display = d.name === "clusters" ? "" : "none";
  $("standardize").checked = d.standardize; $("data-seed").value = d.seed;
  fillSelect($("activation"), OPTIONS.activations, n.activation);
  fillSelect($("output-activation"), OPTIONS.output_activations, n.output_activation);
  fillSelect($("loss"), OPTIONS.losses, n.loss);
  fillSelect($("init"), OPTIONS.inits, n.init);
  $("net-seed").value = n.seed;
  fillSelect($("optimizer"), OPTIONS.optimizers.map((o) => o.name), t.optimizer);
  [...$("optimizer").options].forEach((o) => {
    const sec = OPTIONS.optimizers.find((x) => x.name === o.value).second_order;
    o.textContent = o.value + (sec ? "  (full batch, 2nd order)" : "");
  });
  hyperFields();
  $("batch-mode").value = t.batch_mode; $("batch-size").value = t.batch_size;
  $("batch-size-label").style.visibility = t.batch_mode === "minibatch" ? "visible" : "hidden";
  $("weight-decay").value = t.weight_decay; $("early-stopping").checked = t.early_stopping;
  $("patience").value = t.patience; $("max-epochs").value = t.max_epochs; $("train-seed").value = t.seed;
  $("remove-layer").disabled = n.hidden.length === 0;
  $("add-layer").disabled = n.hidden.length >= OPTIONS.limits.max_hidden_layers;
}

function fromControls() {
  const d = cfg.data, n = cfg.network, t = cfg.training;
  d.n_samples = Number($("n-samples").value); d.noise = Number($("noise").value);
  d.test_fraction = Number($("test-fraction").value); d.classes = Number($("classes").value);
  d.standardize = $("standardize").checked; d.seed = Number($("data-seed").value);
  n.activation = $("activation").value; n.output_activation = $("output-activation").value;
  n.loss = $("loss").value; n.init = $("init").value; n.seed = Number($("net-seed").value);
  t.batch_mode = $("batch-mode").value; t.batch_size = Number($("batch-size").value);
  t.weight_decay = Number($("weight-decay").value); t.early_stopping = $("early-stopping").checked;
  t.patience = Number($("patience").value); t.max_epochs = Number($("max-epochs").value);
  t.seed = Number($("train-seed").value);
}

function preset(name) {
  const p = PRESETS[name];
  if (!p) return;
  Object.assign(cfg.data, p.data); Object.assign(cfg.network, p.network, { hidden: [...p.network.hidden] });
  Object.assign(cfg.training, p.training, { optimizer_params: { ...p.training.optimizer_params } });
}

// Any change of settings: a fresh session (new data / network / trainer), sent after a short pause.
function changed() {
  toControls();
  clearTimeout(sendTimer);
  sendTimer = setTimeout(() => send({ type: "config", config: cfg }), 150);
}

function csvPreset(text) {
  const rows = text.trim().split(/\r?\n/).map((r) => r.split(/[,;\t ]+/)).filter((r) => r.length >= 2);
  const labels = rows.map((r) => Number(r[r.length - 1])).filter(Number.isFinite);
  const distinct = new Set(labels);
  const integer = labels.every((v) => Number.isInteger(v));
  const k = integer && distinct.size <= OPTIONS.limits.max_classes ? distinct.size : 0;
  preset("circles");
  Object.assign(cfg.data, { name: "csv", csv: text, standardize: true, test_fraction: 0.2 });
  if (k > 2) Object.assign(cfg.network, { output_activation: "softmax", loss: "cross_entropy" });
  if (k === 0) Object.assign(cfg.network, { output_activation: "identity", loss: "squared_error" });
}

// --- messages from the server ------------------------------------------------------
function onMessage(ev) {
  const m = JSON.parse(ev.data);
  if (m.type === "error") { lastError = m.message; status(m.message, true); return; }
  if (m.type === "data") { data = m; land = null; landIter = -1; fillSamples(); status(""); lastError = ""; return; }
  if (m.type === "landscape") { land = m; drawLand(); return; }
  if (m.type === "state") onState(m);
}

function onState(s) {
  const first = !state || state.layer_sizes.join() !== s.layer_sizes.join();
  state = s;
  window.playground.frames += 1;
  $("epoch").textContent = s.epoch;
  $("iteration").textContent = s.iteration;
  $("in-epoch").textContent = `${s.batch_in_epoch} / ${s.iterations_per_epoch}`;
  $("in-epoch").dataset.ipe = s.iterations_per_epoch;
  $("arch").textContent = s.layer_sizes.join("-");
  const playing = s.mode === "play";
  $("play").textContent = playing ? "❚❚" : "▶";
  $("play").classList.toggle("playing", playing);
  const h = s.history, last = (a) => a[a.length - 1];
  $("loss-train").textContent = fmt(s.loss_now, 4); $("loss-train").dataset.value = s.loss_now;
  $("loss-test").textContent = fmt(s.test_loss_now, 4);
  $("metric-name").textContent = h.metric_name === "r2" ? "R²" : "Accuracy";
  const met = last(h.test_metric) ?? last(h.metric);
  $("metric").textContent = met === null || met === undefined ? "–" : h.metric_name === "r2" ? fmt(met, 3) : (met * 100).toFixed(1) + " %";
  $("metric").title = "on the test set when there is one, else on the training set";
  if (!lastError) {
    if (s.stop_reason) status(`stopped: ${s.stop_reason.replace("_", " ")}` + (s.stop_reason === "early_stopping" ? ` (best weights of epoch ${s.best_epoch} restored)` : "") + " — press ▶ to go on", s.stop_reason === "diverged");
    else status(playing ? `training at ≤ ${s.speed} updates/s` : "paused");
    if (s.diagnosis) $("status").title = s.diagnosis;
  }
  net.update(s, data);
  drawBoundary($("boundary"), s, data, watch ? Number($("sample").value) : null);
  drawChart($("chart"), h, $("log-scale").checked);
  legend();
  if (first) fillLandSelects();
  if (s.inspect) {
    if (s.inspect.kind === "unit") renderUnit($("inspect"), s.inspect, s, (i) => setWatch({ kind: "weight", index: i }));
    else renderWeight($("inspect"), s.inspect, s, cfg.training);
  }
  drawLand();
  const due = playing ? Date.now() - landAsked > 2000 : s.iteration !== landIter;
  if (land && due && Date.now() - landAsked > 300) askLand();
}

function legend() {
  const L = $("legend");
  if (!data) return;
  L.textContent = "";
  const sw = (c, label) => {
    const dot = document.createElement("span");
    dot.className = "sw"; dot.style.background = css(c);
    L.append(dot, label);
  };
  if (data.task === "binary") { sw(NEG, "class 0"); sw(POS, "class 1"); L.append(" · filled: training, hollow: test"); }
  else if (data.task === "multiclass") { CLASS_COLORS.slice(0, data.n_outputs).forEach((c, k) => sw(c, "class " + k)); L.append(" · hollow: test"); }
  else L.append("network output over the inputs; points: data (hollow: test)");
}

function fillSamples() {
  const sel = $("sample");
  sel.innerHTML = "";
  data.X_train.forEach((x, k) => sel.append(new Option(`${k + 1}: x = (${x.map((v) => fmt(v, 3)).join(", ")}), t = (${data.T_train[k].map((v) => fmt(v, 3)).join(", ")})`, k)));
}

function setWatch(w) {
  watch = w;
  net.select(w);
  send({ type: "watch", ...w, sample: Number($("sample").value) || 0 });
}

// --- the landscape ----------------------------------------------------------------
function fillLandSelects() {
  for (const [id, k] of [["land-i", 0], ["land-j", 1]]) {
    const sel = $(id), keep = sel.value;
    sel.innerHTML = "";
    state.names.forEach((n, i) => sel.append(new Option(n, i)));
    sel.value = keep !== "" && Number(keep) < state.names.length ? keep : Math.min(state.pair[k], state.names.length - 1);
  }
}

function askLand() {
  if (!state) return;
  const i = Number($("land-i").value), j = Number($("land-j").value);
  if (i === j) { status("choose two different parameters for the error surface", true); return; }
  landAsked = Date.now(); landIter = state.iteration;
  send({ type: "landscape", i, j, resolution: Number($("land-res").value) });
}

function drawLand() {
  if (!state) return;
  const same = land && land.i === state.pair[0] && land.j === state.pair[1];
  drawLandscape($("landscape"), land, same ? state.path : null, land ? [state.names[land.i], state.names[land.j]] : []);
}

// --- wiring -------------------------------------------------------------------------
function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${withToken("/ws")}`);
  ws.onopen = () => send({ type: "config", config: cfg });
  ws.onmessage = onMessage;
  ws.onclose = (e) => status(e.code === 1001 ? "the playground server has stopped"
    : `disconnected from the server${e.reason ? ": " + e.reason : ""} — reload the page`, true);
}

function wire() {
  document.querySelectorAll("[data-dataset]").forEach((b) => b.addEventListener("click", () => {
    cfg.data.name = b.dataset.dataset; cfg.data.csv = null; preset(b.dataset.dataset); changed();
  }));
  $("csv").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    if (f.size > OPTIONS.limits.max_csv_bytes) { status(`the file is ${f.size} bytes; the limit is ${OPTIONS.limits.max_csv_bytes}`, true); return; }
    csvPreset(await f.text()); changed();
  });
  for (const id of ["n-samples", "noise", "test-fraction", "classes"]) {
    $(id).addEventListener("input", () => { $(id + "-value").textContent = id === "test-fraction" ? Math.round($(id).value * 100) + " %" : $(id).value; });
  }
  for (const id of ["n-samples", "noise", "test-fraction", "classes", "standardize", "data-seed", "activation",
    "output-activation", "loss", "init", "net-seed", "batch-mode", "batch-size", "weight-decay",
    "early-stopping", "patience", "max-epochs", "train-seed"]) {
    $(id).addEventListener("change", () => { fromControls(); changed(); });
  }
  $("optimizer").addEventListener("change", () => {
    const name = $("optimizer").value, opt = OPTIONS.optimizers.find((o) => o.name === name);
    cfg.training.optimizer = name; cfg.training.optimizer_params = {};
    const lr = opt.params.find((p) => p.name === "learning_rate");
    if (lr) cfg.training.optimizer_params.learning_rate = lr.default;
    if (opt.full_batch_only) cfg.training.batch_mode = "batch";
    changed();
  });
  $("add-layer").addEventListener("click", () => { const h = cfg.network.hidden; h.push(h.length ? h[h.length - 1] : 2); changed(); });
  $("remove-layer").addEventListener("click", () => { cfg.network.hidden.pop(); changed(); });
  $("play").addEventListener("click", () => send({ type: state && state.mode === "play" ? "pause" : "play" }));
  $("step-iteration").addEventListener("click", () => send({ type: "step", unit: "iteration" }));
  $("step-epoch").addEventListener("click", () => send({ type: "step", unit: "epoch" }));
  $("reset").addEventListener("click", () => send({ type: "config", config: cfg }));
  $("speed").addEventListener("input", () => {
    const v = SPEEDS[Number($("speed").value)];
    $("speed-value").textContent = v + "/s"; cfg.training.speed = v; send({ type: "set", speed: v });
  });
  $("sample").addEventListener("change", () => { if (watch) setWatch(watch); else if (state) drawBoundary($("boundary"), state, data, null); });
  $("sample-prev").addEventListener("click", () => stepSample(-1));
  $("sample-next").addEventListener("click", () => stepSample(1));
  $("land-draw").addEventListener("click", askLand);
  $("log-scale").addEventListener("change", () => state && drawChart($("chart"), state.history, $("log-scale").checked));
}

function stepSample(d) {
  const sel = $("sample");
  sel.value = clamp(Number(sel.value) + d, 0, sel.options.length - 1);
  sel.dispatchEvent(new Event("change"));
}

async function main() {
  const reply = await fetch(withToken("/api/options"));
  if (!reply.ok) { status(await reply.text(), true); return; }
  OPTIONS = await reply.json();
  cfg = OPTIONS.defaults;
  $("n-samples").max = OPTIONS.limits.max_samples;
  $("speed").value = SPEEDS.indexOf(cfg.training.speed) >= 0 ? SPEEDS.indexOf(cfg.training.speed) : 5;
  $("speed-value").textContent = SPEEDS[Number($("speed").value)] + "/s";
  toControls();
  wire();
  connect();
}

window.playground = { frames: 0, get state() { return state; }, get data() { return data; }, get config() { return cfg; }, send };
main();
