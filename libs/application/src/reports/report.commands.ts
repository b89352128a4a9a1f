import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReportEvent, ReportFile, ReportPeriod, ReportState } from '@ismap/domain';
import { reportDecider, reportStreamName } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, loadStream, type CommandResult } from '../commands/handle-command';
import { deriveEventId } from '@ismap/event-store';
import { logHead } from './log-snapshot';
import type { TrailSealRef } from './report.model';

/** A report's id derives from the command id, so a retried request (same Idempotency-Key) is the same report. */
export const reportIdFor = (commandId: string): string => deriveEventId(`${commandId}:report`, 0);

export class RequestReportCommand {
  constructor(
    readonly period: ReportPeriod,
    readonly metadata: CommandMetadata,
  ) {}
}

export interface RequestReportResult extends CommandResult<ReportEvent> {
  readonly reportId: string;
  readonly atPosition: string;
}

/**
 * Fixes the log position the report is computed at: the head of the log when the request is handled. Events
 * recorded later — even those dated inside the period — belong to a later report (docs/adr/0009-hq-report.md).
 */
@CommandHandler(RequestReportCommand)
export class RequestReportHandler implements ICommandHandler<RequestReportCommand, RequestReportResult> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ period, metadata }: RequestReportCommand): Promise<RequestReportResult> {
    const reportId = reportIdFor(metadata.commandId);
    const atPosition = await logHead(this.store);
    const result = await handleCommand(
      this.store,
      reportStreamName(reportId),
      reportDecider,
      { type: 'RequestReport', data: { reportId, period, atPosition } },
      metadata,
    );
    const requested = result.events.find((e) => e.type === 'ReportRequested');
    return {
      ...result,
      reportId,
      atPosition: requested?.type === 'ReportRequested' ? requested.data.atPosition : atPosition,
    };
  }
}

export class CompileReportCommand {
  constructor(
    readonly reportId: string,
    readonly files: readonly ReportFile[],
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(CompileReportCommand)
export class CompileReportHandler implements ICommandHandler<
  CompileReportCommand,
  CommandResult<ReportEvent>
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute(command: CompileReportCommand): Promise<CommandResult<ReportEvent>> {
    return handleCommand(
      this.store,
      reportStreamName(command.reportId),
      reportDecider,
      { type: 'CompileReport', data: { files: command.files } },
      command.metadata,
    );
  }
}

/** Where a report stands, read from its own stream (the report is its own source of truth). */
export async function loadReport(store: EventStore, reportId: string): Promise<ReportState> {
  return (await loadStream(store, reportStreamName(reportId), reportDecider)).state;
}

const SEAL_FIELDS = ['root', 'signature', 'keyId'] as const;

/**
 * The hook for the trail's integrity seals: the latest `TrailSealed` event in the report's slice of the log, when
 * it carries a root, a signature and a key id (and the position it seals, else its own). Seals themselves are the
 * integrity feature's; a report only quotes the latest one.
 */
export function latestTrailSeal(events: readonly RecordedEvent[]): TrailSealRef | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i];
    if (event?.type !== 'TrailSealed') continue;
    const data = event.data as Readonly<Record<string, unknown>>;
    if (!SEAL_FIELDS.every((f) => typeof data[f] === 'string')) return undefined;
    const position = typeof data['position'] === 'string' ? data['position'] : event.position;
    return {
      position,
      root: data['root'] as string,
      signature: data['signature'] as string,
      keyId: data['keyId'] as string,
    };
  }
  return undefined;
}
