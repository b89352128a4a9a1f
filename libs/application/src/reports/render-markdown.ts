import type { HqReport } from './report.model';
import type { Cell } from './report-sections';
import { bilingual, periodLabel, REPORT_TITLE, reportSections } from './report-sections';

/**
 * Text from the log (names, seal values) could carry Markdown or HTML: every cell is escaped so a value stays a
 * value — inline markup (emphasis, code, links, tables, strike-through) backslash-escaped, `<`/`>`/`&` as
 * entities, no line breaks inside a table row. Dates and numbers need no escaping and read as written.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const cell = (value: Cell): string =>
  value === null ? '—' : typeof value === 'number' ? String(value) : escapeMarkdown(value);

export function renderMarkdown(report: HqReport): string {
  const lines: string[] = [
    `# ${escapeMarkdown(REPORT_TITLE)}`,
    '',
    `- ${bilingual('報告ID', 'Report id')}: ${escapeMarkdown(report.reportId)}`,
    `- ${bilingual('対象期間', 'Period')}: ${escapeMarkdown(periodLabel(report))}`,
    `- ${bilingual('ログ位置', 'Log position')}: ${escapeMarkdown(report.atPosition)}`,
  ];
  for (const section of reportSections(report)) {
    lines.push('', `## ${escapeMarkdown(section.title)}`);
    if (section.note !== undefined) lines.push('', escapeMarkdown(section.note));
    for (const table of section.tables) {
      lines.push('', `| ${table.headers.map(cell).join(' | ')} |`);
      lines.push(`|${table.headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
      for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
      if (table.rows.length === 0) lines.push(`| ${table.headers.map(() => '—').join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
