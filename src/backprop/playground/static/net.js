// The network diagram: units as small heat maps, connections coloured and sized by weight.
// Up to SVG_LINKS connections are SVG curves (each clickable); bigger networks draw theirs on one canvas
// and find the connection under the mouse by its distance from the straight line.
import { drawCurveMap, paintMap, paintAtlas, layerMaps, weightColor, NEG, POS } from "./draw.js";

const SVG = "http://www.w3.org/2000/svg";
const SVG_LINKS = 800;
const MAX_H = 560;

export class NetView {
  constructor(root, handlers) {
    this.root = root;
    this.h = handlers;   // {weight(index), unit(layer, unit), units(layer, delta), activation(layer, name), hover(item)}
    this.key = null;
    this.selected = null;
  }

  // Parameter index of the first weight of each layer in the flat vector (layers from 1).
  static starts(sizes) {
    const starts = [];
    let at = 0;
    for (let l = 1; l < sizes.length; l++) { starts.push(at); at += sizes[l] * sizes[l - 1] + sizes[l]; }
    return starts;
  }

  build(spec) {
    const { sizes, activations, inputNames, oneD, choices } = spec;
    this.key = spec.key;
    this.sizes = sizes;
    this.starts = NetView.starts(sizes);
    const root = this.root;
    root.innerHTML = "";
    const W = Math.max(root.clientWidth, 420);
    const maxUnits = Math.max(...sizes);
    let node, gap;
    if (maxUnits <= 4) { node = 52; gap = 22; } else {
      const per = Math.min(54, (MAX_H - 80) / maxUnits);
      node = Math.max(5, Math.floor(per * 0.78)); gap = Math.max(1, per - node);
    }
    this.node = node;
    const top = 62;
    const H = Math.max(380, maxUnits * (node + gap) + top + 24);
    root.style.height = H + "px";
    const nCols = sizes.length;
    const colX = (c) => 40 + (c * (W - 130)) / (nCols - 1);
    this.colX = colX;
    this.pos = sizes.map((n, c) => Array.from({ length: n }, (_, j) => {
      const span = n * node + (n - 1) * gap;
      const y0 = top + (H - top - 16 - span) / 2;
      return [colX(c), y0 + j * (node + gap)];
    }));
    const nLinks = sizes.slice(1).reduce((a, n, l) => a + n * sizes[l], 0);
    this.mode = nLinks <= SVG_LINKS ? "svg" : "canvas";
    this.links = [];
    if (this.mode === "svg") this.buildSvg(W, H); else this.buildCanvas(W, H);
    this.canvases = [];
    this.biases = [];
    sizes.forEach((n, c) => {
      const col = [];
      for (let j = 0; j < n; j++) col.push(this.buildNode(c, j, nCols, inputNames, oneD));
      this.canvases.push(col);
      this.buildHeader(c, n, nCols, activations, choices, W);
    });
    this.markSelected();
  }

  buildSvg(W, H) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    this.root.appendChild(svg);
    const node = this.node, sizes = this.sizes;
    for (let l = 1; l < sizes.length; l++) {
      for (let j = 0; j < sizes[l]; j++) for (let k = 0; k < sizes[l - 1]; k++) {
        const index = this.starts[l - 1] + j * sizes[l - 1] + k;
        const [x0, y0] = this.pos[l - 1][k], [x1, y1] = this.pos[l][j];
        const a = [x0 + node, y0 + node / 2], b = [x1, y1 + node / 2], mx = (a[0] + b[0]) / 2;
        const d = `M${a[0]},${a[1]} C${mx},${a[1]} ${mx},${b[1]} ${b[0]},${b[1]}`;
        const hit = document.createElementNS(SVG, "path");
        hit.setAttribute("d", d); hit.setAttribute("class", "hit");
        hit.dataset.param = index;
        hit.addEventListener("click", () => this.h.weight(index));
        hit.addEventListener("mouseenter", (e) => this.h.hover({ kind: "weight", index }, e));
        hit.addEventListener("mousemove", (e) => this.h.hover({ kind: "weight", index }, e));
        hit.addEventListener("mouseleave", () => this.h.hover(null));
        const link = document.createElementNS(SVG, "path");
        link.setAttribute("d", d); link.setAttribute("class", "link");
        link.dataset.param = index;
        svg.appendChild(hit); svg.appendChild(link);
        this.links.push([index, link]);
      }
    }
  }

  buildCanvas(W, H) {
    const cv = document.createElement("canvas");
    cv.width = W; cv.height = H; cv.className = "links";
    this.root.appendChild(cv);
    this.linkCanvas = cv;
    const find = (e) => {
      const r = cv.getBoundingClientRect();
      return this.linkAt(e.clientX - r.left, e.clientY - r.top);
    };
    cv.addEventListener("click", (e) => { const i = find(e); if (i !== null) this.h.weight(i); });
    cv.addEventListener("mousemove", (e) => { const i = find(e); this.h.hover(i === null ? null : { kind: "weight", index: i }, e); });
    cv.addEventListener("mouseleave", () => this.h.hover(null));
  }

  // The connection nearest to (x, y) within 4 px, as its parameter index (canvas mode).
  linkAt(x, y) {
    const sizes = this.sizes, node = this.node;
    for (let l = 1; l < sizes.length; l++) {
      const xa = this.colX(l - 1) + node, xb = this.colX(l);
      if (x < xa || x > xb) continue;
      let best = 4, found = null;
      for (let j = 0; j < sizes[l]; j++) for (let k = 0; k < sizes[l - 1]; k++) {
        const ya = this.pos[l - 1][k][1] + node / 2, yb = this.pos[l][j][1] + node / 2;
        const t = (x - xa) / (xb - xa), yl = ya + t * (yb - ya);
        const d = Math.abs(y - yl) / Math.hypot(1, (yb - ya) / (xb - xa));
        if (d < best) { best = d; found = this.starts[l - 1] + j * sizes[l - 1] + k; }
      }
      return found;
    }
    return null;
  }

  buildNode(c, j, nCols, inputNames, oneD) {
    const [x, y] = this.pos[c][j], node = this.node, sizes = this.sizes;
    const div = document.createElement("div");
    div.className = "node" + (c === 0 ? " input" : "");
    div.style.left = x + "px"; div.style.top = y + "px";
    div.style.width = div.style.height = node + "px";
    let cv = null;                     // canvas mode: the maps are drawn on the shared canvas
    if (this.mode === "svg") {
      cv = document.createElement("canvas");
      cv.width = node; cv.height = node;
      div.appendChild(cv);
    } else div.classList.add("flat");
    if (c === 0) {
      div.title = `input ${inputNames[j]}`;
      div.dataset.input = j;
      if (node >= 16) {
        const lab = document.createElement("span");
        lab.className = "node-label"; lab.textContent = inputNames[j];
        lab.style.right = node + 4 + "px"; lab.style.top = node / 2 - 7 + "px";
        div.appendChild(lab);
      }
    } else {
      div.dataset.layer = c; div.dataset.unit = j;
      div.title = c === nCols - 1 ? `output unit ${j + 1}` : `layer ${c}, unit ${j + 1}`;
      div.addEventListener("click", (e) => { if (e.target === cv || e.target === div) this.h.unit(c, j); });
      div.addEventListener("mouseenter", (e) => this.h.hover({ kind: "unit", layer: c, unit: j }, e));
      div.addEventListener("mouseleave", () => this.h.hover(null));
      const index = this.starts[c - 1] + sizes[c] * sizes[c - 1] + j;
      if (node >= 16) {
        const bias = document.createElement("span");
        bias.className = "bias";
        bias.dataset.param = index;
        bias.addEventListener("click", (e) => { e.stopPropagation(); this.h.weight(index); });
        bias.addEventListener("mouseenter", (e) => { e.stopPropagation(); this.h.hover({ kind: "weight", index }, e); });
        bias.addEventListener("mouseleave", () => this.h.hover(null));
        div.appendChild(bias);
        this.biases.push([index, bias]);
      }
    }
    this.root.appendChild(div);
    return cv;
  }

  buildHeader(c, n, nCols, activations, choices, W) {
    const [x] = this.pos[c][0], node = this.node;
    const width = Math.min(96, Math.max(44, (W - 130) / (nCols - 1) - 4));
    const t = document.createElement("div");
    t.className = "layer-title";
    t.style.left = x + node / 2 - width / 2 + "px"; t.style.top = "0px"; t.style.width = width + "px";
    t.textContent = c === 0 ? "inputs" : c === nCols - 1 ? "output" : `${n} unit${n > 1 ? "s" : ""}`;
    this.root.appendChild(t);
    if (c === 0 || c === nCols - 1) return;
    const u = document.createElement("div");
    u.className = "units";
    u.style.left = x + node / 2 - width / 2 + "px"; u.style.top = "16px"; u.style.width = width + "px";
    for (const [label, delta] of [["+", 1], ["−", -1]]) {
      const btn = document.createElement("button");
      btn.textContent = label; btn.dataset.layer = c; btn.dataset.delta = delta;
      btn.title = delta > 0 ? "add a unit" : "remove a unit";
      btn.addEventListener("click", () => this.h.units(c, delta));
      u.appendChild(btn);
    }
    this.root.appendChild(u);
    const sel = document.createElement("select");
    sel.className = "layer-activation"; sel.dataset.layer = c;
    sel.style.left = x + node / 2 - width / 2 + "px"; sel.style.top = "38px"; sel.style.width = width + "px";
    for (const name of choices) sel.append(new Option(name, name, false, name === activations[c - 1]));
    sel.title = `activation of hidden layer ${c}`;
    sel.addEventListener("change", () => this.h.activation(c, sel.value));
    this.root.appendChild(sel);
  }

  update(state, data, spec) {
    if (spec.key !== this.key) this.build(spec);
    const p = state.params;
    if (this.mode === "svg") {
      for (const [index, link] of this.links) {
        const w = p[index];
        link.setAttribute("stroke", weightColor(w));
        link.setAttribute("stroke-width", (0.5 + Math.min(Math.abs(w), 5) * 1.4).toFixed(2));
        link.setAttribute("stroke-opacity", (0.35 + 0.65 * Math.min(Math.abs(w), 1)).toFixed(2));
      }
    } else {
      this.drawLinks(p);
      this.drawMaps([state.input_units, ...state.units, state.output_units]);
    }
    for (const [index, dot] of this.biases) dot.style.background = weightColor(p[index]);
    if (this.mode === "canvas") return;
    const oneD = data.plane.length === 1;
    const paint = (cv, map) => {
      if (oneD) { drawCurveMap(cv, map); return; }
      const [h, w] = map.shape;
      if (cv.width !== w) { cv.width = w; cv.height = h; }
      paintMap(cv, map);
    };
    layerMaps(state.input_units).forEach((m, j) => paint(this.canvases[0][j], m));
    state.units.forEach((block, l) => layerMaps(block).forEach((m, j) => paint(this.canvases[l + 1][j], m)));
    const last = this.canvases[this.canvases.length - 1];
    layerMaps(state.output_units).forEach((m, j) => paint(last[j], m));
  }

  // Canvas mode: every layer's maps painted once into an atlas, then each drawn into its unit's square.
  drawMaps(blocks) {
    const ctx = this.linkCanvas.getContext("2d"), node = this.node;
    this.atlases = this.atlases || [];
    ctx.imageSmoothingEnabled = true;
    blocks.forEach((block, c) => {
      const atlas = (this.atlases[c] = paintAtlas(block, this.atlases[c]));
      const [h, w] = block.shape;
      for (let j = 0; j < block.n; j++) {
        const [x, y] = this.pos[c][j];
        ctx.drawImage(atlas, 0, j * h, w, h, x, y, node, node);
      }
    });
  }

  // Canvas mode: every connection as a straight line, grouped by sign and |w| into a few strokes.
  drawLinks(p) {
    const cv = this.linkCanvas, ctx = cv.getContext("2d"), sizes = this.sizes, node = this.node;
    ctx.clearRect(0, 0, cv.width, cv.height);
    const LEVELS = 6, paths = [];
    for (let s = 0; s < 2; s++) for (let q = 0; q < LEVELS; q++) paths.push(new Path2D());
    for (let l = 1; l < sizes.length; l++) {
      const xa = this.colX(l - 1) + node, xb = this.colX(l);
      for (let j = 0; j < sizes[l]; j++) {
        const yb = this.pos[l][j][1] + node / 2, base = this.starts[l - 1] + j * sizes[l - 1];
        for (let k = 0; k < sizes[l - 1]; k++) {
          const w = p[base + k];
          const q = Math.min(LEVELS - 1, Math.floor(Math.min(Math.abs(w), 1.5) / 1.5 * LEVELS));
          const path = paths[(w >= 0 ? 0 : LEVELS) + q];
          path.moveTo(xa, this.pos[l - 1][k][1] + node / 2); path.lineTo(xb, yb);
        }
      }
    }
    paths.forEach((path, i) => {
      const q = i % LEVELS, col = i < LEVELS ? POS : NEG;
      ctx.strokeStyle = `rgba(${col[0]},${col[1]},${col[2]},${(0.08 + 0.5 * (q + 1) / LEVELS).toFixed(2)})`;
      ctx.lineWidth = 0.4 + q * 0.35;
      ctx.stroke(path);
    });
    const s = this.selected;
    if (s && s.kind === "weight") {
      const at = this.locate(s.index);
      if (at && at.kind === "weight") {
        ctx.strokeStyle = "#1f2a30"; ctx.lineWidth = 2; ctx.beginPath();
        ctx.moveTo(this.colX(at.layer - 1) + node, this.pos[at.layer - 1][at.from][1] + node / 2);
        ctx.lineTo(this.colX(at.layer), this.pos[at.layer][at.to][1] + node / 2); ctx.stroke();
      }
    }
  }

  // Layer (from 1), kind and position of flat parameter ``index`` (as views._locate on the server).
  locate(index) {
    const sizes = this.sizes;
    for (let l = 1; l < sizes.length; l++) {
      const at = this.starts[l - 1], nW = sizes[l] * sizes[l - 1];
      if (index < at + nW) return { layer: l, kind: "weight", to: Math.floor((index - at) / sizes[l - 1]), from: (index - at) % sizes[l - 1] };
      if (index < at + nW + sizes[l]) return { layer: l, kind: "bias", to: index - at - nW };
    }
    return null;
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
