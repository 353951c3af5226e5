// Line charts drawn as SVG by hand: a few series over time, y from 0 to the
// maximum, labelled axes. Enough for rates and lag over the last minutes.

export interface Series {
  label: string;
  color: string;
  points: [t: number, v: number][];
}

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 160;
const PAD = { left: 48, right: 8, top: 10, bottom: 20 };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function label(v: number): string {
  if (v >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Draws `series` over the window [now - windowMs, now] into a fresh SVG. */
export function lineChart(series: Series[], now: number, windowMs: number): SVGSVGElement {
  const svg = el('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
  const t0 = now - windowMs;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.filter(([t]) => t >= t0).map(([, v]) => v))));
  const x = (t: number): number => PAD.left + ((t - t0) / windowMs) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(el('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    const text = el('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 3, 'text-anchor': 'end' });
    text.textContent = label(v);
    svg.append(text);
  }
  // Time ticks: every minute over long windows, every 10 s over short ones.
  const step = windowMs > 3 * 60000 ? 60000 : windowMs > 60000 ? 30000 : 10000;
  for (let ago = 0; ago <= windowMs; ago += step) {
    const text = el('text', { class: 'axis', x: x(now - ago), y: H - 5, 'text-anchor': ago === 0 ? 'end' : 'middle' });
    text.textContent = ago === 0 ? 'now' : ago % 60000 === 0 ? `-${ago / 60000}m` : `-${ago / 1000}s`;
    svg.append(text);
  }
  for (const s of series) {
    const pts = s.points.filter(([t]) => t >= t0);
    if (pts.length === 0) continue;
    const line = pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    svg.append(el('polygon', { class: 'area', fill: s.color, points: `${x(first[0])},${y(0)} ${line} ${x(last[0])},${y(0)}` }));
    svg.append(el('polyline', { class: 'line', stroke: s.color, points: line, 'vector-effect': 'non-scaling-stroke' }));
  }
  return svg;
}
