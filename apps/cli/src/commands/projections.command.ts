import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import type { AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { ParkedEvent, ParkedList, Projection, ProjectionStatus, RetryResult } from '@ismap/read-models';
import {
  headPosition,
  readParkedLists,
  readProjectionStatus,
  retryDidNothing,
  retryParked,
} from '@ismap/read-models';
import { UsageError } from '../args';
import { withApplication } from '../application-context';
import { abortOnSignals, selectProjections } from './rebuild.command';

function stateOf(status: ProjectionStatus): string {
  if (status.halted !== undefined) return `halted at ${status.halted.position}`;
  if (status.upgrade?.halted !== undefined) {
    return `upgrade to v${status.upgrade.version} halted at ${status.upgrade.halted.position}`;
  }
  if (status.rebuilding) return 'rebuilding';
  if (status.generation === undefined) return 'not started';
  if (status.liveVersion !== undefined && status.liveVersion > status.version) {
    return `built by v${status.liveVersion}, newer than this code`;
  }
  if (status.liveVersion !== status.version) return `built by v${status.liveVersion ?? '?'}, rebuild due`;
  return status.leased ? 'running' : 'no runner';
}

/** A plain text table: one row per projection. */
export function formatProjectionTable(statuses: readonly ProjectionStatus[]): string {
  const rows = [
    ['projection', 'version', 'live gen', 'checkpoint', 'lag', 'parked', 'state'],
    ...statuses.map((s) => [
      s.name,
      String(s.version),
      s.generation === undefined ? '-' : String(s.generation),
      s.checkpoint ?? '-',
      s.lag.toString(),
      // A halted upgrade's events count: they are what holds it up (`projections parked` tells them apart).
      String(s.parked + (s.upgrade?.parked ?? 0)),
      stateOf(s),
    ]),
  ];
  return alignColumns(rows, new Set([1, 2, 3, 4, 5]));
}

function alignColumns(rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function projectionStatuses(
  store: EventStore,
  redis: Redis,
  keyPrefix: string,
  projections: readonly Projection[],
): Promise<ProjectionStatus[]> {
  return headPosition(store).then((head) =>
    Promise.all(projections.map((p) => readProjectionStatus(store, redis, keyPrefix, p, head))),
  );
}

/** Errors are kept whole in Redis (up to 2,000 characters, stack-free); a listing shows their first line's worth. */
export const ERROR_COLUMN_WIDTH = 160;

/** One line however the error was written: whitespace runs (newlines too) become one space, then truncated. */
export function oneLine(text: string, width = ERROR_COLUMN_WIDTH): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/** What a retry prints as it goes, for an event that still fails. */
export function formatRetryFailure(parked: ParkedEvent, error: string): string {
  return `  ${parked.position}  ${parked.type}  ${parked.eventId}  ${oneLine(error)}`;
}

export function formatRetry(result: RetryResult): string[] {
  const name = result.projection;
  if (retryDidNothing(result)) return [`${name}: nothing parked`];
  const lines: string[] = [];
  if (result.skipped !== undefined) lines.push(`${name}: live parked events not retried: ${result.skipped}`);
  if (result.replayed + result.failed > 0 || result.resumed) {
    lines.push(
      `${name}: ${result.replayed} replayed, ${result.failed} still parked` +
        (result.resumed ? '; resumed' : ''),
    );
  }
  const upgrade = result.upgrade;
  if (upgrade !== undefined) {
    lines.push(
      `${name} (upgrade to v${upgrade.version}, generation ${upgrade.generation}): ${upgrade.replayed} ` +
        `replayed, ${upgrade.failed} still parked` +
        (upgrade.resumed ? '; the worker resumes the upgrade' : ''),
    );
  }
  return lines;
}

/** `projections parked`: per projection, a table of its parked events (and those of a halted upgrade). */
export function formatParkedLists(name: string, lists: readonly ParkedList[]): string[] {
  const lines: string[] = [];
  for (const list of lists) {
    if (list.scope === 'live' && list.total === 0 && lists.length === 1) {
      lines.push(`${name}: nothing parked`);
      continue;
    }
    if (list.scope === 'upgrade' && list.total === 0) continue;
    const where =
      list.scope === 'live'
        ? `live generation ${list.generation ?? '-'}, v${list.version ?? '?'}`
        : `the upgrade to v${list.version ?? '?'}, generation ${list.generation ?? '-'}`;
    lines.push(`${name}: ${list.total} parked (${where})`);
    if (list.total === 0) continue;
    const rows = [
      ['position', 'event id', 'type', 'stream', 'parked at', 'error'],
      ...list.entries.map(({ raw, event }) =>
        event === undefined
          ? ['?', '?', '?', '?', '?', `unreadable entry: ${oneLine(raw, 80)}`]
          : [
              event.position,
              event.eventId,
              event.type,
              event.streamName,
              event.parkedAt,
              oneLine(event.error),
            ],
      ),
    ];
    for (const row of alignColumns(rows, new Set([0])).split('\n')) lines.push(`  ${row}`);
    const more = list.total - list.entries.length;
    if (more > 0) lines.push(`  … ${more} more (--limit ${list.total} shows all)`);
  }
  return lines;
}

export const DEFAULT_PARKED_LIMIT = 20;

/** `parked [name …] [--limit N]`: the words after `parked`. */
export function parseParkedWords(words: readonly string[]): { names: string[]; limit: number } {
  const names: string[] = [];
  let limit = DEFAULT_PARKED_LIMIT;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word !== '--limit') {
      names.push(word);
      continue;
    }
    const value = words[++i];
    if (value === undefined || !/^[1-9][0-9]{0,5}$/.test(value)) {
      throw new UsageError('projections parked: --limit needs a whole number from 1 to 999999');
    }
    limit = Number(value);
  }
  return { names, limit };
}

/**
 * `projections` prints the table; `projections parked [name] [--limit N]` lists parked events; `projections
 * retry [name]` (or `projections --retry NAME|all`) replays them through evolve. Exit code 1 when events stay
 * parked or a retry could not finish (interrupted, or its write refused).
 */
export async function projectionsCommand(
  words: readonly string[],
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  let retry: readonly string[] | undefined;
  let parked: { names: string[]; limit: number } | undefined;
  if (words[0] === 'retry') retry = words.slice(1);
  else if (words[0] === '--retry') retry = words.slice(1, 2);
  else if (words[0] === 'parked') parked = parseParkedWords(words.slice(1));
  else if (words.length > 0) throw new UsageError(`projections: unexpected ${words[0] ?? ''}`);
  return withApplication(config, async (app) => {
    const store = app.get<EventStore>(EVENT_STORE);
    const redis = app.get<Redis>(REDIS);
    if (parked !== undefined) {
      for (const projection of selectProjections('projections parked', parked.names)) {
        const lists = await readParkedLists(redis, config.redisKeyPrefix, projection, parked.limit);
        for (const line of formatParkedLists(projection.name, lists)) say(line);
      }
      return 0;
    }
    if (retry === undefined) {
      const statuses = await projectionStatuses(
        store,
        redis,
        config.redisKeyPrefix,
        selectProjections('projections', []),
      );
      say(formatProjectionTable(statuses));
      return 0;
    }
    return retryCommand(retry, config, store, redis, say);
  });
}

async function retryCommand(
  names: readonly string[],
  config: AppConfig,
  store: EventStore,
  redis: Redis,
  say: (line: string) => void,
): Promise<number> {
  const projections = selectProjections('projections retry', names);
  // Ctrl-C must not leave the handover request behind: the live runner would wait for it to run out.
  const interrupt = abortOnSignals();
  let unsettled = 0;
  try {
    for (const projection of projections) {
      if (interrupt.signal.aborted) break;
      try {
        const result = await retryParked({
          store,
          redis,
          keyPrefix: config.redisKeyPrefix,
          projection,
          signal: interrupt.signal,
          onEvent: (event, error) => {
            if (error !== undefined) say(formatRetryFailure(event, error));
          },
        });
        unsettled += result.failed + (result.upgrade?.failed ?? 0) + (result.skipped === undefined ? 0 : 1);
        for (const line of formatRetry(result)) say(line);
      } catch (error) {
        unsettled += 1;
        say(`${projection.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    interrupt.dispose();
  }
  if (interrupt.signal.aborted) {
    say('interrupted');
    return 1;
  }
  return unsettled === 0 ? 0 : 1;
}
