import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';
import { addMonths, civilPeriodEnd, compareBusinessDates } from '../rules/business-dates';
import { isBusinessDate } from '../shared/dates';

/**
 * The report to the Cybersecurity Strategic Headquarters (DOMAIN.md "Reporting"): requested for a period and
 * fixed at the log position of the request, then compiled once into files whose SHA-256 the log keeps.
 */
export const reportStreamName = (reportId: string): string => `report-${reportId}`;

/** [D] A report covers whole months (fiscal years and quarters are), at most 5 fiscal years. */
export const REPORT_MAX_MONTHS = 60;

export interface ReportPeriod {
  readonly from: string;
  readonly to: string;
  /** Set when the period was asked for as a fiscal year. */
  readonly fiscalYear: number | null;
}

export interface ReportFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

export type ReportRequested = DomainEvent<
  'ReportRequested',
  {
    reportId: string;
    period: ReportPeriod;
    /** The log position the report is computed at: events recorded later are not in it. */
    atPosition: string;
    requestedOn: string;
  }
>;
export type ReportCompiled = DomainEvent<
  'ReportCompiled',
  {
    reportId: string;
    period: ReportPeriod;
    atPosition: string;
    files: readonly ReportFile[];
    compiledOn: string;
  }
>;
export type ReportEvent = ReportRequested | ReportCompiled;

export type RequestReport = Command<
  'RequestReport',
  { reportId: string; period: ReportPeriod; atPosition: string }
>;
export type CompileReport = Command<'CompileReport', { files: readonly ReportFile[] }>;
export type ReportCommand = RequestReport | CompileReport;

export type ReportState =
  | { readonly status: 'none' }
  | {
      readonly status: 'REQUESTED' | 'COMPILED';
      readonly reportId: string;
      readonly period: ReportPeriod;
      readonly atPosition: string;
      readonly files: readonly ReportFile[];
    };

/** The period of fiscal year `fiscalYear` (April 1 – March 31). */
export function fiscalYearPeriod(fiscalYear: number): ReportPeriod {
  const from = `${String(fiscalYear).padStart(4, '0')}-04-01`;
  return { from, to: civilPeriodEnd(from, 12), fiscalYear };
}

/** Why a period cannot be reported on, or null when it can. */
export function reportPeriodProblem(from: string, to: string): string | null {
  if (!isBusinessDate(from) || !isBusinessDate(to)) return 'from and to must be dates YYYY-MM-DD';
  if (compareBusinessDates(from, to) > 0) return 'from must not be later than to';
  if (!from.endsWith('-01')) return 'from must be the first day of a month';
  for (let months = 1; months <= REPORT_MAX_MONTHS; months += 1) {
    const end = civilPeriodEnd(from, months);
    if (end === to) return null;
    if (compareBusinessDates(end, to) > 0) return 'to must be the last day of a month';
  }
  return `a report covers at most ${REPORT_MAX_MONTHS} months`;
}

/** The first days of the months a period covers. */
export function monthsOfPeriod(period: Pick<ReportPeriod, 'from' | 'to'>): string[] {
  const months: string[] = [];
  for (let m = period.from; compareBusinessDates(m, period.to) <= 0; m = addMonths(m, 1)) months.push(m);
  return months;
}

const HEX64 = /^[0-9a-f]{64}$/;

function decide(command: ReportCommand, state: ReportState, context: CommandContext): ReportEvent[] {
  switch (command.type) {
    case 'RequestReport': {
      if (state.status !== 'none') {
        throw new DomainError('REPORT.ALREADY_REQUESTED', 'This report was already requested', 'conflict');
      }
      const { period } = command.data;
      const problem = reportPeriodProblem(period.from, period.to);
      if (problem !== null) throw new DomainError('REPORT.PERIOD_INVALID', problem);
      return [{ type: 'ReportRequested', data: { ...command.data, requestedOn: context.occurredOn } }];
    }
    case 'CompileReport': {
      if (state.status === 'none') throw new DomainError('REPORT.NOT_FOUND', 'No such report', 'not_found');
      // A retried job compiles the same files again: nothing new to record.
      if (state.status === 'COMPILED') return [];
      if (command.data.files.length === 0 || command.data.files.some((f) => !HEX64.test(f.sha256))) {
        throw new DomainError('REPORT.FILES_INVALID', 'A compiled report names its files and their SHA-256');
      }
      return [
        {
          type: 'ReportCompiled',
          data: {
            reportId: state.reportId,
            period: state.period,
            atPosition: state.atPosition,
            files: command.data.files,
            compiledOn: context.occurredOn,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

function evolve(state: ReportState, event: ReportEvent): ReportState {
  switch (event.type) {
    case 'ReportRequested':
      return {
        status: 'REQUESTED',
        reportId: event.data.reportId,
        period: event.data.period,
        atPosition: event.data.atPosition,
        files: [],
      };
    case 'ReportCompiled':
      return state.status === 'none' ? state : { ...state, status: 'COMPILED', files: event.data.files };
    default:
      return assertNever(event);
  }
}

export const reportDecider: Decider<ReportCommand, ReportEvent, ReportState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
