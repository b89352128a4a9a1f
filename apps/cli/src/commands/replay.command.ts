import { createEventStore } from '@ismap/application';
import type { AppConfig } from '@ismap/config';
import { isBusinessDate } from '@ismap/domain';
import { isPosition } from '@ismap/event-store';
import type { DecisionTimeline, TimelineRuling } from '@ismap/read-models';
import { isReversedRange, replayDecisionTimeline } from '@ismap/read-models';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';

export interface ReplayOptions {
  readonly from: string;
  readonly to: string;
  readonly serviceId?: string;
  readonly format: 'text' | 'json';
  readonly atPosition?: string;
}

const OPTIONS = new Set(['from', 'to', 'service', 'format', 'as-of-position']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function dateFlag(args: ParsedArgs, name: 'from' | 'to'): string {
  const value = args.flags[name];
  if (value === undefined) throw new UsageError(`replay: --${name} DATE is required`);
  if (value === true || !isBusinessDate(value))
    throw new UsageError(`replay: --${name} must be a date YYYY-MM-DD, not ${JSON.stringify(value)}`);
  return value;
}

/** Every mistake is a usage error (exit 2) before the store is opened. */
export function parseReplayOptions(args: ParsedArgs): ReplayOptions {
  const unknown = Object.keys(args.flags).find((name) => !OPTIONS.has(name));
  if (unknown !== undefined) throw new UsageError(`replay: unknown option --${unknown}`);
  const from = dateFlag(args, 'from');
  const to = dateFlag(args, 'to');
  if (isReversedRange({ from, to })) throw new UsageError(`replay: --from ${from} is after --to ${to}`);
  const format = args.flags['format'] ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`replay: --format must be text or json, not ${JSON.stringify(format)}`);
  const service = args.flags['service'];
  if (service !== undefined && (service === true || !UUID.test(service)))
    throw new UsageError('replay: --service must be a service id (a UUID)');
  const position = args.flags['as-of-position'];
  if (position !== undefined && (position === true || !isPosition(position)))
    throw new UsageError('replay: --as-of-position must be a log position (a non-negative integer)');
  return {
    from,
    to,
    format,
    ...(service === undefined ? {} : { serviceId: service }),
    ...(position === undefined ? {} : { atPosition: position }),
  };
}

function subjectLine(ruling: TimelineRuling): string {
  const { subject } = ruling;
  const what = { application: 'application', service: 'service', auditBody: 'audit body' }[subject.kind];
  const service =
    subject.serviceId !== null && subject.serviceId !== subject.id ? ` (service ${subject.serviceId})` : '';
  return `${what} ${subject.id}${service}`;
}

function confirmationNote(ruling: TimelineRuling): string {
  if (ruling.confirmation === 'PENDING') return '  [awaiting confirmation by a second secretariat member]';
  if (ruling.confirmation === 'CONFIRMED')
    return `  [confirmed by ${ruling.confirmedBy ?? '?'} at ${ruling.confirmedAt ?? '?'}]`;
  return '';
}

/**
 * One block per meeting, one per ruling: labels down the left, values free to be as long (and as Japanese) as they
 * are, so nothing depends on how wide a terminal draws full-width characters.
 */
export function formatTimeline(timeline: DecisionTimeline): string[] {
  const known =
    timeline.asOfPosition === null
      ? 'everything recorded'
      : `as recorded up to log position ${timeline.asOfPosition}`;
  const lines = [
    `Committee decisions ${timeline.from ?? '…'} – ${timeline.to ?? '…'}` +
      (timeline.serviceId === null ? '' : `, service ${timeline.serviceId}`) +
      ` (${known})`,
    `${timeline.meetingCount} meeting(s), ${timeline.rulingCount} ruling(s)`,
  ];
  for (const meeting of timeline.meetings) {
    lines.push(
      '',
      `== ${meeting.heldOn}  第${meeting.number}回 committee meeting (${meeting.meetingId}), ${meeting.rulings.length} ruling(s)`,
    );
    meeting.rulings.forEach((ruling, i) => {
      const name = ruling.subject.name ?? '(name not recorded)';
      const number = ruling.registrationNumber === null ? '' : `  ${ruling.registrationNumber}`;
      lines.push(
        `  ${String(i + 1).padStart(2)}. ${ruling.decidedOn}  ${ruling.decision}${number}  ${name}${confirmationNote(ruling)}`,
        `      subject     ${subjectLine(ruling)}`,
        `      rationale   ${ruling.rationale}`,
        `      recorded    by ${ruling.recordedBy} at ${ruling.recordedAt} (log position ${ruling.position})`,
      );
    });
  }
  return lines;
}

/** `replay`: the decision history from the log itself (no Redis needed), as text or JSON. */
export async function replayCommand(
  args: ParsedArgs,
  config: AppConfig,
  say: (line: string) => void,
): Promise<void> {
  const options = parseReplayOptions(args);
  const store = await createEventStore(config);
  try {
    const timeline = await replayDecisionTimeline(store, {
      from: options.from,
      to: options.to,
      ...(options.serviceId === undefined ? {} : { serviceId: options.serviceId }),
      ...(options.atPosition === undefined ? {} : { atPosition: options.atPosition }),
    });
    if (options.format === 'json') say(JSON.stringify(timeline, null, 2));
    else for (const line of formatTimeline(timeline)) say(line);
  } finally {
    await store.close();
  }
}
