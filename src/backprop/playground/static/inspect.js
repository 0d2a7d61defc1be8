// The "Numbers" panel: a weight's value, gradient, chain rule and optimizer state; a unit's u, y, delta.
import { fmt } from "./draw.js";

const STATE_NOTES = {
  t: "updates so far", learning_rate: "η in force", step: "last step Δw (added to w)",
  momentum_buffer: "velocity (momentum buffer)", m: "first moment m (mean of g)",
  v: "second moment v (mean of g²)", u: "infinity norm u", bias_correction1: "1 / (1 − β1^t): m̂ = m · this",
  bias_correction2: "1 / (1 − β2^t): v̂ = v · this", effective_learning_rate: "per-weight rate", sum_sq: "Σ g²",
  step_size: "Rprop step size", prev_grad: "previous gradient", prev_step: "previous step",
  decay_step: "decoupled decay step",
};

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid instanceof Node ? kid : String(kid));
  return e;
}

function stat(label, value, id) {
  const out = el("div", {}, el("label", {}, label));
  const span = el("span", { class: "big" }, fmt(value, 5));
  if (id) { span.id = id; span.dataset.value = value === null ? "" : String(value); }
  out.append(span);
  return out;
}

const vec = (a) => "(" + a.map((v) => fmt(v, 3)).join(", ") + ")";

function describe(info, state) {
  const sizes = state.layer_sizes, L = sizes.length - 1;
  const unitName = (l, j) => (l === L ? `output unit ${j + 1}` : `unit ${j + 1} of hidden layer ${l}`);
  if (info.kind === "bias") return `bias of ${unitName(info.layer, info.to)}`;
  const from = info.layer === 1 ? (sizes[0] === 1 ? "input x" : `input x${info.from + 1}`) : `unit ${info.from + 1} of hidden layer ${info.layer - 1}`;
  return `weight from ${from} to ${unitName(info.layer, info.to)}`;
}

function asOf(info, state) {
  return info.iteration !== undefined && info.iteration !== state.iteration
    ? `  (as of iteration ${info.iteration}: a big network's chain rule is redone at most a fifth of the time)` : "";
}

export function renderWeight(root, info, state, opts) {
  root.innerHTML = "";
  const kindLabel = info.kind === "bias" ? "bias" : "weight";
  root.append(el("p", { class: "title" }, el("b", {}, info.name), "  " + describe(info, state) + asOf(info, state)));
  root.append(el("div", { class: "grid3" },
    stat(`value ${info.name}`, info.value, "inspect-value"),
    stat(`dE/d${info.name} (training set)`, info.gradient, "inspect-gradient"),
    stat("gradient used by the last update", info.last_update_gradient, "inspect-last-gradient")));
  const decay = info.gradient_decay ? ` + λ·${info.name} = ${fmt(info.gradient_data)} + ${fmt(info.gradient_decay)}` : "";
  root.append(el("p", { class: "hint" },
    `dE/d${info.name} is the mean over the ${info.n_train} training samples of each sample's dE_k/d${info.name}${decay}` +
    ` (E = ${fmt(info.loss)}), at the weights shown. The last update used its batch's gradient${kindLabel === "bias" ? "" : " (with weight decay)"}.`));
  root.append(el("h3", {}, `Chain rule for sample ${info.sample + 1}: x = ${vec(info.x)}, t = ${vec(info.t)}, E_k = ${fmt(info.sample_E)}`));
  const names = info.chain.map((c) => c.name).join(" · ");
  const vals = info.chain.map((c) => `(${fmt(c.value)})`).join(" × ");
  root.append(el("div", { class: "eq" }, `dE_k/d${info.name} = ${names}`, el("br"),
    `${" ".repeat(info.name.length + 8)}= ${vals}`, el("br"),
    `${" ".repeat(info.name.length + 8)}= `, el("b", { id: "inspect-product", "data-value": String(info.product) }, fmt(info.product, 6))));
  const table = el("table", {}, el("tr", {}, el("th", {}, "factor"), el("th", {}, "is"), el("th", {}, "value")));
  for (const c of info.chain) table.append(el("tr", {}, el("td", {}, c.name), el("td", {}, c.formula || ""), el("td", { class: "num" }, fmt(c.value, 6))));
  root.append(table);
  root.append(el("p", { class: "hint" }, `backpropagation: ${fmt(info.backprop, 6)}   central finite difference: ${fmt(info.finite_difference, 6)}`));
  root.append(el("h3", {}, `Optimizer state (${opts.optimizer}) for ${info.name}`));
  const st = el("table", { id: "inspect-optimizer" });
  for (const [k, v] of Object.entries(info.optimizer)) {
    st.append(el("tr", { "data-key": k }, el("td", {}, k), el("td", { class: "hint" }, STATE_NOTES[k] || ""),
      el("td", { class: "num", "data-value": String(v) }, fmt(v, 6))));
  }
  root.append(st);
}

export function renderUnit(root, info, state, onWeight) {
  root.innerHTML = "";
  const L = state.layer_sizes.length - 1;
  const where = info.layer === L ? `output unit ${info.unit + 1}` : `unit ${info.unit + 1} of hidden layer ${info.layer}`;
  root.append(el("p", { class: "title" }, el("b", {}, info.y_name), `  ${where} (${info.activation}), sample ${info.sample + 1}` + asOf(info, state)));
  root.append(el("div", { class: "grid3" },
    stat(`${info.u_name} (net input)`, info.u, "inspect-u"),
    stat(`${info.y_name} = g(${info.u_name})`, info.y, "inspect-y"),
    stat(`δ = dE/d${info.u_name}`, info.delta, "inspect-delta")));
  root.append(el("div", { class: "eq" },
    `${info.u_name} = ${state.names[info.bias_index]} + Σ_k w_k · (input k)`, el("br"),
    `${info.y_name} = ${info.activation}(${info.u_name})`, el("br"),
    `δ = dE/d${info.u_name} = dE/d${state.names[info.bias_index]}   (since d${info.u_name}/d${state.names[info.bias_index]} = 1)`));
  root.append(el("p", { class: "hint" }, `x = ${vec(info.x)}, t = ${vec(info.t)}. Each incoming weight's gradient for this sample is δ times its input.`));
  const links = el("p", {}, "Inspect: ");
  for (const i of [...info.incoming, info.bias_index]) {
    links.append(el("a", { onclick: () => onWeight(i) }, state.names[i]), "  ");
  }
  root.append(links);
}
