/**
 * Tiny server-side SVG charts for the HTML report: no scripts, no fonts, no network, so the report
 * opens anywhere (and in CI artifacts) exactly as generated.
 */

export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export const PALETTE = ['#4f6bed', '#e8833a', '#2ca58d', '#d64550', '#8a5cf5', '#8c8c8c'];

export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
}

const W = 560;
const H = 260;
const PAD = { l: 56, r: 16, t: 28, b: 44 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

function frame(title: string, body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}" class="chart"><title>${esc(title)}</title><text x="${PAD.l}" y="18" class="chart-title">${esc(title)}</text>${body}</svg>`;
}

function yAxis(max: number, fmt: (v: number) => string): string {
  let out = '';
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = H - PAD.b - ((H - PAD.t - PAD.b) * i) / 4;
    out += `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" class="grid"/><text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" class="tick">${esc(fmt(v))}</text>`;
  }
  return out;
}

function legend(series: { name: string; color: string }[]): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${W - PAD.r - 150}" y="${PAD.t + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${W - PAD.r - 136}" y="${PAD.t + 9 + i * 16}" class="tick">${esc(s.name)}</text>`,
    )
    .join('');
}

/**
 * Percentile curves: x = percentile on a "nines" scale (0, 50, 90, 99, 99.9 equally spaced), y = ms.
 * The nines scale is how latency tails are read; a linear axis would squash everything past p90.
 */
export function percentileChart(title: string, series: Series[], unit = 'ms'): string {
  const xOf = (p: number) => Math.min(4, -Math.log10(Math.max(1e-4, 1 - p / 100)));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0)
    return frame(
      title,
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="tick">no data</text>`,
      `${title}: no data`,
    );
  const ymax = niceMax(Math.max(...all.map(([, v]) => v)));
  const xmax = 3.2;
  const px = (p: number) => PAD.l + ((W - PAD.l - PAD.r) * Math.min(xOf(p), xmax)) / xmax;
  const py = (v: number) => H - PAD.b - ((H - PAD.t - PAD.b) * v) / ymax;
  let body = yAxis(ymax, (v) => `${+v.toPrecision(3)}${unit === 'ms' ? '' : ''}`);
  for (const p of [0, 50, 90, 99, 99.9]) {
    body += `<text x="${px(p)}" y="${H - PAD.b + 16}" text-anchor="middle" class="tick">p${p}</text>`;
  }
  body += `<text x="${(W + PAD.l) / 2}" y="${H - 6}" text-anchor="middle" class="axis">percentile</text><text x="14" y="${(H - PAD.b + PAD.t) / 2}" transform="rotate(-90 14 ${(H - PAD.b + PAD.t) / 2})" text-anchor="middle" class="axis">${esc(unit)}</text>`;
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points
      .filter(([p]) => xOf(p) <= xmax)
      .map(([p, v]) => `${px(p).toFixed(1)},${py(v).toFixed(1)}`);
    if (pts.length)
      body += `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2" class="series"/>`;
    for (const pt of pts) {
      const [x, y] = pt.split(',');
      body += `<circle cx="${x}" cy="${y}" r="2.5" fill="${color}"/>`;
    }
  });
  body += legend(series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length]! })));
  return frame(title, body, `${title}: percentile curves for ${series.map((s) => s.name).join(', ')}`);
}

export interface BarGroup {
  label: string;
  values: number[];
}

/** Grouped (or, with `stacked`, stacked) vertical bars. */
export function barChart(
  title: string,
  groups: BarGroup[],
  seriesNames: string[],
  options: { stacked?: boolean; unit?: string; colors?: string[] } = {},
): string {
  const colors = options.colors ?? PALETTE;
  if (groups.length === 0)
    return frame(
      title,
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="tick">no data</text>`,
      `${title}: no data`,
    );
  const totals = groups.map((g) =>
    options.stacked ? g.values.reduce((a, b) => a + b, 0) : Math.max(...g.values),
  );
  const ymax = niceMax(Math.max(...totals, 0));
  const plotW = W - PAD.l - PAD.r;
  const slot = plotW / groups.length;
  const py = (v: number) => ((H - PAD.t - PAD.b) * v) / ymax;
  let body = yAxis(ymax, (v) => `${+v.toPrecision(3)}`);
  groups.forEach((g, gi) => {
    const x0 = PAD.l + gi * slot + slot * 0.15;
    const width = slot * 0.7;
    if (options.stacked) {
      let acc = 0;
      g.values.forEach((v, si) => {
        const h = py(v);
        const y = H - PAD.b - py(acc) - h;
        acc += v;
        if (v > 0)
          body += `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[si % colors.length]}" class="bar"><title>${esc(`${g.label} · ${seriesNames[si]}: ${v}`)}</title></rect>`;
      });
    } else {
      const bw = width / g.values.length;
      g.values.forEach((v, si) => {
        const h = py(v);
        body += `<rect x="${(x0 + si * bw).toFixed(1)}" y="${(H - PAD.b - h).toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[si % colors.length]}" class="bar"><title>${esc(`${g.label} · ${seriesNames[si]}: ${v}`)}</title></rect>`;
      });
    }
    const lx = x0 + width / 2;
    body += `<text x="${lx.toFixed(1)}" y="${H - PAD.b + 14}" text-anchor="end" transform="rotate(-30 ${lx.toFixed(1)} ${H - PAD.b + 14})" class="tick">${esc(g.label)}</text>`;
  });
  if (seriesNames.length > 1)
    body += legend(seriesNames.map((n, i) => ({ name: n, color: colors[i % colors.length]! })));
  return frame(title, body, `${title}: ${groups.length} groups of ${seriesNames.join(', ')}`);
}

/** A single horizontal 100 % bar split into labelled parts (cache hits vs misses, event fates). */
export function proportionBar(
  title: string,
  parts: { label: string; value: number; color?: string }[],
): string {
  const total = parts.reduce((s, p) => s + p.value, 0);
  const h = 96;
  const x0 = 16;
  const width = W - 32;
  let x = x0;
  let body = '';
  if (total === 0) body = `<text x="${W / 2}" y="60" text-anchor="middle" class="tick">no data</text>`;
  parts.forEach((p, i) => {
    const color = p.color ?? PALETTE[i % PALETTE.length]!;
    const w = total ? (width * p.value) / total : 0;
    if (w > 0)
      body += `<rect x="${x.toFixed(1)}" y="30" width="${w.toFixed(1)}" height="26" fill="${color}" class="bar"><title>${esc(`${p.label}: ${p.value}`)}</title></rect>`;
    x += w;
    body += `<rect x="${x0 + i * 140}" y="70" width="10" height="10" fill="${color}"/><text x="${x0 + 14 + i * 140}" y="79" class="tick">${esc(`${p.label}: ${p.value}`)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(`${title}: ${parts.map((p) => `${p.label} ${p.value}`).join(', ')}`)}" class="chart"><title>${esc(title)}</title><text x="16" y="18" class="chart-title">${esc(title)}</text>${body}</svg>`;
}
