import { createHash } from 'node:crypto';
import { escapeHtml } from './escape-html';
import type { HqReport } from './report.model';
import type { Cell } from './report-sections';
import { bilingual, periodLabel, REPORT_TITLE, reportSections, TRACK_LABELS } from './report-sections';
import { barChart, lineChart } from './render-svg';

/**
 * One self-contained page: no script, no external resource, one inline stylesheet allowed by its hash. The page
 * carries its own Content-Security-Policy, so it stays locked down when saved and opened from disk.
 */
const STYLE = `
body { font-family: "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.5rem; border-bottom: 2px solid #0b5394; padding-bottom: .4rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; color: #0b5394; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; font-size: .85rem; }
th { background: #f6f8fa; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: bold; }
.note { color: #57606a; font-size: .85rem; }
svg.chart { display: block; margin: .6rem 0; max-width: 100%; height: auto; }
`;

export const REPORT_HTML_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`;

/** The policy the page declares for itself, and the one a server should send with it. */
export const REPORT_HTML_CSP = `default-src 'none'; style-src '${REPORT_HTML_STYLE_HASH}'; base-uri 'none'; form-action 'none'`;

const ISMAP_COLOUR = '#0b5394';
const LIU_COLOUR = '#e69138';
const AUDIT_COLOUR = '#6aa84f';

function td(value: Cell): string {
  if (value === null) return '<td class="num">—</td>';
  if (typeof value === 'number') return `<td class="num">${value}</td>`;
  return `<td>${escapeHtml(value)}</td>`;
}

function charts(report: HqReport): Record<string, string> {
  const sizes = report.listSizeOverTime;
  const quarters = report.registrationsPerQuarter;
  const bins = report.leadTimes.histogram;
  return {
    'list-size': lineChart(
      'chart-list-size',
      bilingual('登録数の推移', 'List size over time'),
      sizes.map((p) => p.date),
      [
        { name: TRACK_LABELS.ISMAP, colour: ISMAP_COLOUR, values: sizes.map((p) => p.ISMAP) },
        { name: TRACK_LABELS.ISMAP_LIU, colour: LIU_COLOUR, values: sizes.map((p) => p.ISMAP_LIU) },
        {
          name: bilingual('監査機関', 'Audit bodies'),
          colour: AUDIT_COLOUR,
          values: sizes.map((p) => p.auditBodies),
        },
      ],
    ),
    quarters: barChart(
      'chart-quarters',
      bilingual('四半期別の新規登録', 'Registrations per quarter'),
      quarters.map((q) => q.label),
      [
        { name: TRACK_LABELS.ISMAP, colour: ISMAP_COLOUR, values: quarters.map((q) => q.ISMAP) },
        { name: TRACK_LABELS.ISMAP_LIU, colour: LIU_COLOUR, values: quarters.map((q) => q.ISMAP_LIU) },
      ],
    ),
    'lead-times': barChart(
      'chart-lead-times',
      bilingual('審査期間の分布（申請→決定）', 'Lead-time distribution, submission → ruling'),
      bins.map((b) => `${b.fromDays}–${b.toDays - 1}`),
      [
        {
          name: bilingual('申請数', 'Applications'),
          colour: ISMAP_COLOUR,
          values: bins.map((b) => b.count),
        },
      ],
    ),
  };
}

export function renderHtml(report: HqReport): string {
  const svg = charts(report);
  const body: string[] = [
    `<h1>${escapeHtml(REPORT_TITLE)}</h1>`,
    '<dl>',
    `<dt>${escapeHtml(bilingual('報告ID', 'Report id'))}</dt><dd>${escapeHtml(report.reportId)}</dd>`,
    `<dt>${escapeHtml(bilingual('対象期間', 'Period'))}</dt><dd>${escapeHtml(periodLabel(report))}</dd>`,
    `<dt>${escapeHtml(bilingual('ログ位置', 'Log position'))}</dt><dd>${escapeHtml(report.atPosition)}</dd>`,
    '</dl>',
  ];
  for (const section of reportSections(report)) {
    body.push(`<section id="${escapeHtml(section.id)}">`, `<h2>${escapeHtml(section.title)}</h2>`);
    if (section.note !== undefined) body.push(`<p class="note">${escapeHtml(section.note)}</p>`);
    const chart = svg[section.id];
    if (chart !== undefined) body.push(chart);
    for (const table of section.tables) {
      body.push(
        '<table>',
        `<thead><tr>${table.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
        `<tbody>${table.rows.map((row) => `<tr>${row.map(td).join('')}</tr>`).join('\n')}</tbody>`,
        '</table>',
      );
    }
    body.push('</section>');
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="ja">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_HTML_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${REPORT_TITLE} ${periodLabel(report)}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
