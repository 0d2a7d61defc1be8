// The settings panel: the configuration object <-> the form controls.  The server validates everything.
export const $ = (id) => document.getElementById(id);

const STOP_LABELS = { off: "never (epoch limit only)", loss: "training loss ≤", test_loss: "test loss ≤",
  accuracy: "training accuracy ≥", test_accuracy: "test accuracy ≥", r2: "training R² ≥", test_r2: "test R² ≥",
  epoch: "epoch ≥" };

export function fillSelect(sel, items, value) {
  sel.innerHTML = "";
  for (const it of items) {
    const [v, label, title] = Array.isArray(it) ? it : [it, it, ""];
    const o = new Option(label, v, false, v === value);
    if (title) o.title = title;
    sel.append(o);
  }
}

// The feature names shown with the data's column names: x2^2 -> height^2 for a CSV column "height".
export function featureLabel(name, columns) {
  return name.replace(/x(\d+)/g, (m, i) => (columns && columns[i - 1] !== undefined ? columns[i - 1] : m));
}

// A tooltip with an optimizer hyperparameter's part of the update rule (from its docstring).
function hyperField(p, value, onChange) {
  const f = document.createElement("div");
  f.className = "field";
  const label = document.createElement("label");
  label.textContent = p.name.replaceAll("_", " ");
  label.htmlFor = "hp-" + p.name;
  label.className = "hp-label";
  if (p.help) { label.title = p.help; label.classList.add("has-help"); }
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
  if (p.help) input.title = p.help;
  input.addEventListener("change", () => onChange(p.kind === "bool" ? input.checked : p.kind === "text" ? input.value
    : p.kind === "list" ? input.value.split(",").map(Number) : Number(input.value)));
  f.append(label, input);
  return f;
}

export function hyperFields(OPTIONS, cfg, onChange) {
  const opt = OPTIONS.optimizers.find((o) => o.name === cfg.training.optimizer);
  const box = $("hyper");
  if (box.dataset.optimizer === opt.name) {         // the same fields: new values only (focus stays)
    for (const p of opt.params) {
      const input = $("hp-" + p.name), given = cfg.training.optimizer_params[p.name];
      if (!input || input === document.activeElement) continue;
      const value = given === undefined ? p.default : given;
      if (p.kind === "bool") input.checked = value; else input.value = Array.isArray(value) ? value.join(", ") : value;
    }
    return;
  }
  box.dataset.optimizer = opt.name;
  box.innerHTML = "";
  $("optimizer").title = opt.rule;
  for (const p of opt.params) {
    if (p.name === "weight_decay" && opt.name !== "adamw") continue;   // the trainer's λ is below
    const given = cfg.training.optimizer_params[p.name];
    box.append(hyperField(p, given === undefined ? p.default : given, (v) => onChange(p.name, v)));
  }
  for (const o of $("batch-mode").options) o.disabled = opt.full_batch_only && o.value !== "batch";
}

function activationItems(OPTIONS, names) {
  return names.map((n) => {
    const a = OPTIONS.activation_formulas[n];
    return [n, n, `g(s) = ${a.formula};  g'(s) = ${a.deriv_formula}`];
  });
}

export function toControls(OPTIONS, cfg, data) {
  const d = cfg.data, n = cfg.network, t = cfg.training, csv = d.name === "csv";
  document.querySelectorAll("[data-dataset]").forEach((b) => b.classList.toggle("active", b.dataset.dataset === d.name));
  $("csv-label").classList.toggle("active", csv);
  for (const [id, v] of [["n-samples", d.n_samples], ["noise", d.noise], ["test-fraction", d.test_fraction], ["classes", d.classes]]) {
    $(id).value = v; $(id + "-value").textContent = id === "test-fraction" ? Math.round(v * 100) + " %" : v;
  }
  $("classes-field").style.display = d.name === "clusters" ? "" : "none";
  $("n-samples-field").style.display = $("noise-field").style.display = csv ? "none" : "";
  $("standardize").checked = d.standardize; $("data-seed").value = d.seed;
  const mine = data && (data.name === d.name) ? data : null;
  $("csv-fields").hidden = !csv;
  $("csv-one-hot").checked = d.one_hot;
  if (csv && mine) {
    fillSelect($("csv-target"), [["", "last column"], ...mine.csv_columns.map((c) => [c, c])], d.target || "");
    fillSelect($("csv-task"), OPTIONS.tasks, d.task);
    $("csv-info").textContent = `${d.csv_name || "CSV"}: ${mine.X.length} rows, ${mine.n_columns} input column(s), ` +
      `${mine.task}${mine.classes ? " (" + mine.classes.length + " classes)" : ""}` + (mine.notes.length ? " — " + mine.notes.join("; ") : "");
  }
  const nCols = mine ? mine.n_columns : d.name === "curve" ? 1 : 2;
  $("plane-field").hidden = !(mine && nCols > 2);
  if (mine && nCols > 2) {
    const cols = mine.columns.map((c, i) => [String(i), c]);
    fillSelect($("plane-x"), cols, String(d.plane[0])); fillSelect($("plane-y"), cols, String(d.plane[1]));
  }
  features(mine, d, nCols);
  const hidden = typeof n.activation === "string" ? n.activation : n.activation[0];
  fillSelect($("activation"), activationItems(OPTIONS, OPTIONS.activations), hidden);
  $("activation").title = typeof n.activation === "string" ? "every hidden layer's activation" : "per layer: see the selects above the layers";
  const resolved = mine && mine.resolved;
  fillSelect($("output-activation"), [["auto", "auto" + (resolved && n.output_activation === "auto" ? ` (${resolved.output_activation})` : ""),
    "the task's usual output: sigmoid for two classes, softmax for more, identity for regression"],
    ...activationItems(OPTIONS, OPTIONS.output_activations)], n.output_activation);
  fillSelect($("loss"), [["auto", "auto" + (resolved && n.loss === "auto" ? ` (${resolved.loss})` : ""), "the output's canonical loss"],
    ...OPTIONS.losses.map((l) => [l, l, `E = ${OPTIONS.loss_formulas[l].formula};  dE/dz = ${OPTIONS.loss_formulas[l].dz_formula};  ` +
      `with a ${OPTIONS.loss_formulas[l].canonical} output dE/ds = z − t`])], n.loss);
  fillSelect($("init"), OPTIONS.inits.map((s) => [s, s, OPTIONS.init_formulas[s]]), n.init);
  $("loss").title = $("loss").selectedOptions[0] ? $("loss").selectedOptions[0].title : "";
  $("init").title = OPTIONS.init_formulas[n.init] || "";
  $("net-seed").value = n.seed;
  $("hidden").value = n.hidden.join(", ");
  fillSelect($("optimizer"), OPTIONS.optimizers.map((o) => [o.name, o.name + (o.second_order ? "  (full batch, 2nd order)" : ""),
    o.rule.split("\n")[0]]), t.optimizer);
  $("batch-mode").value = t.batch_mode; $("batch-size").value = t.batch_size;
  $("batch-size-label").style.visibility = t.batch_mode === "minibatch" ? "visible" : "hidden";
  $("weight-decay").value = t.weight_decay; $("early-stopping").checked = t.early_stopping;
  $("patience").value = t.patience; $("max-epochs").value = t.max_epochs; $("train-seed").value = t.seed;
  const task = mine ? mine.task : d.name === "curve" ? "regression" : "binary";
  const testSet = d.test_fraction > 0;
  fillSelect($("stop-when"), Object.keys(OPTIONS.stop_when).filter((k) => {
    const base = k.replace("test_", "");
    if (k.startsWith("test_") && !testSet) return false;
    return !(base === "accuracy" && task === "regression") && !(base === "r2" && task !== "regression");
  }).map((k) => [k, STOP_LABELS[k] || k]), t.stop_when);
  $("stop-value").value = t.stop_value; $("stop-value").hidden = t.stop_when === "off";
  $("remove-layer").disabled = n.hidden.length === 0;
  $("add-layer").disabled = n.hidden.length >= OPTIONS.limits.max_hidden_layers;
}

function features(mine, d, nCols) {
  const box = $("features");
  box.innerHTML = "";
  const choices = mine ? mine.feature_choices : nCols === 1 ? ["x1", "x1^2", "sin(x1)"]
    : ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
  const on = new Set(d.features || choices.filter((c) => /^x\d+$/.test(c)));
  for (const f of choices) {
    const lab = document.createElement("label");
    lab.className = "feature";
    const box1 = document.createElement("input");
    box1.type = "checkbox"; box1.checked = on.has(f); box1.dataset.feature = f;
    lab.append(box1, " " + featureLabel(f, mine && mine.columns));
    box.append(lab);
  }
}

export function fromControls(cfg) {
  const d = cfg.data, n = cfg.network, t = cfg.training;
  d.n_samples = Number($("n-samples").value); d.noise = Number($("noise").value);
  d.test_fraction = Number($("test-fraction").value); d.classes = Number($("classes").value);
  d.standardize = $("standardize").checked; d.seed = Number($("data-seed").value);
  n.output_activation = $("output-activation").value;
  n.loss = $("loss").value; n.init = $("init").value; n.seed = Number($("net-seed").value);
  t.batch_mode = $("batch-mode").value; t.batch_size = Number($("batch-size").value);
  t.weight_decay = Number($("weight-decay").value); t.early_stopping = $("early-stopping").checked;
  t.patience = Number($("patience").value); t.max_epochs = Number($("max-epochs").value);
  t.seed = Number($("train-seed").value);
  t.stop_when = $("stop-when").value; t.stop_value = Number($("stop-value").value);
  const checked = [...document.querySelectorAll("#features input[data-feature]")].filter((b) => b.checked).map((b) => b.dataset.feature);
  const all = [...document.querySelectorAll("#features input[data-feature]")].map((b) => b.dataset.feature);
  const raw = all.filter((f) => /^x\d+$/.test(f));
  d.features = checked.length === raw.length && checked.every((f, i) => f === raw[i]) ? null : checked;
  if (!$("plane-field").hidden) d.plane = [Number($("plane-x").value), Number($("plane-y").value)];
}
