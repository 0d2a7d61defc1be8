// Hover tips: a weight's value now and its chain rule, a unit's rule.  Every formula comes from the server's
// registries (/api/options: activation_formulas, loss_formulas); none is written here.
import { fmt } from "./draw.js";

const LECTURE = /^(w\d\d|b\d|v\d|c)$/;

function actRule(name, F, u) {
  const a = F.activation_formulas[name];
  return `g = ${name}: g(${u}) = ${a.formula.replace(/\bs\b/g, u)},  g' = ${a.deriv_formula} (z = g(${u}))`;
}

// The output delta dE/ds: z − t for the canonical pairs, else dE/dz · g'(s).
function outputDelta(outAct, loss, F) {
  const L = F.loss_formulas[loss];
  if (L.canonical === outAct) return `dE/ds = z − t   (${outAct} output with ${loss}: the canonical pair)`;
  return `dE/ds = dE/dz · g'(s),  dE/dz = ${L.dz_formula}  (${loss}),  g'(s) = ${F.activation_formulas[outAct].deriv_formula}  (${outAct})`;
}

function where(loc, sizes, inputNames) {
  const L = sizes.length - 1;
  const unit = (l, j) => (l === L ? `output unit ${j + 1}` : `unit ${j + 1} of hidden layer ${l}`);
  if (loc.kind === "bias") return `bias of ${unit(loc.layer, loc.to)}`;
  const from = loc.layer === 1 ? `input ${inputNames[loc.from]}` : `unit ${loc.from + 1} of hidden layer ${loc.layer - 1}`;
  return `weight from ${from} to ${unit(loc.layer, loc.to)}`;
}

export function weightTip(index, loc, ctx) {
  const { state, names, acts, loss, F, inputNames } = ctx;
  const sizes = state.layer_sizes, L = sizes.length - 1, name = names[index];
  const lines = [`${name} = ${fmt(state.params[index], 6)}`, where(loc, sizes, inputNames)];
  const out = acts[L - 1];
  if (LECTURE.test(name) && sizes.join() === "2,2,1") {
    const j = loc.to + 1, k = loc.from + 1;
    if (loc.layer === 2) {
      lines.push(loc.kind === "bias" ? "dE/dc = dE/dz · dz/ds · ds/dc,  ds/dc = 1"
        : `dE/dv${k} = dE/dz · dz/ds · ds/dv${k},  ds/dv${k} = y${k}`);
    } else {
      const last = loc.kind === "bias" ? `du${j}/db${j} = 1` : `du${j}/dw${j}${k} = x${k}`;
      lines.push(`dE/d${name} = dE/dz · dz/ds · ds/dy${j} · dy${j}/du${j} · ${loc.kind === "bias" ? `du${j}/db${j}` : `du${j}/dw${j}${k}`}`,
        `ds/dy${j} = v${j},  dy${j}/du${j} = g'(u${j}) = ${F.activation_formulas[acts[0]].deriv_formula.replace(/\bz\b/g, `y${j}`)},  ${last}`);
    }
    lines.push("dE/dz · dz/ds: " + outputDelta(out, loss, F));
    return lines;
  }
  const l = loc.layer, j = loc.to + 1;
  const input = l === 1 ? inputNames[loc.from] : `y[${l - 1}][${loc.from + 1}]`;
  lines.push(loc.kind === "bias" ? `dE/d${name} = δ[${l}][${j}]   (du/db = 1)` : `dE/d${name} = δ[${l}][${j}] · ${input}`);
  if (l === L) lines.push(`δ[${l}][${j}] = ` + outputDelta(out, loss, F));
  else lines.push(`δ[${l}][${j}] = g'(u[${l}][${j}]) · Σ_i W[${l + 1}][i,${j}] δ[${l + 1}][i]`, actRule(acts[l - 1], F, "u"));
  return lines;
}

export function unitTip(layer, unit, ctx) {
  const { state, names, acts, F } = ctx;
  const sizes = state.layer_sizes, L = sizes.length - 1;
  const starts = [];
  let at = 0;
  for (let l = 1; l < sizes.length; l++) { starts.push(at); at += sizes[l] * sizes[l - 1] + sizes[l]; }
  const bias = starts[layer - 1] + sizes[layer] * sizes[layer - 1] + unit;
  const u = layer === L ? "s" : `u[${layer}][${unit + 1}]`;
  return [`${layer === L ? `output unit ${unit + 1}` : `hidden layer ${layer}, unit ${unit + 1}`} (${acts[layer - 1]})`,
    `${u} = ${names[bias]} + Σ_k W[${layer}][${unit + 1},k] · (input k),  ${names[bias]} = ${fmt(state.params[bias], 6)}`,
    actRule(acts[layer - 1], F, u), "its map: the unit's output over the plot's plane; click for its numbers"];
}
