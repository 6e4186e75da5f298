/**
 * The model report's charts as inline SVG drawn on the server: a line chart (ROC, calibration, gain), a
 * bar chart (lift, score distribution) and a scatter (the segment map). No script, no asset, nothing a
 * locked-down admin browser could block, and the same numbers are always in a table beside each chart.
 *
 * Text never overlaps: tick labels are placed at fixed fractions of the axis (never at data points),
 * legends sit in their own row under the plot, and a bar's value label is drawn only where it fits.
 */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color: string;
  dashed?: boolean;
  /** Draw the points as dots too (calibration bins). */
  dots?: boolean;
}

interface Frame {
  width: number;
  height: number;
  /** Plot area inside the margins. */
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const FONT = 'font-family="system-ui,sans-serif" font-size="11" fill="#333"';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/0$/, '').replace(/\.0$/, ''));

function frame(width: number, height: number, legendRows: number): Frame {
  return { width, height, left: 48, top: 12, right: width - 14, bottom: height - 40 - legendRows * 16 };
}

function svgOpen(label: string, f: Frame): string {
  return `<svg role="img" aria-label="${escapeXml(label)}" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" style="max-width:100%;height:auto">`;
}

function axes(f: Frame, x: { min: number; max: number; label: string }, y: { min: number; max: number; label: string }, ticks = 5): string {
  const out: string[] = [`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= ticks; i++) {
    const t = i / ticks;
    const px = f.left + t * (f.right - f.left);
    const py = f.bottom - t * (f.bottom - f.top);
    out.push(`<line x1="${px}" y1="${f.bottom}" x2="${px}" y2="${f.bottom + 4}" stroke="#999"/>`);
    out.push(`<text x="${px}" y="${f.bottom + 15}" text-anchor="middle" ${FONT}>${fmt(x.min + t * (x.max - x.min))}</text>`);
    out.push(`<line x1="${f.left - 4}" y1="${py}" x2="${f.left}" y2="${py}" stroke="#999"/>`);
    out.push(`<text x="${f.left - 6}" y="${py + 4}" text-anchor="end" ${FONT}>${fmt(y.min + t * (y.max - y.min))}</text>`);
    if (i > 0 && i < ticks) out.push(`<line x1="${f.left}" y1="${py}" x2="${f.right}" y2="${py}" stroke="#eee"/>`);
  }
  out.push(`<text x="${(f.left + f.right) / 2}" y="${f.bottom + 30}" text-anchor="middle" ${FONT}>${escapeXml(x.label)}</text>`);
  out.push(`<text transform="translate(11 ${(f.top + f.bottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(y.label)}</text>`);
  return out.join('');
}

/** One legend entry per row under the plot: long names never run into each other. */
function legend(f: Frame, entries: ReadonlyArray<{ name: string; color: string; dashed?: boolean }>): string {
  return entries
    .map((e, i) => {
      const y = f.bottom + 46 + i * 16;
      return `<line x1="${f.left}" y1="${y - 4}" x2="${f.left + 18}" y2="${y - 4}" stroke="${e.color}" stroke-width="3"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>` +
        `<text x="${f.left + 24}" y="${y}" ${FONT}>${escapeXml(e.name)}</text>`;
    })
    .join('');
}

export function lineChart(options: {
  label: string;
  series: readonly Series[];
  x: { min: number; max: number; label: string };
  y: { min: number; max: number; label: string };
  width?: number;
  height?: number;
}): string {
  const { series, x, y } = options;
  const f = frame(options.width ?? 420, options.height ?? 300, series.length);
  const sx = (v: number) => f.left + ((v - x.min) / (x.max - x.min || 1)) * (f.right - f.left);
  const sy = (v: number) => f.bottom - ((Math.min(y.max, Math.max(y.min, v)) - y.min) / (y.max - y.min || 1)) * (f.bottom - f.top);
  const lines = series
    .map((s) => {
      const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
      const path = pts.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${sx(a).toFixed(1)} ${sy(b).toFixed(1)}`).join('');
      const dots = s.dots ? pts.map(([a, b]) => `<circle cx="${sx(a).toFixed(1)}" cy="${sy(b).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeXml(`${s.name}: ${fmt(a)}, ${fmt(b)}`)}</title></circle>`).join('') : '';
      return `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>${dots}`;
    })
    .join('');
  return `${svgOpen(options.label, f)}${axes(f, x, y)}${lines}${legend(f, series)}</svg>`;
}

export interface Bar {
  label: string;
  /** Stacked from the bottom, in the order of `stack`. */
  values: readonly number[];
}

export function barChart(options: {
  label: string;
  bars: readonly Bar[];
  stack: ReadonlyArray<{ name: string; color: string }>;
  x: string;
  y: string;
  width?: number;
  height?: number;
  /** A horizontal reference line (lift 1 = no better than random). */
  reference?: { value: number; name: string };
}): string {
  const { bars, stack } = options;
  const entries = [...stack, ...(options.reference ? [{ name: options.reference.name, color: '#dc2626', dashed: true }] : [])];
  const f = frame(options.width ?? 420, options.height ?? 300, entries.length);
  const totals = bars.map((b) => b.values.reduce((s, v) => s + (Number.isFinite(v) ? v : 0), 0));
  const max = Math.max(options.reference?.value ?? 0, ...totals) || 1;
  const slot = (f.right - f.left) / Math.max(1, bars.length);
  const sy = (v: number) => f.bottom - (v / max) * (f.bottom - f.top);
  const out: string[] = [`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<text x="${f.left - 6}" y="${sy(v) + 4}" text-anchor="end" ${FONT}>${fmt(v)}</text>`);
    if (i > 0 && i < 4) out.push(`<line x1="${f.left}" y1="${sy(v)}" x2="${f.right}" y2="${sy(v)}" stroke="#eee"/>`);
  }
  // every label when they fit (about 7 px per character), otherwise every second, third...
  const widest = Math.max(1, ...bars.map((b) => b.label.length)) * 7 + 4;
  const every = Math.max(1, Math.ceil(widest / slot));
  bars.forEach((bar, i) => {
    const x = f.left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    let base = 0;
    bar.values.forEach((v, j) => {
      if (!(v > 0)) return;
      out.push(`<rect x="${x.toFixed(1)}" y="${sy(base + v).toFixed(1)}" width="${w.toFixed(1)}" height="${(sy(base) - sy(base + v)).toFixed(1)}" fill="${stack[j]?.color ?? '#888'}"><title>${escapeXml(`${bar.label} · ${stack[j]?.name ?? ''}: ${fmt(v)}`)}</title></rect>`);
      base += v;
    });
    if (i % every === 0) out.push(`<text x="${(x + w / 2).toFixed(1)}" y="${f.bottom + 15}" text-anchor="middle" ${FONT}>${escapeXml(bar.label)}</text>`);
  });
  if (options.reference) {
    const y = sy(options.reference.value).toFixed(1);
    out.push(`<line x1="${f.left}" y1="${y}" x2="${f.right}" y2="${y}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
  }
  out.push(`<text x="${(f.left + f.right) / 2}" y="${f.bottom + 30}" text-anchor="middle" ${FONT}>${escapeXml(options.x)}</text>`);
  out.push(`<text transform="translate(11 ${(f.top + f.bottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(options.y)}</text>`);
  return `${svgOpen(options.label, f)}${out.join('')}${legend(f, entries)}</svg>`;
}

export function scatterChart(options: {
  label: string;
  points: ReadonlyArray<{ x: number; y: number; group: number }>;
  groups: ReadonlyArray<{ name: string; color: string }>;
  x: string;
  y: string;
  width?: number;
  height?: number;
}): string {
  const f = frame(options.width ?? 420, options.height ?? 320, options.groups.length);
  const xs = options.points.map((p) => p.x);
  const ys = options.points.map((p) => p.y);
  const pad = (lo: number, hi: number) => (hi > lo ? [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05] : [lo - 1, hi + 1]) as [number, number];
  const [x0, x1] = pad(Math.min(0, ...xs), Math.max(0, ...xs));
  const [y0, y1] = pad(Math.min(0, ...ys), Math.max(0, ...ys));
  const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
  const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
  const dots = options.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.5" fill="${options.groups[p.group]?.color ?? '#888'}" fill-opacity="0.6"/>`).join('');
  return `${svgOpen(options.label, f)}${axes(f, { min: x0, max: x1, label: options.x }, { min: y0, max: y1, label: options.y }, 4)}${dots}${legend(f, options.groups)}</svg>`;
}

/** Distinct colours for groups (segments), colour-blind friendly first (Okabe-Ito), then greys. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
export const colourOf = (i: number) => PALETTE[i] ?? `hsl(${(i * 47) % 360} 40% 50%)`;
