// The network diagram: units as small heat maps, connections coloured and sized by weight.
import { drawMap, drawCurveMap, drawInputMap, weightColor } from "./draw.js";

const SVG = "http://www.w3.org/2000/svg";
let NODE = 40, GAP = 14;

export class NetView {
  constructor(root, handlers) {
    this.root = root;
    this.h = handlers;         // {weight(index), unit(layer, unit), units(layer, delta)}
    this.key = null;
    this.selected = null;
  }

  // Parameter index of W_l[j, k] and b_l[j] in the flat vector (layers from 1).
  layout(sizes) {
    const starts = [];
    let at = 0;
    for (let l = 1; l < sizes.length; l++) { starts.push(at); at += sizes[l] * sizes[l - 1] + sizes[l]; }
    return starts;
  }

  build(sizes, names, oneD) {
    this.key = sizes.join("-") + (oneD ? "d" : "");
    this.sizes = sizes;
    this.starts = this.layout(sizes);
    const root = this.root;
    root.innerHTML = "";
    const W = Math.max(root.clientWidth, 420);
    const maxUnits = Math.max(...sizes);
    NODE = maxUnits <= 4 ? 52 : 40; GAP = maxUnits <= 4 ? 22 : 14;
    const H = Math.max(380, maxUnits * (NODE + GAP) + 70);
    root.style.height = H + "px";
    const nCols = sizes.length;
    const colX = (c) => 40 + (c * (W - 130)) / (nCols - 1);
    const top = 56;
    this.pos = sizes.map((n, c) => Array.from({ length: n }, (_, j) => {
      const span = n * NODE + (n - 1) * GAP;
      const y0 = top + (H - top - 16 - span) / 2;
      return [colX(c), y0 + j * (NODE + GAP)];
    }));
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    root.appendChild(svg);
    this.links = [];
    for (let l = 1; l < nCols; l++) {
      for (let j = 0; j < sizes[l]; j++) for (let k = 0; k < sizes[l - 1]; k++) {
        const index = this.starts[l - 1] + j * sizes[l - 1] + k;
        const [x0, y0] = this.pos[l - 1][k], [x1, y1] = this.pos[l][j];
        const a = [x0 + NODE, y0 + NODE / 2], b = [x1, y1 + NODE / 2], mx = (a[0] + b[0]) / 2;
        const d = `M${a[0]},${a[1]} C${mx},${a[1]} ${mx},${b[1]} ${b[0]},${b[1]}`;
        const hit = document.createElementNS(SVG, "path");
        hit.setAttribute("d", d); hit.setAttribute("class", "hit");
        hit.dataset.param = index;
        const title = document.createElementNS(SVG, "title");
        title.textContent = names[index];
        hit.appendChild(title);
        hit.addEventListener("click", () => this.h.weight(index));
        const link = document.createElementNS(SVG, "path");
        link.setAttribute("d", d); link.setAttribute("class", "link");
        link.dataset.param = index;
        svg.appendChild(hit); svg.appendChild(link);
        this.links.push([index, link]);
      }
    }
    this.canvases = [];
    this.biases = [];
    sizes.forEach((n, c) => {
      const col = [];
      for (let j = 0; j < n; j++) {
        const [x, y] = this.pos[c][j];
        const div = document.createElement("div");
        div.className = "node" + (c === 0 ? " input" : "");
        div.style.left = x + "px"; div.style.top = y + "px";
        const cv = document.createElement("canvas");
        cv.width = NODE; cv.height = NODE;
        div.style.width = div.style.height = NODE + "px";
        div.appendChild(cv);
        if (c === 0) {
          drawInputMap(cv, j, oneD);
          div.title = oneD ? "x" : `x${j + 1}`;
        } else {
          div.dataset.layer = c; div.dataset.unit = j;
          div.title = c === nCols - 1 ? `output unit ${j + 1}` : `layer ${c}, unit ${j + 1}`;
          div.addEventListener("click", (e) => { if (e.target === cv) this.h.unit(c, j); });
          const bias = document.createElement("span");
          bias.className = "bias";
          const index = this.starts[c - 1] + sizes[c] * sizes[c - 1] + j;
          bias.dataset.param = index;
          bias.title = `bias ${names[index]}`;
          bias.addEventListener("click", (e) => { e.stopPropagation(); this.h.weight(index); });
          div.appendChild(bias);
          this.biases.push([index, bias]);
        }
        this.root.appendChild(div);
        col.push(cv);
      }
      this.canvases.push(col);
      // column title and (for hidden layers) the units buttons
      const [x] = this.pos[c][0];
      const t = document.createElement("div");
      t.className = "layer-title";
      t.style.left = x + NODE / 2 - 45 + "px"; t.style.top = "2px";
      t.textContent = c === 0 ? "inputs" : c === nCols - 1 ? "output" : `${n} unit${n > 1 ? "s" : ""}`;
      this.root.appendChild(t);
      if (c > 0 && c < nCols - 1) {
        const u = document.createElement("div");
        u.className = "units";
        u.style.left = x - 4 + "px"; u.style.top = "20px";
        for (const [label, delta] of [["+", 1], ["−", -1]]) {
          const btn = document.createElement("button");
          btn.textContent = label; btn.dataset.layer = c; btn.dataset.delta = delta;
          btn.title = delta > 0 ? "add a unit" : "remove a unit";
          btn.addEventListener("click", () => this.h.units(c, delta));
          u.appendChild(btn);
        }
        this.root.appendChild(u);
      }
    });
    this.markSelected();
  }

  update(state, data) {
    const oneD = data.n_inputs === 1;
    const key = state.layer_sizes.join("-") + (oneD ? "d" : "");
    if (key !== this.key) this.build(state.layer_sizes, state.names, oneD);
    const p = state.params;
    for (const [index, link] of this.links) {
      const w = p[index];
      link.setAttribute("stroke", weightColor(w));
      link.setAttribute("stroke-width", (0.5 + Math.min(Math.abs(w), 5) * 1.4).toFixed(2));
      link.setAttribute("stroke-opacity", (0.35 + 0.65 * Math.min(Math.abs(w), 1)).toFixed(2));
    }
    for (const [index, dot] of this.biases) dot.style.background = weightColor(p[index]);
    state.units.forEach((layer, l) => layer.forEach((map, j) => {
      const cv = this.canvases[l + 1][j];
      oneD ? drawCurveMap(cv, map) : drawMap(cv, map);
    }));
    const last = this.canvases[this.canvases.length - 1];
    state.output_units.forEach((map, j) => (oneD ? drawCurveMap(last[j], map) : drawMap(last[j], map)));
  }

  select(sel) { this.selected = sel; this.markSelected(); }

  markSelected() {
    const s = this.selected;
    this.root.querySelectorAll(".selected").forEach((e) => e.classList.remove("selected"));
    if (!s) return;
    if (s.kind === "weight") {
      this.root.querySelectorAll(`[data-param="${s.index}"]`).forEach((e) => {
        if (!e.classList.contains("hit")) e.classList.add("selected");
      });
    } else {
      const n = this.root.querySelector(`.node[data-layer="${s.layer}"][data-unit="${s.unit}"]`);
      if (n) n.classList.add("selected");
    }
  }
}
