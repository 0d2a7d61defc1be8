// The playground page: settings -> server session (WebSocket) -> live views.  No training happens here:
// the server's Trainer trains, and every number and formula shown comes from it.
import { drawBoundary, drawChart, drawLandscape, fmt, bytesOf, CLASS_COLORS, NEG, POS, css } from "./draw.js";
import { NetView } from "./net.js";
import { renderWeight, renderUnit } from "./inspect.js";
import { renderScores, renderInitHistograms, saveDownload } from "./panels.js";
import { weightTip, unitTip } from "./tips.js";
import { encodeState, decodeState } from "./share.js";
import { $, toControls, fromControls, hyperFields, featureLabel } from "./controls.js";

// The launch's token, from the printed address (?token=...).  The server also set it as a cookie, so it
// is taken out of the address bar (the #fragment with the settings stays); a reload uses the cookie.
const TOKEN = new URLSearchParams(location.search).get("token");
if (TOKEN !== null) history.replaceState(null, "", location.pathname + location.hash);
const withToken = (path) => (TOKEN === null ? path : `${path}?token=${encodeURIComponent(TOKEN)}`);
const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 2000, 3000];

let OPTIONS, cfg, ws, state = null, pending = null, data = null, watch = null, land = null;
let landAsked = 0, landIter = -1, sendTimer = null, lastError = "", tipItem = null, tipAt = [0, 0];
let sharedStart = false, inspectInfo = null, lastSent = "", notice = "";
const pg = { frames: 0, states: 0, sessions: 0, renderMs: 0, frameTimes: [], downloads: [] };

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const send = (msg) => { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); };
const copy = (o) => JSON.parse(JSON.stringify(o));

function status(text, error = false) {
  const s = $("status");
  if (s.textContent !== text) s.textContent = text;
  s.classList.toggle("error", error);
}

// Text of an element, written only when it changes (fewer style and layout passes per frame).
function setText(id, text) {
  const e = $(id);
  if (e.textContent !== String(text)) e.textContent = text;
  return e;
}

const net = new NetView($("net"), {
  weight: (i) => setWatch({ kind: "weight", index: i }),
  unit: (l, j) => setWatch({ kind: "unit", layer: l, unit: j }),
  units: (l, d) => { const h = cfg.network.hidden; h[l - 1] = clamp(h[l - 1] + d, 1, OPTIONS.limits.max_units); changed(); },
  activation: (l, name) => {
    const n = cfg.network;
    const acts = typeof n.activation === "string" ? n.hidden.map(() => n.activation) : [...n.activation];
    acts[l - 1] = name;
    n.activation = acts.every((a) => a === acts[0]) ? acts[0] : acts;
    changed();
  },
  hover: (item, e) => { tipItem = item; if (e) tipAt = [e.clientX, e.clientY]; renderTip(); },
});

// --- settings ------------------------------------------------------------------------
function preset(name) {
  const speed = cfg ? cfg.training.speed : OPTIONS.defaults.training.speed;
  cfg = copy(OPTIONS.presets[name].config);
  cfg.training.speed = speed;
}

function hyperChanged(name, v) {
  cfg.training.optimizer_params[name] = v;
  if (name === "learning_rate" && state) { send({ type: "set", learning_rate: v }); shareUpdate(); } else changed();
}

function showControls() {
  toControls(OPTIONS, cfg, data);
  hyperFields(OPTIONS, cfg, hyperChanged);
}

// Any change of settings: a fresh session (new data / network / trainer), sent after a short pause
// (unless the settings are those of the running session); a command (play, step) sends it first.
function changed() {
  notice = "";
  showControls();
  clearTimeout(sendTimer);
  sendTimer = setTimeout(flush, 150);
}

function flush(force = false) {
  clearTimeout(sendTimer);
  sendTimer = null;
  const text = JSON.stringify(cfg);
  if (text === lastSent && !force) return;
  lastSent = text;
  send({ type: "config", config: cfg });
  shareUpdate();
}

function command(msg) {
  if (sendTimer !== null) flush();
  send(msg);
}

async function shareUpdate() {
  const hash = await encodeState({ v: 1, config: cfg });
  history.replaceState(null, "", location.pathname + hash);
  $("share-link").value = location.origin + location.pathname + hash;
}

function merged(shared) {
  const out = copy(OPTIONS.defaults);
  for (const part of ["data", "network", "training"]) Object.assign(out[part], (shared && shared[part]) || {});
  return out;
}

// --- messages from the server ------------------------------------------------------
function onMessage(ev) {
  const m = JSON.parse(ev.data);
  if (m.type === "error") {
    if (sharedStart && !data) {          // a shared link's settings were refused: say so, start afresh
      sharedStart = false;
      cfg = copy(OPTIONS.defaults); showControls(); flush(true);
      notice = `the link's settings were refused (${m.message}); these are the defaults`;
      return;
    }
    lastError = m.message; status(m.message, true); return;
  }
  if (m.type === "data") {
    pg.sessions += 1;
    data = m; land = null; landIter = -1; inspectInfo = null; sharedStart = false;
    fillSamples(); fillLandSelects(); status(""); lastError = "";
    showControls(); initPanel(); legend(); return;
  }
  if (m.type === "landscape") { land = m; drawLand(); return; }
  if (m.type === "download") { pg.downloads.push({ format: m.format, filename: m.filename, size: m.size }); saveDownload(m); return; }
  if (m.type === "state") {
    if (!data || m.layer_sizes.join() !== data.layer_sizes.join()) return;   // not this session's
    m.names = data.names;
    m.session = pg.sessions;            // which session (counted by its data message) it belongs to
    pg.states += 1;
    pending = m;
    requestAnimationFrame(render);
  }
}

function render() {
  if (!pending) return;
  const s = pending;
  pending = null;
  const b = bytesOf(s.params_b64);                  // decoded for the states drawn only
  s.params = s.params_dtype === "<f4" ? Float64Array.from(new Float32Array(b.buffer, b.byteOffset, b.length / 4))
    : new Float64Array(b.buffer, b.byteOffset, b.length / 8);
  state = s;
  pg.frames += 1;
  const now = performance.now();
  drawState(s, now);
  const took = performance.now() - now;
  pg.renderMs = pg.frames === 1 ? took : 0.9 * pg.renderMs + 0.1 * took;   // for the benchmark
}

function drawState(s, now) {
  pg.frameTimes.push(now);
  while (pg.frameTimes.length && now - pg.frameTimes[0] > 2000) pg.frameTimes.shift();
  setText("fps", s.mode === "play" && pg.frameTimes.length > 2
    ? ((pg.frameTimes.length - 1) / ((now - pg.frameTimes[0]) / 1000)).toFixed(0) : "–");
  setText("epoch", s.epoch);
  setText("iteration", s.iteration);
  setText("in-epoch", `${s.batch_in_epoch} / ${s.iterations_per_epoch}`);
  setText("arch", s.layer_sizes.join("-"));
  setText("n-params", `${s.params.length} parameters`);
  const playing = s.mode === "play";
  setText("play", playing ? "❚❚" : "▶");
  $("play").classList.toggle("playing", playing);
  const h = s.history;
  setText("loss-train", fmt(s.loss_now, 4)).dataset.value = s.loss_now;
  setText("loss-test", fmt(s.test_loss_now, 4));
  const reg = data.task === "regression", sc = s.scores.test || s.scores.train;
  setText("metric-name", (reg ? "R²" : "Accuracy") + (s.scores.test ? " (test)" : ""));
  const met = reg ? sc.r2 : sc.accuracy;
  setText("metric", met === null || met === undefined ? "–" : reg ? fmt(met, 3) : (met * 100).toFixed(1) + " %").dataset.value = String(met);
  if (!lastError) statusLine(s, playing);
  const spec = { key: s.layer_sizes.join("-") + "|" + s.activations.join() + "|" + data.feature_names.join() + (data.plane.length === 1 ? "d" : ""),
    sizes: s.layer_sizes, activations: s.activations, inputNames: data.feature_names.map((f) => featureLabel(f, data.columns)),
    oneD: data.plane.length === 1, choices: OPTIONS.activations };
  net.update(s, data, spec);
  drawBoundary($("boundary"), s, data, watch ? Number($("sample").value) : null);
  drawChart($("chart"), h, $("log-scale").checked);
  renderScores($("scores"), s.scores, data);
  if (s.inspect) inspectInfo = s.inspect;
  if (inspectInfo && watch) {
    if (inspectInfo.kind === "unit") renderUnit($("inspect"), inspectInfo, s, (i) => setWatch({ kind: "weight", index: i }));
    else renderWeight($("inspect"), inspectInfo, s, cfg.training);
  }
  if (s.inspect_error) $("inspect").textContent = s.inspect_error;
  renderTip();
  drawLand();
  const due = playing ? Date.now() - landAsked > 2000 : s.iteration !== landIter;
  if (land && due && Date.now() - landAsked > 300) askLand();
}

function statusLine(s, playing) {
  if (notice) { status(notice, true); return; }
  if (s.stop_reason === "target") status(`stopped: ${s.stop_condition} reached at epoch ${s.target_epoch} — press ▶ to go on`);
  else if (s.stop_reason) status(`stopped: ${s.stop_reason.replace("_", " ")}` + (s.stop_reason === "early_stopping" ? ` (best weights of epoch ${s.best_epoch} restored)` : "") + " — press ▶ to go on", s.stop_reason === "diverged");
  else status(playing ? `training at ≤ ${s.speed} updates/s` + (s.stop_condition ? `, until ${s.stop_condition}` : "") : "paused");
  $("status").title = s.diagnosis || "";
}

function renderTip() {
  const tip = $("tip");
  if (!tipItem || !state || !data) { tip.hidden = true; return; }
  const ctx = { state, names: data.names, acts: state.activations, loss: data.resolved.loss, F: OPTIONS,
    inputNames: data.feature_names.map((f) => featureLabel(f, data.columns)) };
  const lines = tipItem.kind === "weight" ? weightTip(tipItem.index, net.locate(tipItem.index), ctx)
    : unitTip(tipItem.layer, tipItem.unit, ctx);
  tip.textContent = lines.join("\n");
  tip.dataset.kind = tipItem.kind;
  tip.dataset.index = tipItem.kind === "weight" ? tipItem.index : "";
  tip.dataset.value = tipItem.kind === "weight" ? String(state.params[tipItem.index]) : "";
  tip.style.left = Math.min(tipAt[0] + 14, window.innerWidth - 420) + "px";
  tip.style.top = tipAt[1] + 14 + window.scrollY + "px";
  tip.hidden = false;
}

function legend() {
  const L = $("legend");
  L.textContent = "";
  const sw = (c, label) => {
    const dot = document.createElement("span");
    dot.className = "sw"; dot.style.background = css(c);
    L.append(dot, label);
  };
  const names = data.classes || [];
  if (data.task === "binary") { sw(NEG, names[0]); sw(POS, names[1]); L.append(" · filled: training, hollow: test"); }
  else if (data.task === "multiclass") { names.forEach((n, k) => sw(CLASS_COLORS[k % CLASS_COLORS.length], n)); L.append(" · hollow: test"); }
  else L.append("network output over the inputs; points: data (hollow: test)");
  if (data.n_columns > 2) L.append(` · plane: ${data.columns[data.plane[0]]} × ${data.columns[data.plane[1]]}`);
}

function fillSamples() {
  const sel = $("sample");
  sel.innerHTML = "";
  data.X_train.forEach((x, k) => sel.append(new Option(`${k + 1}: x = (${x.map((v) => fmt(v, 3)).join(", ")}), t = (${data.T_train[k].map((v) => fmt(v, 3)).join(", ")})`, k)));
}

function initPanel() {
  renderInitHistograms($("init-hist"), data.init_histograms, cfg.network.init, OPTIONS.init_formulas,
    (scheme) => { cfg.network.init = scheme; changed(); });
}

function setWatch(w) {
  watch = w;
  inspectInfo = null;
  net.select(w);
  send({ type: "watch", ...w, sample: Number($("sample").value) || 0 });
}

// --- the landscape ----------------------------------------------------------------
function fillLandSelects() {
  for (const [id, k] of [["land-i", 0], ["land-j", 1]]) {
    const sel = $(id);
    sel.innerHTML = "";
    data.names.forEach((n, i) => sel.append(new Option(n, i)));
    sel.value = Math.min(k, data.names.length - 1);
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
  drawLandscape($("landscape"), land, same ? state.path : null, land ? [data.names[land.i], data.names[land.j]] : []);
}

// --- wiring -------------------------------------------------------------------------
function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${withToken("/ws")}`);
  ws.onopen = () => flush(true);
  ws.onmessage = onMessage;
  ws.onclose = (e) => status(e.code === 1001 ? "the playground server has stopped"
    : `disconnected from the server${e.reason ? ": " + e.reason : ""} — reload the page`, true);
}

function wire() {
  document.querySelectorAll("[data-dataset]").forEach((b) => b.addEventListener("click", () => {
    preset(b.dataset.dataset); changed();
  }));
  $("csv").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    if (f.size > OPTIONS.limits.max_csv_bytes) { status(`${f.name} is ${f.size} bytes; the limit is ${OPTIONS.limits.max_csv_bytes}`, true); return; }
    const text = await f.text();
    Object.assign(cfg.data, { name: "csv", csv: text, csv_name: f.name.slice(0, 100), standardize: true, test_fraction: 0.2,
      features: null, plane: [0, 1], target: null, task: "auto" });
    Object.assign(cfg.network, { output_activation: "auto", loss: "auto" });
    e.target.value = "";
    changed();
  });
  const dataReset = () => { cfg.data.features = null; cfg.data.plane = [0, 1]; };
  $("csv-target").addEventListener("change", () => { cfg.data.target = $("csv-target").value || null; dataReset(); changed(); });
  $("csv-one-hot").addEventListener("change", () => { cfg.data.one_hot = $("csv-one-hot").checked; dataReset(); changed(); });
  $("csv-task").addEventListener("change", () => { cfg.data.task = $("csv-task").value; Object.assign(cfg.network, { output_activation: "auto", loss: "auto" }); changed(); });
  for (const id of ["n-samples", "noise", "test-fraction", "classes"]) {
    $(id).addEventListener("input", () => { $(id + "-value").textContent = id === "test-fraction" ? Math.round($(id).value * 100) + " %" : $(id).value; });
  }
  for (const id of ["n-samples", "noise", "test-fraction", "classes", "standardize", "data-seed", "output-activation",
    "loss", "init", "net-seed", "batch-mode", "batch-size", "weight-decay", "early-stopping", "patience", "max-epochs",
    "train-seed", "stop-when", "stop-value", "plane-x", "plane-y"]) {
    $(id).addEventListener("change", () => { fromControls(cfg); changed(); });
  }
  $("features").addEventListener("change", () => { fromControls(cfg); changed(); });
  $("activation").addEventListener("change", () => { cfg.network.activation = $("activation").value; changed(); });
  $("hidden").addEventListener("change", () => {
    const sizes = $("hidden").value.split(/[\s,;x×]+/).filter(Boolean).map(Number);
    if (sizes.some((v) => !Number.isInteger(v))) { status(`hidden: give whole numbers of units, e.g. 32, 32; got ${$("hidden").value}`, true); return; }
    cfg.network.hidden = sizes;
    if (typeof cfg.network.activation !== "string") cfg.network.activation = cfg.network.activation[0] || "tanh";
    changed();
  });
  $("optimizer").addEventListener("change", () => {
    const name = $("optimizer").value, opt = OPTIONS.optimizers.find((o) => o.name === name);
    cfg.training.optimizer = name; cfg.training.optimizer_params = {};
    const lr = opt.params.find((p) => p.name === "learning_rate");
    if (lr) cfg.training.optimizer_params.learning_rate = lr.default;
    if (opt.full_batch_only) cfg.training.batch_mode = "batch";
    changed();
  });
  $("add-layer").addEventListener("click", () => {
    const n = cfg.network, h = n.hidden;
    h.push(h.length ? h[h.length - 1] : 2);
    if (typeof n.activation !== "string") n.activation.push(n.activation[n.activation.length - 1] || "tanh");
    changed();
  });
  $("remove-layer").addEventListener("click", () => {
    const n = cfg.network;
    n.hidden.pop();
    if (typeof n.activation !== "string") { n.activation.pop(); if (!n.activation.length) n.activation = "tanh"; }
    changed();
  });
  $("play").addEventListener("click", () => command({ type: state && state.mode === "play" && sendTimer === null ? "pause" : "play" }));
  $("step-iteration").addEventListener("click", () => command({ type: "step", unit: "iteration" }));
  $("step-epoch").addEventListener("click", () => command({ type: "step", unit: "epoch" }));
  $("reset").addEventListener("click", () => flush(true));
  $("speed").addEventListener("input", () => {
    const v = SPEEDS[Number($("speed").value)];
    $("speed-value").textContent = v + "/s"; cfg.training.speed = v; send({ type: "set", speed: v }); shareUpdate();
  });
  $("sample").addEventListener("change", () => { if (watch) setWatch(watch); else if (state) drawBoundary($("boundary"), state, data, null); });
  $("sample-prev").addEventListener("click", () => stepSample(-1));
  $("sample-next").addEventListener("click", () => stepSample(1));
  $("land-draw").addEventListener("click", askLand);
  $("log-scale").addEventListener("change", () => state && drawChart($("chart"), state.history, $("log-scale").checked));
  $("download-model").addEventListener("click", () => command({ type: "download", format: "model" }));
  $("download-weights").addEventListener("click", () => command({ type: "download", format: "weights" }));
  $("share").addEventListener("click", async () => { await shareUpdate(); $("share-box").hidden = false; $("share-link").select(); });
  $("share-close").addEventListener("click", () => { $("share-box").hidden = true; });
  $("share-copy").addEventListener("click", () => { $("share-link").select(); navigator.clipboard && navigator.clipboard.writeText($("share-link").value); });
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
  cfg = copy(OPTIONS.defaults);
  try {
    const shared = await decodeState(location.hash);
    if (shared) { cfg = merged(shared.config); sharedStart = true; }
  } catch (err) {
    notice = "this link's settings are damaged; these are the defaults";
  }
  $("n-samples").max = OPTIONS.limits.max_samples;
  $("classes").max = OPTIONS.limits.max_classes;
  const speed = SPEEDS.indexOf(cfg.training.speed);
  $("speed").value = speed >= 0 ? speed : 5;
  $("speed-value").textContent = SPEEDS[Number($("speed").value)] + "/s";
  showControls();
  wire();
  connect();
}

// For scripts and tests: counters, the newest state and data, the settings, and send().
window.playground = Object.defineProperties(pg, { state: { get: () => state }, data: { get: () => data },
  config: { get: () => cfg }, options: { get: () => OPTIONS } });
pg.send = send;
main();
