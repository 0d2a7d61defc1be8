// Drawing: heat maps from the server's quantised maps, the data, loss curves, the error surface.

export const NEG = [245, 147, 34], POS = [8, 119, 189], MID = [250, 250, 250];
export const CLASS_COLORS = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

const rgb = (c, a = 1) => `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${a})`;
const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
export const css = rgb;

// Diverging colour: value below mid -> orange, above -> blue, mid -> white.
export function diverging(v, lo, mid, hi) {
  if (!(Number.isFinite(v))) return MID;
  if (v >= mid) return mix(MID, POS, Math.min(1, hi > mid ? (v - mid) / (hi - mid) : 0));
  return mix(MID, NEG, Math.min(1, mid > lo ? (mid - v) / (mid - lo) : 0));
}

export function weightColor(w) { return w >= 0 ? rgb(POS) : rgb(NEG); }

function viridis(t) {
  t = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  return mix(VIRIDIS[i], VIRIDIS[i + 1], t - i);
}

// A map from the server: {lo, mid, hi, shape, data (base64 bytes)} -> Float64Array of values.
export function decode(map) {
  const bytes = bytesOf(map.data);
  const out = new Float64Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = map.lo + (bytes[i] / 255) * (map.hi - map.lo);
  return out;
}

export function bytesOf(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// A layer's maps from the server ({n, shape, lo[], mid[], hi[], data}): one {lo, mid, hi, shape, bytes} per unit.
export function layerMaps(block) {
  const bytes = bytesOf(block.data), size = block.shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: block.n }, (_, j) => ({
    lo: block.lo[j], mid: block.mid[j], hi: block.hi[j], shape: block.shape,
    bytes: bytes.subarray(j * size, (j + 1) * size) }));
}

// Paint a map into an offscreen canvas of its own resolution; returns it (drawn scaled, smoothed, by callers).
export function mapImage(map, confidence) {
  const [h, w] = map.shape.length === 2 ? map.shape : [1, map.shape[0]];
  const c = document.createElement("canvas");
  c.width = w; c.height = h;
  paintMap(c, map, confidence);
  return c;
}

// Paint a 2-D map (bytes or base64 data) into a canvas whose size is the map's resolution.
export function paintMap(canvas, map, confidence) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  const q = map.bytes || bytesOf(map.data);
  const conf = confidence ? bytesOf(confidence) : null;
  const span = map.hi - map.lo;
  for (let i = 0; i < q.length; i++) {
    let col;
    if (conf) {
      const k = Math.round(map.lo + (q[i] / 255) * span);
      const a = Math.max(0, (conf[i] / 255 - 0.3) / 0.7);
      col = mix(MID, CLASS_COLORS[k % CLASS_COLORS.length], 0.25 + 0.6 * a);
    } else {
      col = diverging(map.lo + (q[i] / 255) * span, map.lo, map.mid, map.hi);
    }
    const o = i * 4;
    img.data[o] = col[0]; img.data[o + 1] = col[1]; img.data[o + 2] = col[2]; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// A layer's maps ({n, shape, lo[], mid[], hi[], data}) painted one under another into one canvas (reused).
export function paintAtlas(block, canvas) {
  const [h, w] = block.shape, size = h * w;
  if (!canvas || canvas.width !== w || canvas.height !== h * block.n) {
    canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h * block.n;
  }
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(w, h * block.n), q = bytesOf(block.data);
  for (let j = 0; j < block.n; j++) {
    const lo = block.lo[j], mid = block.mid[j], hi = block.hi[j], span = hi - lo;
    for (let i = j * size; i < (j + 1) * size; i++) {
      const col = diverging(lo + (q[i] / 255) * span, lo, mid, hi), o = i * 4;
      img.data[o] = col[0]; img.data[o + 1] = col[1]; img.data[o + 2] = col[2]; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

// A 1-D map (a unit's output over x) as a small line plot.
export function drawCurveMap(canvas, map) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const q = map.bytes || bytesOf(map.data), span = map.hi - map.lo;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  const lo = map.lo, hi = map.hi > map.lo ? map.hi : map.lo + 1;
  const y = (val) => H - 3 - ((val - lo) / (hi - lo)) * (H - 6);
  ctx.strokeStyle = "#ccd5da"; ctx.beginPath(); ctx.moveTo(0, y(map.mid)); ctx.lineTo(W, y(map.mid)); ctx.stroke();
  ctx.strokeStyle = rgb(POS); ctx.lineWidth = 1.5; ctx.beginPath();
  for (let i = 0; i < q.length; i++) {
    const x = (i / (q.length - 1)) * W, v = map.lo + (q[i] / 255) * span;
    i ? ctx.lineTo(x, y(v)) : ctx.moveTo(x, y(v));
  }
  ctx.stroke();
}

// The output panel: the model over the plane (or its curve) and the data points.
export function drawBoundary(canvas, state, data, selected) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const b = data.bounds;
  const oneD = data.plane.length === 1;
  const out = state && state.output;
  let ylo = 0, yhi = 1;
  if (oneD) {
    const ys = data.y.concat(out && out.values ? out.values.filter(Number.isFinite) : []);
    ylo = Math.min(...ys); yhi = Math.max(...ys);
    const pad = 0.15 * (yhi - ylo || 1); ylo -= pad; yhi += pad;
  }
  const px = (x) => ((x - b[0][0]) / (b[0][1] - b[0][0])) * W;
  const py = oneD ? (y) => H - ((y - ylo) / (yhi - ylo)) * H : (y) => H - ((y - b[1][0]) / (b[1][1] - b[1][0])) * H;
  if (out && !oneD) {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 0.8;                    // a paler field, so the data points stand out
    ctx.drawImage(mapImage(out, out.confidence), 0, 0, W, H);
    ctx.globalAlpha = 1;
  } else {
    ctx.fillStyle = "#fbfcfc"; ctx.fillRect(0, 0, W, H);
  }
  // axes through zero
  ctx.strokeStyle = "rgba(0,0,0,.12)"; ctx.lineWidth = 1;
  if (b[0][0] < 0 && b[0][1] > 0) { ctx.beginPath(); ctx.moveTo(px(0), 0); ctx.lineTo(px(0), H); ctx.stroke(); }
  const y0 = oneD ? (ylo < 0 && yhi > 0) : (b[1][0] < 0 && b[1][1] > 0);
  if (y0) { ctx.beginPath(); ctx.moveTo(0, py(0)); ctx.lineTo(W, py(0)); ctx.stroke(); }
  const test = new Set(data.test);
  const trainPos = new Map(data.train.map((idx, k) => [idx, k]));
  for (let i = 0; i < data.X.length; i++) {
    const x = data.X[i], y = data.y[i];
    const cx = px(x[0]), cy = oneD ? py(y) : py(x[1]);
    let col;
    if (data.task === "regression" && !oneD) col = diverging(y, Math.min(...data.y), median(data.y), Math.max(...data.y));
    else if (data.task === "regression") col = [40, 50, 56];
    else col = data.task === "binary" ? (y ? POS : NEG) : CLASS_COLORS[y % CLASS_COLORS.length];
    ctx.beginPath(); ctx.arc(cx, cy, data.X.length > 400 ? 2.6 : data.X.length > 60 ? 3.6 : 5.5, 0, 2 * Math.PI);
    if (test.has(i)) { ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = rgb(col); ctx.lineWidth = 1.6; ctx.stroke(); }
    else { ctx.fillStyle = rgb(col); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke(); }
    if (selected !== null && trainPos.get(i) === selected) {
      ctx.beginPath(); ctx.arc(cx, cy, 8, 0, 2 * Math.PI); ctx.strokeStyle = "#111"; ctx.lineWidth = 2; ctx.stroke();
    }
  }
  if (out && oneD && out.values) {
    ctx.strokeStyle = rgb(POS); ctx.lineWidth = 2.5; ctx.beginPath();
    const n = out.values.length;
    out.values.forEach((v, i) => {
      const x = b[0][0] + (i / (n - 1)) * (b[0][1] - b[0][0]);
      if (v === null) return;
      i ? ctx.lineTo(px(x), py(v)) : ctx.moveTo(px(x), py(v));
    });
    ctx.stroke();
  }
  // tick labels
  ctx.fillStyle = "rgba(0,0,0,.55)"; ctx.font = "11px sans-serif";
  ctx.fillText(fmtTick(b[0][0]), 3, H - 4);
  ctx.fillText(fmtTick(b[0][1]), W - 28, H - 4);
  ctx.fillText(fmtTick(oneD ? yhi : b[1][1]), 3, 12);
}

function median(a) { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; }
function fmtTick(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1); }

// Loss curves: training (dark) and test (orange), per epoch.
export function drawChart(canvas, hist, logScale) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const L = 46, R = 8, T = 8, B = 22;
  ctx.clearRect(0, 0, W, H);
  const ep = hist.epoch;
  const series = [[hist.loss, "#1f2a30"], [hist.test_loss, "#e8710a"]];
  const all = [].concat(hist.loss, hist.test_loss).filter((v) => v !== null && Number.isFinite(v) && (!logScale || v > 0));
  ctx.strokeStyle = "#dfe5e8"; ctx.strokeRect(L, T, W - L - R, H - T - B);
  if (!all.length || !ep.length) return;
  let lo = Math.min(...all), hi = Math.max(...all);
  const f = logScale ? Math.log10 : (v) => v;
  lo = f(lo); hi = f(hi);
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  const e0 = ep[0], e1 = Math.max(ep[ep.length - 1], e0 + 1);
  const X = (e) => L + ((e - e0) / (e1 - e0)) * (W - L - R);
  const Y = (v) => T + (1 - (f(v) - lo) / (hi - lo)) * (H - T - B);
  ctx.fillStyle = "#6b7a83"; ctx.font = "10px sans-serif";
  ctx.fillText(fmt(logScale ? 10 ** hi : hi), 2, T + 8);
  ctx.fillText(fmt(logScale ? 10 ** lo : lo), 2, H - B);
  ctx.fillText(`epoch ${e1}`, W - R - 60, H - 6);
  ctx.fillText(`${e0}`, L, H - 6);
  for (const [vals, col] of series) {
    ctx.strokeStyle = col; ctx.lineWidth = 1.6; ctx.beginPath();
    let started = false;
    vals.forEach((v, i) => {
      if (v === null || !Number.isFinite(v) || (logScale && v <= 0)) return;
      started ? ctx.lineTo(X(ep[i]), Y(v)) : ctx.moveTo(X(ep[i]), Y(v));
      started = true;
    });
    ctx.stroke();
  }
}

export function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString();
}

// The error surface: E (log colour) over the grid of two parameters, and the optimizer's path.
export function drawLandscape(canvas, land, path, names) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const L = 44, B = 30, T = 8, R = 76;
  ctx.clearRect(0, 0, W, H);
  if (!land) return;
  const n = land.res, PW = W - L - R, PH = H - T - B;
  const c = document.createElement("canvas");
  c.width = PW; c.height = PH;
  const g = c.getContext("2d"), img = g.createImageData(PW, PH);
  const lo = Math.log(Math.max(land.E_min, 1e-12)), hi = Math.log(Math.max(land.E_max, 1e-12));
  const t = (E) => (E === null ? 1 : hi > lo ? (Math.log(Math.max(E, 1e-12)) - lo) / (hi - lo) : 0);
  const T2 = land.E.map((row) => row.map(t));
  for (let py = 0; py < PH; py++) for (let px = 0; px < PW; px++) {
    // bilinear interpolation of the grid, then 15 colour bands (they read as contour lines)
    const fy = (py / (PH - 1)) * (n - 1), fx = (px / (PW - 1)) * (n - 1);
    const r = Math.min(n - 2, Math.floor(fy)), q = Math.min(n - 2, Math.floor(fx)), dy = fy - r, dx = fx - q;
    const v = (T2[r][q] * (1 - dx) + T2[r][q + 1] * dx) * (1 - dy) + (T2[r + 1][q] * (1 - dx) + T2[r + 1][q + 1] * dx) * dy;
    const col = viridis(Math.round(v * 14) / 14);
    img.data.set([col[0], col[1], col[2], 255], (py * PW + px) * 4);
  }
  g.putImageData(img, 0, 0);
  ctx.drawImage(c, L, T);
  const X = (a) => L + ((a - land.a[0]) / (land.a[1] - land.a[0])) * PW;
  const Y = (b) => T + (1 - (b - land.b[0]) / (land.b[1] - land.b[0])) * PH;
  if (path && path.length) {
    ctx.save(); ctx.beginPath(); ctx.rect(L, T, PW, PH); ctx.clip();
    for (const [w, col] of [[4, "rgba(0,0,0,.55)"], [2, "#fff"]]) {
      ctx.strokeStyle = col; ctx.lineWidth = w; ctx.beginPath();
      path.forEach(([a, b], i) => (i ? ctx.lineTo(X(a), Y(b)) : ctx.moveTo(X(a), Y(b))));
      ctx.stroke();
    }
    const [a0, b0] = path[0], [a1, b1] = path[path.length - 1];
    ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000";
    ctx.beginPath(); ctx.arc(X(a0), Y(b0), 4, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.fillStyle = rgb(NEG); ctx.beginPath(); ctx.arc(X(a1), Y(b1), 5.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.restore();
  }
  ctx.fillStyle = "#1f2a30"; ctx.font = "11px sans-serif";
  ctx.fillText(fmt(land.a[0], 3), L, H - B + 13);
  ctx.fillText(fmt(land.a[1], 3), L + PW - 30, H - B + 13);
  ctx.fillText(names[0], L + PW / 2 - 10, H - 4);
  ctx.fillText(fmt(land.b[1], 3), 2, T + 10);
  ctx.fillText(fmt(land.b[0], 3), 2, T + PH);
  ctx.save(); ctx.translate(12, T + PH / 2 + 10); ctx.rotate(-Math.PI / 2); ctx.fillText(names[1], 0, 0); ctx.restore();
  // colour bar
  for (let i = 0; i < PH; i++) {
    const col = viridis(Math.round((1 - i / PH) * 14) / 14);
    ctx.fillStyle = rgb(col); ctx.fillRect(W - R + 10, T + i, 12, 1);
  }
  ctx.fillStyle = "#1f2a30";
  ctx.fillText(fmt(land.E_max, 3), W - R + 25, T + 9);
  ctx.fillText(fmt(land.E_min, 3), W - R + 25, T + PH);
  ctx.fillText("E", W - R + 12, T + PH + 14);
}

// A histogram of counts over [range[0], range[1]] (the initial weights of one layer under one scheme).
export function drawHistogram(canvas, counts, range, highlight) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = highlight ? "#eef4f8" : "#fafbfb"; ctx.fillRect(0, 0, W, H);
  const top = Math.max(1, ...counts), bw = (W - 4) / counts.length;
  ctx.fillStyle = highlight ? rgb(POS) : "#8796a0";
  counts.forEach((c, i) => {
    const h = (c / top) * (H - 14);
    ctx.fillRect(2 + i * bw, H - 12 - h, Math.max(1, bw - 1), h);
  });
  ctx.fillStyle = "#6b7a83"; ctx.font = "9px sans-serif";
  ctx.fillText(fmt(range[0], 2), 1, H - 2);
  const right = fmt(range[1], 2);
  ctx.fillText(right, W - 4 - right.length * 5, H - 2);
  ctx.strokeStyle = "rgba(0,0,0,.25)"; ctx.beginPath(); ctx.moveTo(W / 2, 0); ctx.lineTo(W / 2, H - 12); ctx.stroke();
}
