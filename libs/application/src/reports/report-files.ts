import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportFile } from '@ismap/domain';
import type { HqReport } from './report.model';
import { CSV_TABLES, renderCsvTables } from './render-csv';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';

export const REPORT_CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;
export type ReportFormat = keyof typeof REPORT_CONTENT_TYPES;

/** The file names a compiled report holds: report.json, report.md, report.html and one `<table>.csv` per table. */
export const fileNameOf = (format: ReportFormat, table?: string): string =>
  format === 'csv' ? `${table ?? ''}.csv` : `report.${format}`;

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every rendering of the report, as the bytes that are written, hashed and served. */
export function renderReportFiles(report: HqReport): { file: ReportFile; bytes: Buffer }[] {
  const csv = renderCsvTables(report);
  const texts: [string, ReportFormat, string][] = [
    [fileNameOf('json'), 'json', `${JSON.stringify(report, null, 2)}\n`],
    [fileNameOf('md'), 'md', renderMarkdown(report)],
    ...CSV_TABLES.map((t): [string, ReportFormat, string] => [fileNameOf('csv', t), 'csv', csv[t]]),
    [fileNameOf('html'), 'html', renderHtml(report)],
  ];
  return texts.map(([name, format, text]) => {
    const bytes = Buffer.from(text, 'utf8');
    return {
      file: {
        name,
        contentType: REPORT_CONTENT_TYPES[format],
        bytes: bytes.length,
        sha256: sha256Hex(bytes),
      },
      bytes,
    };
  });
}

/** `DATA_DIR/reports/<reportId>`; the id is a UUID checked at the edge, never a path. */
export const reportDir = (dataDir: string, reportId: string): string => join(dataDir, 'reports', reportId);

/**
 * Writes the files into a fresh directory and moves it into place in one rename, so a reader never sees half a
 * report; a retried job replaces what an interrupted one left behind.
 */
export async function writeReportFiles(
  dataDir: string,
  reportId: string,
  files: readonly { file: ReportFile; bytes: Buffer }[],
): Promise<void> {
  const dir = reportDir(dataDir, reportId);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const { file, bytes } of files) await writeFile(join(staging, file.name), bytes, { flag: 'wx' });
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
}

export type VerifiedFile =
  | { readonly ok: true; readonly bytes: Buffer; readonly file: ReportFile }
  | { readonly ok: false; readonly reason: 'missing' | 'tampered' };

/** Reads one file of a compiled report and checks it against the SHA-256 its ReportCompiled event recorded. */
export async function readVerifiedFile(
  dataDir: string,
  reportId: string,
  file: ReportFile,
): Promise<VerifiedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(reportDir(dataDir, reportId), file.name));
  } catch {
    return { ok: false, reason: 'missing' };
  }
  return sha256Hex(bytes) === file.sha256 ? { ok: true, bytes, file } : { ok: false, reason: 'tampered' };
}
