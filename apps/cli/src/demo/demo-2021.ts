import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandBus } from '@nestjs/cqrs';
import type { CommandMetadata } from '@ismap/application';
import {
  ApplicationActionCommand,
  ApplyAsAuditBodyCommand,
  RecordRulingCommand,
  ReferApplicationCommand,
  RegisterProviderCommand,
  ScheduleMeetingCommand,
  SubmitApplicationCommand,
} from '@ismap/application';
import type { ServiceModel } from '@ismap/domain';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { deriveEventId } from '@ismap/event-store';
import { parseCsv } from './csv';

/**
 * The 2021 history, entered through the command bus. Only the 20 services, their applicants and their
 * registration dates are facts (shared/data); everything else — corporate numbers, audit bodies, audit periods,
 * application dates, meeting numbers, service models, scopes — is invented for the demo and labelled so.
 */
export const ILLUSTRATIVE = '(illustrative demo data)';

export interface DemoRow {
  readonly no: number;
  readonly serviceName: string;
  readonly applicant: string;
  readonly registeredOn: string;
}

export function loadDemoRows(): DemoRow[] {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json) above ' + __dirname);
    dir = parent;
  }
  const text = readFileSync(join(dir, 'apps/cli/reference-data/ismap-cloud-service-list-2021.csv'), 'utf8');
  return parseCsv(text).map((r) => ({
    no: Number(r['no']),
    serviceName: r['service_name'] ?? '',
    applicant: r['applicant'] ?? '',
    registeredOn: r['registered_on'] ?? '',
  }));
}

/** Invented timeline per committee date: audit period, report, submission, acceptance, referral. */
const TIMELINES: Readonly<
  Record<
    string,
    {
      period: [string, string];
      report: string;
      submitted: string;
      accepted: string;
      referred: string;
      number: number;
    }
  >
> = {
  '2021-03-12': {
    period: ['2019-10-01', '2020-09-30'],
    report: '2020-12-15',
    submitted: '2020-12-21',
    accepted: '2021-01-12',
    referred: '2021-02-19',
    number: 2,
  },
  '2021-06-22': {
    period: ['2020-01-01', '2020-12-31'],
    report: '2021-03-15',
    submitted: '2021-03-24',
    accepted: '2021-04-12',
    referred: '2021-05-28',
    number: 3,
  },
  '2021-07-30': {
    period: ['2020-02-01', '2021-01-31'],
    report: '2021-04-20',
    submitted: '2021-04-28',
    accepted: '2021-05-20',
    referred: '2021-07-02',
    number: 4,
  },
  '2021-09-13': {
    period: ['2020-04-01', '2021-03-31'],
    report: '2021-06-15',
    submitted: '2021-06-24',
    accepted: '2021-07-15',
    referred: '2021-08-20',
    number: 5,
  },
};

/** The meeting that put the invented audit bodies on the list, before any audit they report on. */
const AUDIT_BODY_MEETING = { number: 1, heldOn: '2020-10-30' };
const AUDIT_BODIES = [
  { name: `デモ監査法人あおば ${ILLUSTRATIVE}`, base: '990000000011' },
  { name: `デモ監査法人さくら ${ILLUSTRATIVE}`, base: '990000000022' },
  { name: `デモ監査法人みなと ${ILLUSTRATIVE}`, base: '990000000033' },
];

const MODELS: Readonly<Record<number, ServiceModel>> = {
  1: 'IaaS',
  2: 'IaaS',
  3: 'PaaS',
  4: 'IaaS',
  5: 'SaaS',
  6: 'SaaS',
  7: 'PaaS',
  8: 'IaaS',
  9: 'IaaS',
  10: 'IaaS',
  11: 'IaaS',
  12: 'IaaS',
  13: 'SaaS',
  14: 'IaaS',
  15: 'SaaS',
  16: 'SaaS',
  17: 'SaaS',
  18: 'IaaS',
  19: 'PaaS',
  20: 'PaaS',
};

const withCheckDigit = (base12: string): string => `${corporateNumberCheckDigit(base12)}${base12}`;

export interface DemoResult {
  readonly providers: number;
  readonly auditBodies: number;
  readonly meetings: number;
  readonly registrations: readonly {
    serviceName: string;
    registrationNumber: string | null;
    registeredOn: string;
  }[];
}

/**
 * Idempotent: every command id derives from the step's name, so a second run finds each command already
 * handled and appends nothing.
 */
export async function runDemo(bus: CommandBus, now: Date, say: (line: string) => void): Promise<DemoResult> {
  const rows = loadDemoRows();
  const meta = (step: string, occurredOn: string, actor: CommandMetadata['actor']): CommandMetadata => {
    const commandId = deriveEventId(`demo-2021:${step}`, 0);
    return {
      commandId,
      actor,
      correlationId: `demo-2021:${step}`.slice(0, 128),
      causationId: commandId,
      occurredOn,
      now: now.toISOString(),
    };
  };
  const secretariat = { sub: 'demo:secretariat', roles: ['secretariat'] };
  const reviewer = { sub: 'demo:ipa-reviewer', roles: ['ipa-reviewer'] };

  // Providers: one per applicant, with illustrative corporate numbers (a 99… base no real company uses here).
  const applicants = [...new Set(rows.map((r) => r.applicant))];
  const providerIds = new Map<string, string>();
  for (const [i, applicant] of applicants.entries()) {
    const corporateNumber = withCheckDigit(`99100000${String(i + 1).padStart(4, '0')}`);
    const result = await bus.execute<RegisterProviderCommand, { providerId: string }>(
      new RegisterProviderCommand(
        { name: applicant, corporateNumber },
        meta(`provider:${i}`, '2020-07-01', secretariat),
      ),
    );
    providerIds.set(applicant, result.providerId);
  }
  say(`providers: ${providerIds.size}`);

  const abMeeting = await bus.execute<ScheduleMeetingCommand, { meetingId: string }>(
    new ScheduleMeetingCommand(
      AUDIT_BODY_MEETING.number,
      AUDIT_BODY_MEETING.heldOn,
      meta('meeting:audit-bodies', AUDIT_BODY_MEETING.heldOn, secretariat),
    ),
  );
  const auditBodyIds: string[] = [];
  for (const [i, body] of AUDIT_BODIES.entries()) {
    const { auditBodyId } = await bus.execute<ApplyAsAuditBodyCommand, { auditBodyId: string }>(
      new ApplyAsAuditBodyCommand(
        {
          name: body.name,
          corporateNumber: withCheckDigit(body.base),
          organisationType: 'AUDIT_CORPORATION',
        },
        meta(`auditbody:${i}`, '2020-07-15', reviewer),
      ),
    );
    await bus.execute(
      new RecordRulingCommand(
        abMeeting.meetingId,
        { kind: 'auditBody', auditBodyId },
        'AUDIT_BODY_REGISTER',
        `Registered as an ISMAP audit body ${ILLUSTRATIVE}`,
        meta(`auditbody:${i}:ruling`, AUDIT_BODY_MEETING.heldOn, secretariat),
      ),
    );
    auditBodyIds.push(auditBodyId);
  }
  say(`audit bodies: ${auditBodyIds.length} ${ILLUSTRATIVE}`);

  const meetings = new Map<string, string>();
  for (const [heldOn, timeline] of Object.entries(TIMELINES)) {
    const { meetingId } = await bus.execute<ScheduleMeetingCommand, { meetingId: string }>(
      new ScheduleMeetingCommand(timeline.number, heldOn, meta(`meeting:${heldOn}`, heldOn, secretariat)),
    );
    meetings.set(heldOn, meetingId);
  }

  const registrations: { serviceName: string; registrationNumber: string | null; registeredOn: string }[] =
    [];
  for (const row of rows) {
    const timeline = TIMELINES[row.registeredOn];
    const meetingId = meetings.get(row.registeredOn);
    const providerId = providerIds.get(row.applicant);
    if (timeline === undefined || meetingId === undefined || providerId === undefined) {
      throw new Error(`row ${row.no}: no demo timeline for ${row.registeredOn}`);
    }
    const csp = { sub: `demo:csp:${providerId}`, roles: ['csp'], org: providerId };
    const auditBodyId = auditBodyIds[(row.no - 1) % auditBodyIds.length]!;
    const submitted = await bus.execute<SubmitApplicationCommand, { applicationId: string }>(
      new SubmitApplicationCommand(
        providerId,
        {
          kind: 'NEW',
          track: 'ISMAP',
          serviceName: row.serviceName,
          serviceModel: MODELS[row.no] ?? 'SaaS',
          scope: { description: `${row.serviceName} ${ILLUSTRATIVE}`, regions: ['Japan'] },
          auditBodyId,
          auditPeriod: { start: timeline.period[0], end: timeline.period[1] },
          auditReportDate: timeline.report,
          submittedOn: timeline.submitted,
          excludedObjectives: [],
        },
        meta(`service:${row.no}:submit`, timeline.submitted, csp),
      ),
    );
    const applicationId = submitted.applicationId;
    await bus.execute(
      new ApplicationActionCommand(
        applicationId,
        { type: 'AcceptApplication', data: { acceptedOn: timeline.accepted } },
        meta(`service:${row.no}:accept`, timeline.accepted, reviewer),
      ),
    );
    await bus.execute(
      new ReferApplicationCommand(
        applicationId,
        meetingId,
        timeline.referred,
        meta(`service:${row.no}:refer`, timeline.referred, reviewer),
      ),
    );
    const ruling = await bus.execute<RecordRulingCommand, { registrationNumber: string | null }>(
      new RecordRulingCommand(
        meetingId,
        { kind: 'application', applicationId },
        'REGISTER',
        `Meets the ISMAP requirements; registered on the ISMAP cloud service list ${ILLUSTRATIVE}`,
        meta(`service:${row.no}:ruling`, row.registeredOn, secretariat),
      ),
    );
    registrations.push({
      serviceName: row.serviceName,
      registrationNumber: ruling.registrationNumber,
      registeredOn: row.registeredOn,
    });
  }
  say(
    `registrations: ${registrations.length} at ${meetings.size} meetings (${[...meetings.keys()].join(', ')})`,
  );
  return {
    providers: providerIds.size,
    auditBodies: auditBodyIds.length,
    meetings: meetings.size,
    registrations,
  };
}
