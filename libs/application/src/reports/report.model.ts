import type { Decision, IncidentStage, ReportPeriod, Track } from '@ismap/domain';

/**
 * The report to the Cybersecurity Strategic Headquarters as data: every renderer (JSON, Markdown, CSV, HTML) is a
 * function of this object only, so the formats cannot disagree on a number.
 */
export const REPORT_SCHEMA = 'ismap-hq-report/1';

/**
 * The latest integrity seal of the trail at the report's log position. The report only carries it; computing and
 * verifying seals is the integrity feature's job.
 */
export interface TrailSealRef {
  readonly position: string;
  readonly root: string;
  readonly signature: string;
  readonly keyId: string;
}

export interface ListFigures {
  /** Entries on the list at the start of the period (as decided by the end of the day before it). */
  readonly atStart: number;
  /** Entries on the list on the period's last day. */
  readonly atEnd: number;
  readonly registrations: number;
  readonly renewals: number;
  readonly changes: number;
  /** Registrations whose validity ran out within the period, by the validity rule (DOMAIN.md item 7). */
  readonly expiries: number;
  /** Of those, and earlier lapses, the RegistrationExpired events dated within the period. */
  readonly expiriesRecorded: number;
  readonly withdrawals: number;
  readonly revocations: number;
}

export interface AuditBodyFigures {
  readonly atStart: number;
  readonly atEnd: number;
  readonly registered: number;
  readonly delisted: number;
}

export interface ListSizePoint {
  readonly date: string;
  readonly ISMAP: number;
  readonly ISMAP_LIU: number;
  readonly auditBodies: number;
}

export interface QuarterRegistrations {
  /** e.g. `FY2021 Q1`. */
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly ISMAP: number;
  readonly ISMAP_LIU: number;
}

export interface ApplicationFigures {
  readonly received: number;
  readonly returned: number;
  readonly withdrawn: number;
  readonly rejected: number;
  readonly deferred: number;
}

export const LEAD_TIME_STAGES = [
  'submissionToAcceptance',
  'acceptanceToReferral',
  'referralToDecision',
  'submissionToDecision',
] as const;
export type LeadTimeStage = (typeof LEAD_TIME_STAGES)[number];

export interface StageDistribution {
  readonly count: number;
  /** Days, nearest rank; null when no application of the period has the stage. */
  readonly median: number | null;
  readonly p90: number | null;
}

export interface HistogramBin {
  /** Inclusive lower bound in days. */
  readonly fromDays: number;
  /** Exclusive upper bound in days. */
  readonly toDays: number;
  readonly count: number;
}

export interface LeadTimeFigures {
  /** Applications finally ruled on within the period (DEFER is not a final ruling). */
  readonly decided: number;
  readonly stages: Readonly<Record<LeadTimeStage, StageDistribution>>;
  /** Submission → ruling, in bins of `binDays`. */
  readonly binDays: number;
  readonly histogram: readonly HistogramBin[];
}

export interface FindingRow {
  /** The control id's first number (`9` for `9.2.3.11.PB`), or `none` for a review finding about no control. */
  readonly domain: string;
  /** EXCEPTION, DEFICIENCY, OBSERVATION, or REVIEW for the technical review's findings. */
  readonly kind: string;
  readonly opened: number;
  readonly resolved: number;
  readonly riskAccepted: number;
  /** Open at the end of the period, whenever they were opened. */
  readonly openAtEnd: number;
}

export interface MeetingFigures {
  readonly meetingId: string;
  readonly number: number;
  readonly heldOn: string;
  readonly rulings: Readonly<Record<Decision, number>>;
  readonly totalRulings: number;
}

export interface CommitteeFigures {
  readonly meetingsHeld: number;
  readonly meetings: readonly MeetingFigures[];
  readonly rulingsByKind: Readonly<Record<Decision, number>>;
  readonly totalRulings: number;
  /** Rulings of the period that still wait for their second pair of eyes at the report's log position. */
  readonly rulingsAwaitingConfirmation: number;
}

export interface HqReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly reportId: string;
  readonly period: ReportPeriod & { readonly startListDate: string };
  /** Events recorded up to this log position (inclusive) count; later ones never change this report. */
  readonly atPosition: string;
  readonly lists: Readonly<Record<Track, ListFigures>>;
  readonly auditBodies: AuditBodyFigures;
  readonly listSizeOverTime: readonly ListSizePoint[];
  readonly registrationsPerQuarter: readonly QuarterRegistrations[];
  readonly applications: Readonly<Record<Track, ApplicationFigures>>;
  readonly leadTimes: LeadTimeFigures;
  readonly findings: readonly FindingRow[];
  readonly incidents: Readonly<Record<IncidentStage, number>>;
  readonly committee: CommitteeFigures;
  readonly seal: TrailSealRef | null;
}

export interface ReportRequest {
  readonly reportId: string;
  readonly period: ReportPeriod;
  readonly atPosition: string;
  readonly seal?: TrailSealRef;
}
