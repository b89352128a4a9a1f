import { CommandBus } from '@nestjs/cqrs';
import type { AppConfig } from '@ismap/config';
import { isBusinessDate, tokyoDateOf } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { SweepResult } from '@ismap/jobs';
import { JOB_ACTOR, RegistrationSweep } from '@ismap/jobs';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';
import { withApplication } from '../application-context';

/** `--on` defaults to today (Asia/Tokyo); a later day is refused: an expiry is never recorded ahead of time. */
export function sweepDateOf(args: ParsedArgs, today: string): string {
  for (const name of Object.keys(args.flags)) {
    if (name !== 'on') throw new UsageError(`expire: unknown option --${name}`);
  }
  const on = args.flags['on'];
  if (on === undefined) return today;
  if (on === true || !isBusinessDate(on)) {
    throw new UsageError(`expire: --on must be a date YYYY-MM-DD, not ${JSON.stringify(on)}`);
  }
  if (on > today) throw new UsageError(`expire: --on ${on} is later than today (${today})`);
  return on;
}

export function formatSweep(result: SweepResult): string[] {
  const lines: string[] = [];
  for (const e of result.expired) {
    lines.push(
      `expired ${e.registrationNumber} (service ${e.serviceId}): valid until ${e.validUntil}, expired on ${e.expiredOn}` +
        (e.alreadyRecorded ? ' (already recorded)' : ''),
    );
  }
  for (const r of result.reminded) {
    lines.push(
      `reminded ${r.registrationNumber} (service ${r.serviceId}): ${r.daysBefore} days before ${r.validUntil}` +
        (r.alreadyRecorded ? ' (already recorded)' : ''),
    );
  }
  for (const s of result.skipped) lines.push(`skipped service ${s.serviceId}: ${s.code}`);
  const expired = result.expired.filter((e) => !e.alreadyRecorded).length;
  const reminded = result.reminded.filter((r) => !r.alreadyRecorded).length;
  lines.push(`${result.asOf}: ${expired} registration(s) expired, ${reminded} reminder(s) issued`);
  return lines;
}

/**
 * The daily registration sweep on demand, through the same command bus and the same derived command ids as the
 * worker's scheduled job: safe beside a running worker, and running it twice expires nothing twice.
 */
export async function expireCommand(
  args: ParsedArgs,
  config: AppConfig,
  print: (line: string) => void,
): Promise<void> {
  const asOf = sweepDateOf(args, tokyoDateOf(new Date()));
  const result = await withApplication(config, (app) =>
    new RegistrationSweep(app.get<EventStore>(EVENT_STORE), app.get(CommandBus)).run({
      asOf,
      correlationId: `cli:expire:${asOf}`,
      causationId: `cli:expire:${asOf}`,
      actor: { ...JOB_ACTOR, sub: 'system:cli' },
    }),
  );
  for (const line of formatSweep(result)) print(line);
}
