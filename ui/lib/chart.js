// @ts-check
// A session's energy over time as an inline SVG line chart: kWh up, clock time across. Drawn
// from the points GET /transactions/{id}/energy gives; no chart library.

const SVG = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round step for axis ticks near range / 4. @param {number} range */
function step(range) {
  const raw = range / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
}

/**
 * @param {{at: string, energyWh: number}[]} points in time order
 * @returns {SVGSVGElement}
 */
export function energyChart(points) {
  const width = 640;
  const height = 260;
  const pad = { left: 56, right: 16, top: 16, bottom: 36 };
  const svg = /** @type {SVGSVGElement} */ (el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' }));
  const data = points.map((p) => ({ t: Date.parse(p.at), kwh: p.energyWh / 1000 })).filter((p) => !Number.isNaN(p.t));
  const last = data[data.length - 1];
  svg.appendChild(el('title', {}, last ? `Energy delivered: ${last.kwh.toFixed(3)} kWh` : 'No energy reported yet'));
  if (data.length === 0 || !last) {
    svg.appendChild(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No meter values yet'));
    return svg;
  }
  const t0 = data[0]?.t ?? last.t;
  const t1 = Math.max(last.t, t0 + 1000);
  const yStep = step(Math.max(last.kwh, ...data.map((d) => d.kwh), 0.001));
  const yMax = Math.ceil(Math.max(...data.map((d) => d.kwh), 0.001) / yStep) * yStep;
  const x = (/** @type {number} */ t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (/** @type {number} */ kwh) => height - pad.bottom - (kwh / yMax) * (height - pad.top - pad.bottom);

  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    svg.appendChild(el('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'chart-grid' }));
    svg.appendChild(el('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-label' }, `${+v.toFixed(3)}`));
  }
  svg.appendChild(el('text', { x: 4, y: pad.top - 4, class: 'chart-label' }, 'kWh'));
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + ((t1 - t0) * i) / ticks;
    const label = new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    svg.appendChild(el('text', { x: x(t), y: height - pad.bottom + 18, 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle', class: 'chart-label' }, label));
  }
  const path = data.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(d.t).toFixed(1)},${y(d.kwh).toFixed(1)}`).join(' ');
  svg.appendChild(el('path', { d: `${path} L${x(last.t).toFixed(1)},${y(0)} L${x(t0).toFixed(1)},${y(0)} Z`, class: 'chart-area' }));
  svg.appendChild(el('path', { d: path, class: 'chart-line' }));
  for (const d of data) svg.appendChild(el('circle', { cx: x(d.t), cy: y(d.kwh), r: 3, class: 'chart-point' }));
  return svg;
}
