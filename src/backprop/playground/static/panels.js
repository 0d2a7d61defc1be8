// The scores (accuracy and confusion matrix, or R², RMSE, MAE), the initial-weight histograms, downloads.
import { drawHistogram, fmt } from "./draw.js";

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

const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(1) + " %");

// scores = {train: {...}, test: {...} | null} from the server (backprop.evaluation).  The table is built
// once per layout (data set, classes) and its cells updated in place afterwards.
export function renderScores(root, scores, data) {
  const key = `${data.task}|${(data.classes || []).join()}|${scores.test ? 1 : 0}`;
  if (root.dataset.key === key) {
    root.querySelectorAll("[data-path]").forEach((cell) => {
      const [set, name, i, j] = cell.dataset.path.split("/");
      let v = scores[set][name];
      if (i !== undefined) v = v[Number(i)][Number(j)];
      const text = name === "accuracy" ? `${cell.dataset.label} accuracy ${pct(v)}  ` : name === "confusion_matrix" ? String(v) : fmt(v, 4);
      if (cell.textContent !== text) cell.textContent = text;
      cell.dataset.value = String(v);
      if (name === "confusion_matrix") shade(cell, v, scores[set][name], Number(i) === Number(j));
    });
    return;
  }
  root.dataset.key = key;
  root.innerHTML = "";
  const sets = [["train", "training"], ["test", "test"]].filter(([k]) => scores[k]);
  if (data.task === "regression") {
    const t = el("table", { id: "regression-scores" }, el("tr", {}, el("th", {}, ""), el("th", {}, "R²"), el("th", {}, "RMSE"), el("th", {}, "MAE")));
    for (const [k, label] of sets) {
      const s = scores[k];
      t.append(el("tr", { "data-set": k }, el("td", {}, label),
        ...["r2", "rmse", "mae"].map((m) => el("td", { class: "num", "data-key": m, "data-value": String(s[m]), "data-path": `${k}/${m}` }, fmt(s[m], 4)))));
    }
    root.append(t);
    return;
  }
  root.append(el("p", { class: "acc" }, ...sets.map(([k, label]) =>
    el("span", { id: `accuracy-${k}`, "data-value": String(scores[k].accuracy), "data-path": `${k}/accuracy`, "data-label": label },
      `${label} accuracy ${pct(scores[k].accuracy)}  `))));
  const [k, label] = sets[sets.length - 1];
  const C = scores[k].confusion_matrix, names = data.classes;
  const t = el("table", { id: "confusion", "data-set": k, class: "confusion" },
    el("tr", {}, el("th", { title: "rows: the true class; columns: the predicted class" }, `${label}: true ↓ predicted →`),
      ...names.map((n) => el("th", {}, n))));
  C.forEach((row, i) => t.append(el("tr", {}, el("th", {}, names[i]), ...row.map((c, j) => {
    const td = el("td", { class: "num", "data-value": String(c), "data-path": `${k}/confusion_matrix/${i}/${j}` }, String(c));
    shade(td, c, C, i === j);
    return td;
  }))));
  root.append(t);
}

function shade(td, c, C, diagonal) {
  const big = Math.max(1, ...C.flat());
  td.style.background = `rgba(${diagonal ? "8,119,189" : "245,147,34"},${(0.08 + 0.5 * c / big).toFixed(2)})`;
}

// The initial weights of each layer under every scheme (data.init_histograms from the server).
export function renderInitHistograms(root, hist, current, formulas, choose) {
  root.innerHTML = "";
  const head = el("div", { class: "ih-row ih-head" }, el("span", { class: "ih-name" }, "scheme"),
    ...hist.layers.map((L) => el("span", { class: "ih-layer" }, `layer ${L.layer}: ${L.n_in} → ${L.n_out}`)));
  root.append(head);
  for (const scheme of hist.schemes) {
    const row = el("div", { class: "ih-row" + (scheme === current ? " current" : ""), "data-scheme": scheme, title: formulas[scheme] || "" });
    row.append(el("button", { class: "ih-name", onclick: () => choose(scheme) }, scheme));
    for (const L of hist.layers) {
      const cv = el("canvas", { width: "130", height: "46", "data-layer": String(L.layer),
        "data-counts": L.counts[scheme].join(","), title: `${scheme}, layer ${L.layer}: SD ${fmt(L.sd[scheme], 3)}  (${formulas[scheme] || ""})` });
      drawHistogram(cv, L.counts[scheme], L.range, scheme === current);
      row.append(cv);
    }
    root.append(row);
  }
}

// A file from the server ({filename, mime, data: base64}) saved by the browser.
export function saveDownload(msg) {
  const bytes = Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: msg.mime }));
  const a = el("a", { href: url, download: msg.filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
