import { escapeHtml } from './escape-html';

/**
 * Inline SVG charts for the HTML report. Colours and lines are presentation attributes, never `style=""`: the page
 * must render under a CSP that allows no inline style attributes. Every label is escaped.
 */
export interface Series {
  readonly name: string;
  readonly colour: string;
  readonly values: readonly number[];
}

const W = 720;
const H = 300;
const M = { top: 36, right: 20, bottom: 60, left: 50 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** A round step for about five grid lines up to `max`. */
function yScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const whole = Math.max(1, Math.round(step));
  return { top: Math.ceil(max / whole) * whole, step: whole };
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

function frame(id: string, title: string, body: string[], xLabels: readonly string[], max: number): string {
  const { top, step } = yScale(max);
  const y = (v: number): number => M.top + PLOT_H - (v / top) * PLOT_H;
  const grid: string[] = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(
      `<line x1="${M.left}" y1="${fmt(y(v))}" x2="${W - M.right}" y2="${fmt(y(v))}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${M.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" font-size="11" fill="#333">${v}</text>`,
    );
  }
  const slot = xLabels.length === 0 ? PLOT_W : PLOT_W / xLabels.length;
  const labels = xLabels.map((label, i) => {
    const x = M.left + slot * (i + 0.5);
    return `<text x="${fmt(x)}" y="${H - M.bottom + 16}" text-anchor="end" font-size="10" fill="#333" transform="rotate(-35 ${fmt(x)} ${H - M.bottom + 16})">${escapeHtml(label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(id)}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${escapeHtml(id)}-title">`,
    `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title>`,
    ...grid,
    `<line x1="${M.left}" y1="${M.top + PLOT_H}" x2="${W - M.right}" y2="${M.top + PLOT_H}" stroke="#333" stroke-width="1"/>`,
    ...body,
    ...labels,
    '</svg>',
  ].join('\n');
}

function legend(series: readonly Series[]): string[] {
  return series.flatMap((s, i) => {
    // Above the plot: the x labels below it are rotated and would run into a legend there.
    const x = M.left + i * 200;
    const yy = 16;
    return [
      `<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${s.colour}"/>`,
      `<text x="${x + 18}" y="${yy + 1}" font-size="11" fill="#333">${escapeHtml(s.name)}</text>`,
    ];
  });
}

/** Values over evenly spaced points (dates), one polyline per series. */
export function lineChart(
  id: string,
  title: string,
  xLabels: readonly string[],
  series: readonly Series[],
): string {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const { top } = yScale(max);
  const slot = xLabels.length === 0 ? PLOT_W : PLOT_W / xLabels.length;
  const x = (i: number): number => M.left + slot * (i + 0.5);
  const y = (v: number): number => M.top + PLOT_H - (v / top) * PLOT_H;
  const body = series.flatMap((s) => [
    `<polyline class="series" fill="none" stroke="${s.colour}" stroke-width="2" points="${s.values.map((v, i) => `${fmt(x(i))},${fmt(y(v))}`).join(' ')}"/>`,
    ...s.values.map(
      (v, i) =>
        `<circle cx="${fmt(x(i))}" cy="${fmt(y(v))}" r="3" fill="${s.colour}"><title>${escapeHtml(`${s.name} ${xLabels[i] ?? ''}: ${v}`)}</title></circle>`,
    ),
  ]);
  return frame(id, title, [...body, ...legend(series)], xLabels, max);
}

/** Grouped bars: one group per label, one bar per series. */
export function barChart(
  id: string,
  title: string,
  xLabels: readonly string[],
  series: readonly Series[],
): string {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const { top } = yScale(max);
  const slot = xLabels.length === 0 ? PLOT_W : PLOT_W / xLabels.length;
  const barW = (slot * 0.7) / Math.max(1, series.length);
  const body = xLabels.flatMap((label, i) =>
    series.map((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / top) * PLOT_H;
      const x = M.left + slot * i + slot * 0.15 + j * barW;
      return `<rect class="bar" x="${fmt(x)}" y="${fmt(M.top + PLOT_H - h)}" width="${fmt(barW)}" height="${fmt(h)}" fill="${s.colour}"><title>${escapeHtml(`${s.name} ${label}: ${v}`)}</title></rect>`;
    }),
  );
  return frame(id, title, [...body, ...legend(series)], xLabels, max);
}
