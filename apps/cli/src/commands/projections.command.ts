import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import type { AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { Projection, ProjectionStatus, RetryResult } from '@ismap/read-models';
import { headPosition, projectionKeys, readProjectionStatus, retryParked } from '@ismap/read-models';
import { UsageError } from '../args';
import { withApplication } from '../application-context';
import { selectProjections } from './rebuild.command';

function stateOf(status: ProjectionStatus): string {
  if (status.halted !== undefined) return `halted at ${status.halted.position}`;
  if (status.rebuilding) return 'rebuilding';
  if (status.generation === undefined) return 'not started';
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
      String(s.parked),
      stateOf(s),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const numeric = new Set([1, 2, 3, 4, 5]);
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

export function formatRetry(result: RetryResult): string[] {
  const lines = [
    `${result.projection}: ${result.succeeded.length} replayed, ${result.failed.length} still parked` +
      (result.resumed ? '; resumed' : ''),
  ];
  for (const { parked, error } of result.failed) {
    lines.push(`  ${parked.position}  ${parked.type}  ${parked.eventId}  ${error}`);
  }
  return lines;
}

/**
 * `projections` prints the table; `projections retry [name]` (or `projections --retry NAME|all`) replays parked
 * events through evolve. Exit code 1 when events stay parked.
 */
export async function projectionsCommand(
  words: readonly string[],
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  let retry: readonly string[] | undefined;
  if (words[0] === 'retry') retry = words.slice(1);
  else if (words[0] === '--retry') retry = words.slice(1, 2);
  else if (words.length > 0) throw new UsageError(`projections: unexpected ${words[0] ?? ''}`);
  return withApplication(config, async (app) => {
    const store = app.get<EventStore>(EVENT_STORE);
    const redis = app.get<Redis>(REDIS);
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
    let stillParked = 0;
    for (const projection of selectProjections('projections retry', retry)) {
      if ((await redis.llen(projectionKeys(config.redisKeyPrefix, projection.name).parked)) === 0) {
        say(`${projection.name}: nothing parked`);
        continue;
      }
      const result = await retryParked({ store, redis, keyPrefix: config.redisKeyPrefix, projection });
      stillParked += result.failed.length;
      for (const line of formatRetry(result)) say(line);
    }
    return stillParked === 0 ? 0 : 1;
  });
}
