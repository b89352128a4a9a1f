import { rulesetOn } from '../rules/rulesets';
import { assertAuditPeriod, assertAuditReportDate } from '../rules/audit-period';
import { assertStatement, parseControlId } from '../rules/control-ids';
import type { AuditBodyFacts } from '../audit-bodies/audit-body';
import { wasRegisteredOn } from '../audit-bodies/audit-body';
import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider } from '../shared/messages';
import { assertNever } from '../shared/messages';
import type {
  ApplicationKind,
  Assessment,
  Decision,
  FindingKind,
  FindingResolution,
  Period,
  Track,
} from '../shared/vocabulary';
import type { ApplicationDetails, ApplicationEvent } from './application.events';

/** What the handler read from other streams for a decision here; the decider itself does no I/O. */
export interface ServiceFacts {
  readonly serviceId: string;
  readonly providerId: string;
  readonly track: Track;
  readonly status: 'REGISTERED' | 'RENEWAL_PENDING' | 'EXPIRED' | 'WITHDRAWN' | 'REVOKED';
  readonly validUntil: string;
  readonly auditPeriod: Period;
}

export interface MeetingFacts {
  readonly meetingId: string;
  readonly number: number;
  readonly heldOn: string;
}

export type SubmitApplication = Command<
  'SubmitApplication',
  ApplicationDetails & {
    applicationId: string;
    serviceId: string;
    providerId: string;
    kind: ApplicationKind;
    track: Track;
    submittedOn: string;
    providerExists: boolean;
    auditBody: AuditBodyFacts | null;
    /** For RENEWAL and CHANGE: the registered service named; null when there is none. */
    service: ServiceFacts | null;
  }
>;
export type AcceptApplication = Command<'AcceptApplication', { acceptedOn: string }>;
export type ReturnApplication = Command<'ReturnApplication', { reason: string; returnedOn: string }>;
export type ResubmitApplication = Command<
  'ResubmitApplication',
  {
    changes: Partial<ApplicationDetails>;
    resubmittedOn: string;
    providerId: string;
    auditBody: AuditBodyFacts | null;
    service: ServiceFacts | null;
  }
>;
export type RecordAuditFinding = Command<
  'RecordAuditFinding',
  {
    auditBodyId: string;
    controlId: string;
    assessment: Assessment;
    kind: FindingKind;
    description: string;
    evidenceRefs: readonly string[];
    recordedOn: string;
  }
>;
export type RaiseReviewFinding = Command<
  'RaiseReviewFinding',
  { controlId: string | null; description: string; raisedOn: string }
>;
export type RespondToFinding = Command<
  'RespondToFinding',
  { findingId: string; providerId: string; correctiveAction: string; respondedOn: string }
>;
export type ResolveFinding = Command<
  'ResolveFinding',
  { findingId: string; resolution: FindingResolution; note: string; resolvedOn: string }
>;
export type ReferApplication = Command<
  'ReferApplication',
  { meeting: MeetingFacts | null; meetingId: string; referredOn: string }
>;
export type WithdrawApplication = Command<
  'WithdrawApplication',
  { providerId: string; reason: string; withdrawnOn: string }
>;
/** Issued by the ruling's reaction, never by a person. */
export type ApplyRuling = Command<
  'ApplyRuling',
  {
    rulingId: string;
    meetingId: string;
    decision: Decision;
    decidedOn: string;
    registrationNumber: string | null;
  }
>;

export type ApplicationCommand =
  | SubmitApplication
  | AcceptApplication
  | ReturnApplication
  | ResubmitApplication
  | RecordAuditFinding
  | RaiseReviewFinding
  | RespondToFinding
  | ResolveFinding
  | ReferApplication
  | WithdrawApplication
  | ApplyRuling;

export type ApplicationStatus = 'SUBMITTED' | 'RETURNED' | 'ACCEPTED' | 'REFERRED' | 'DECIDED' | 'WITHDRAWN';
export type FindingStatus = 'OPEN' | 'RESPONDED' | 'RESOLVED' | 'RISK_ACCEPTED';

export interface FindingState {
  readonly findingId: string;
  readonly source: 'AUDIT' | 'REVIEW';
  readonly controlId: string | null;
  readonly status: FindingStatus;
}

export type ApplicationState =
  | { readonly status: 'none' }
  | (ApplicationDetails & {
      readonly status: ApplicationStatus;
      readonly applicationId: string;
      readonly serviceId: string;
      readonly providerId: string;
      readonly kind: ApplicationKind;
      readonly track: Track;
      readonly submittedOn: string;
      /** The latest business date recorded: later facts may not be dated before it. */
      readonly lastDate: string;
      readonly referredTo: MeetingFacts | null;
      readonly findings: Readonly<Record<string, FindingState>>;
      readonly findingCount: number;
      readonly decision: Decision | null;
    });

type Open = Exclude<ApplicationState, { status: 'none' }>;

export const isOpenFinding = (finding: FindingState): boolean =>
  finding.status === 'OPEN' || finding.status === 'RESPONDED';

/** Finding ids name their application, so `/findings/:id` routes find the stream without a lookup. */
export const findingIdOf = (applicationId: string, n: number): string => `${applicationId}.F${n}`;
export const applicationIdOfFinding = (findingId: string): string | null => {
  const match = /^(.+)\.F[1-9]\d*$/.exec(findingId);
  return match?.[1] ?? null;
};

const DECISIONS_BY_KIND: Readonly<Record<ApplicationKind, readonly Decision[]>> = {
  NEW: ['REGISTER', 'REJECT', 'DEFER'],
  RENEWAL: ['RENEW', 'REJECT', 'DEFER'],
  CHANGE: ['APPROVE_CHANGE', 'REJECT', 'DEFER'],
};

export const decisionsFor = (kind: ApplicationKind): readonly Decision[] => DECISIONS_BY_KIND[kind];

function requireExisting(state: ApplicationState): Open {
  if (state.status === 'none')
    throw new DomainError('APPLICATION.NOT_FOUND', 'No such application', 'not_found');
  return state;
}

function requireStatus(state: Open, allowed: readonly ApplicationStatus[], code: string): void {
  if (!allowed.includes(state.status)) {
    throw new DomainError(
      code,
      `The application is ${state.status}; this needs ${allowed.join(' or ')}`,
      'conflict',
      { currentStatus: state.status },
    );
  }
}

function requireNotBefore(state: Open, date: string, what: string): void {
  if (date < state.lastDate) {
    throw new DomainError(
      'APPLICATION.DATE_OUT_OF_ORDER',
      `${what} (${date}) cannot be dated before the application's last recorded fact (${state.lastDate})`,
    );
  }
}

function requireNotInFuture(date: string, context: CommandContext, what: string): void {
  if (date > context.today) {
    throw new DomainError(
      'BUSINESS_DATE.IN_FUTURE',
      `${what} (${date}) is later than today (${context.today})`,
    );
  }
}

function requireText(value: string, code: string, what: string): string {
  const text = value.trim();
  if (text === '') throw new DomainError(code, `${what} is empty`);
  return text;
}

/** Every rule an application's content must meet, at submission and again after a resubmission. */
function checkContent(
  submitted: ApplicationDetails,
  target: { kind: ApplicationKind; track: Track; providerId: string; serviceId: string; submittedOn: string },
  auditBody: AuditBodyFacts | null,
  service: ServiceFacts | null,
): ApplicationDetails {
  const details: ApplicationDetails = {
    ...submitted,
    serviceName: requireText(submitted.serviceName, 'APPLICATION.SERVICE_NAME_REQUIRED', 'The service name'),
    scope: {
      description: requireText(submitted.scope.description, 'APPLICATION.SCOPE_REQUIRED', 'The scope'),
      regions: submitted.scope.regions,
    },
  };
  const ruleset = rulesetOn(target.submittedOn);
  if (target.track === 'ISMAP_LIU' && !ruleset.liuTrackOpen) {
    throw new DomainError(
      'APPLICATION.TRACK_NOT_OPEN',
      `ISMAP-LIU applications are accepted from 2022-11-01 (ruleset ${ruleset.version} was in force on ${target.submittedOn})`,
    );
  }
  if (target.kind !== 'NEW') {
    if (service === null || service.providerId !== target.providerId) {
      throw new DomainError(
        'SERVICE.NOT_FOUND',
        `No registered service ${target.serviceId} of this provider`,
        'not_found',
      );
    }
    if (service.track !== target.track) {
      throw new DomainError(
        'APPLICATION.TRACK_MISMATCH',
        `Service ${service.serviceId} is on the ${service.track} list`,
      );
    }
  }
  assertAuditPeriod(details.auditPeriod, target.kind === 'RENEWAL' ? service?.auditPeriod.end : undefined);
  assertAuditReportDate(details.auditPeriod.end, details.auditReportDate);
  if (details.auditReportDate > target.submittedOn) {
    throw new DomainError(
      'AUDIT_REPORT.AFTER_SUBMISSION',
      `The audit report (${details.auditReportDate}) is dated after the submission (${target.submittedOn})`,
    );
  }
  if (auditBody === null) {
    throw new DomainError('AUDIT_BODY.NOT_FOUND', `No audit body ${details.auditBodyId}`);
  }
  if (!wasRegisteredOn(auditBody, details.auditReportDate)) {
    throw new DomainError(
      'AUDIT_BODY.NOT_REGISTERED_ON_REPORT_DATE',
      `Audit body ${details.auditBodyId} was not on the audit body list on ${details.auditReportDate}`,
    );
  }
  assertStatement({ excludedObjectives: details.excludedObjectives });
  return details;
}

function checkState(command: SubmitApplication['data'], context: CommandContext): void {
  requireNotInFuture(command.submittedOn, context, 'The submission date');
  if (!command.providerExists)
    throw new DomainError('PROVIDER.NOT_FOUND', `No provider ${command.providerId}`);
  const service = command.service;
  if (command.kind === 'RENEWAL' && service !== null && service.providerId === command.providerId) {
    if (service.status === 'RENEWAL_PENDING') {
      throw new DomainError(
        'RENEWAL.ALREADY_PENDING',
        `A renewal of ${service.serviceId} is already pending`,
        'conflict',
      );
    }
    if (service.status !== 'REGISTERED') {
      throw new DomainError(
        'SERVICE.NOT_REGISTERED',
        `Service ${service.serviceId} is ${service.status}`,
        'conflict',
      );
    }
    if (command.submittedOn > service.validUntil) {
      throw new DomainError(
        'RENEWAL.AFTER_VALIDITY',
        `A renewal must be applied for by the end of validity (${service.validUntil}); it was submitted on ${command.submittedOn}`,
      );
    }
  }
  if (command.kind === 'CHANGE' && service !== null && service.providerId === command.providerId) {
    if (service.status !== 'REGISTERED' && service.status !== 'RENEWAL_PENDING') {
      throw new DomainError(
        'SERVICE.NOT_REGISTERED',
        `Service ${service.serviceId} is ${service.status}`,
        'conflict',
      );
    }
  }
}

function decide(
  command: ApplicationCommand,
  state: ApplicationState,
  context: CommandContext,
): ApplicationEvent[] {
  if (command.type === 'SubmitApplication') {
    if (state.status !== 'none') {
      throw new DomainError(
        'APPLICATION.ALREADY_SUBMITTED',
        'This application was already submitted',
        'conflict',
      );
    }
    const d = command.data;
    checkState(d, context);
    const details = checkContent(
      {
        serviceName: d.serviceName,
        serviceModel: d.serviceModel,
        scope: d.scope,
        auditBodyId: d.auditBodyId,
        auditPeriod: d.auditPeriod,
        auditReportDate: d.auditReportDate,
        excludedObjectives: d.excludedObjectives,
      },
      d,
      d.auditBody,
      d.service,
    );
    return [
      {
        type: 'ApplicationSubmitted',
        data: {
          applicationId: d.applicationId,
          serviceId: d.serviceId,
          providerId: d.providerId,
          kind: d.kind,
          track: d.track,
          submittedOn: d.submittedOn,
          ...details,
        },
      },
    ];
  }

  const app = requireExisting(state);
  switch (command.type) {
    case 'AcceptApplication': {
      requireStatus(app, ['SUBMITTED'], 'APPLICATION.NOT_SUBMITTED');
      requireNotBefore(app, command.data.acceptedOn, 'The acceptance');
      requireNotInFuture(command.data.acceptedOn, context, 'The acceptance date');
      return [
        {
          type: 'ApplicationAccepted',
          data: { applicationId: app.applicationId, acceptedOn: command.data.acceptedOn },
        },
      ];
    }
    case 'ReturnApplication': {
      requireStatus(app, ['SUBMITTED'], 'APPLICATION.NOT_SUBMITTED');
      requireNotBefore(app, command.data.returnedOn, 'The return');
      requireNotInFuture(command.data.returnedOn, context, 'The return date');
      return [
        {
          type: 'ApplicationReturned',
          data: {
            applicationId: app.applicationId,
            reason: requireText(command.data.reason, 'APPLICATION.REASON_REQUIRED', 'The reason'),
            returnedOn: command.data.returnedOn,
          },
        },
      ];
    }
    case 'ResubmitApplication': {
      requireOwner(app, command.data.providerId);
      requireStatus(app, ['RETURNED'], 'APPLICATION.NOT_RETURNED');
      requireNotBefore(app, command.data.resubmittedOn, 'The resubmission');
      requireNotInFuture(command.data.resubmittedOn, context, 'The resubmission date');
      const merged = checkContent(
        { ...pickDetails(app), ...command.data.changes },
        { ...app, submittedOn: command.data.resubmittedOn },
        command.data.auditBody,
        command.data.service,
      );
      // Only the fields the provider changed are recorded, in their checked (trimmed) form.
      const changes = Object.fromEntries(
        Object.keys(command.data.changes).map((key) => [key, merged[key as keyof ApplicationDetails]]),
      ) as Partial<ApplicationDetails>;
      return [
        {
          type: 'ApplicationResubmitted',
          data: { applicationId: app.applicationId, changes, resubmittedOn: command.data.resubmittedOn },
        },
      ];
    }
    case 'RecordAuditFinding': {
      if (command.data.auditBodyId !== app.auditBodyId) {
        // Only the audit body named in the application may record its findings; others must not learn it exists.
        throw new DomainError('APPLICATION.NOT_FOUND', 'No such application', 'not_found');
      }
      requireStatus(app, ['SUBMITTED', 'RETURNED', 'ACCEPTED'], 'APPLICATION.CLOSED_FOR_FINDINGS');
      requireNotBefore(app, command.data.recordedOn, 'The finding');
      requireNotInFuture(command.data.recordedOn, context, 'The finding date');
      parseControlId(command.data.controlId);
      return [
        {
          type: 'AuditFindingRecorded',
          data: {
            applicationId: app.applicationId,
            serviceId: app.serviceId,
            findingId: findingIdOf(app.applicationId, app.findingCount + 1),
            auditBodyId: app.auditBodyId,
            controlId: command.data.controlId,
            assessment: command.data.assessment,
            kind: command.data.kind,
            description: requireText(
              command.data.description,
              'FINDING.DESCRIPTION_REQUIRED',
              'The description',
            ),
            evidenceRefs: command.data.evidenceRefs,
            recordedOn: command.data.recordedOn,
          },
        },
      ];
    }
    case 'RaiseReviewFinding': {
      requireStatus(app, ['ACCEPTED'], 'APPLICATION.NOT_UNDER_REVIEW');
      requireNotBefore(app, command.data.raisedOn, 'The finding');
      requireNotInFuture(command.data.raisedOn, context, 'The finding date');
      if (command.data.controlId !== null) parseControlId(command.data.controlId);
      return [
        {
          type: 'ReviewFindingRaised',
          data: {
            applicationId: app.applicationId,
            serviceId: app.serviceId,
            findingId: findingIdOf(app.applicationId, app.findingCount + 1),
            controlId: command.data.controlId,
            description: requireText(
              command.data.description,
              'FINDING.DESCRIPTION_REQUIRED',
              'The description',
            ),
            raisedOn: command.data.raisedOn,
          },
        },
      ];
    }
    case 'RespondToFinding': {
      requireOwner(app, command.data.providerId);
      const finding = requireOpenFinding(app, command.data.findingId);
      requireStatus(app, ['SUBMITTED', 'RETURNED', 'ACCEPTED'], 'APPLICATION.CLOSED_FOR_FINDINGS');
      requireNotBefore(app, command.data.respondedOn, 'The response');
      requireNotInFuture(command.data.respondedOn, context, 'The response date');
      return [
        {
          type: 'FindingResponded',
          data: {
            applicationId: app.applicationId,
            findingId: finding.findingId,
            correctiveAction: requireText(
              command.data.correctiveAction,
              'FINDING.RESPONSE_REQUIRED',
              'The corrective action',
            ),
            respondedOn: command.data.respondedOn,
          },
        },
      ];
    }
    case 'ResolveFinding': {
      const finding = requireOpenFinding(app, command.data.findingId);
      if (command.data.resolution === 'RESOLVED' && finding.status !== 'RESPONDED') {
        throw new DomainError(
          'FINDING.NO_RESPONSE',
          'A finding is RESOLVED only after the provider answered it; accept it as a risk otherwise',
        );
      }
      requireNotBefore(app, command.data.resolvedOn, 'The resolution');
      requireNotInFuture(command.data.resolvedOn, context, 'The resolution date');
      return [
        {
          type: 'FindingResolved',
          data: {
            applicationId: app.applicationId,
            findingId: finding.findingId,
            resolution: command.data.resolution,
            note: requireText(command.data.note, 'FINDING.NOTE_REQUIRED', 'The note'),
            resolvedOn: command.data.resolvedOn,
          },
        },
      ];
    }
    case 'ReferApplication': {
      requireStatus(app, ['ACCEPTED'], 'APPLICATION.NOT_ACCEPTED');
      const open = Object.values(app.findings).filter(isOpenFinding);
      if (open.length > 0) {
        throw new DomainError(
          'APPLICATION.OPEN_FINDINGS',
          `${open.length} finding(s) are still open; resolve them before referral`,
          'rule',
          { findings: open.map((f) => f.findingId) },
        );
      }
      const meeting = command.data.meeting;
      if (meeting === null)
        throw new DomainError('MEETING.NOT_FOUND', `No committee meeting ${command.data.meetingId}`);
      requireNotBefore(app, command.data.referredOn, 'The referral');
      requireNotInFuture(command.data.referredOn, context, 'The referral date');
      if (command.data.referredOn > meeting.heldOn) {
        throw new DomainError(
          'REFERRAL.AFTER_MEETING',
          `Meeting ${meeting.number} was held on ${meeting.heldOn}, before the referral (${command.data.referredOn})`,
        );
      }
      return [
        {
          type: 'ApplicationReferred',
          data: {
            applicationId: app.applicationId,
            meetingId: meeting.meetingId,
            meetingNumber: meeting.number,
            meetingHeldOn: meeting.heldOn,
            referredOn: command.data.referredOn,
          },
        },
      ];
    }
    case 'WithdrawApplication': {
      requireOwner(app, command.data.providerId);
      requireStatus(app, ['SUBMITTED', 'RETURNED', 'ACCEPTED', 'REFERRED'], 'APPLICATION.ALREADY_CLOSED');
      requireNotBefore(app, command.data.withdrawnOn, 'The withdrawal');
      requireNotInFuture(command.data.withdrawnOn, context, 'The withdrawal date');
      return [
        {
          type: 'ApplicationWithdrawn',
          data: {
            applicationId: app.applicationId,
            serviceId: app.serviceId,
            kind: app.kind,
            reason: requireText(command.data.reason, 'APPLICATION.REASON_REQUIRED', 'The reason'),
            withdrawnOn: command.data.withdrawnOn,
          },
        },
      ];
    }
    case 'ApplyRuling': {
      const d = command.data;
      if (app.status !== 'REFERRED' || app.referredTo?.meetingId !== d.meetingId) {
        throw new DomainError(
          'RULING.NOT_REFERRED_TO_MEETING',
          "The application is not on this meeting's agenda",
          'conflict',
        );
      }
      if (d.decision === 'DEFER') {
        return [
          {
            type: 'ApplicationDeferred',
            data: {
              applicationId: app.applicationId,
              rulingId: d.rulingId,
              meetingId: d.meetingId,
              deferredOn: d.decidedOn,
            },
          },
        ];
      }
      return [
        {
          type: 'ApplicationDecided',
          data: {
            applicationId: app.applicationId,
            rulingId: d.rulingId,
            meetingId: d.meetingId,
            decision: d.decision,
            decidedOn: d.decidedOn,
            registrationNumber: d.registrationNumber,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

function requireOwner(app: Open, providerId: string): void {
  // Another provider's application does not exist as far as that provider can tell.
  if (app.providerId !== providerId)
    throw new DomainError('APPLICATION.NOT_FOUND', 'No such application', 'not_found');
}

function requireOpenFinding(app: Open, findingId: string): FindingState {
  const finding = requireFinding(app, findingId);
  if (!isOpenFinding(finding)) {
    throw new DomainError(
      'FINDING.ALREADY_CLOSED',
      `Finding ${finding.findingId} is ${finding.status}`,
      'conflict',
    );
  }
  return finding;
}

function requireFinding(app: Open, findingId: string): FindingState {
  const finding = app.findings[findingId];
  if (finding === undefined) throw new DomainError('FINDING.NOT_FOUND', 'No such finding', 'not_found');
  return finding;
}

function pickDetails(app: Open): ApplicationDetails {
  return {
    serviceName: app.serviceName,
    serviceModel: app.serviceModel,
    scope: app.scope,
    auditBodyId: app.auditBodyId,
    auditPeriod: app.auditPeriod,
    auditReportDate: app.auditReportDate,
    excludedObjectives: app.excludedObjectives,
  };
}

function withFinding(app: Open, finding: FindingState, date: string): Open {
  return {
    ...app,
    findings: { ...app.findings, [finding.findingId]: finding },
    lastDate: later(app.lastDate, date),
  };
}

const later = (a: string, b: string): string => (a > b ? a : b);

function evolve(state: ApplicationState, event: ApplicationEvent): ApplicationState {
  if (event.type === 'ApplicationSubmitted') {
    const d = event.data;
    return {
      status: 'SUBMITTED',
      applicationId: d.applicationId,
      serviceId: d.serviceId,
      providerId: d.providerId,
      kind: d.kind,
      track: d.track,
      submittedOn: d.submittedOn,
      lastDate: d.submittedOn,
      serviceName: d.serviceName,
      serviceModel: d.serviceModel,
      scope: d.scope,
      auditBodyId: d.auditBodyId,
      auditPeriod: d.auditPeriod,
      auditReportDate: d.auditReportDate,
      excludedObjectives: d.excludedObjectives,
      referredTo: null,
      findings: {},
      findingCount: 0,
      decision: null,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ApplicationAccepted':
      return { ...state, status: 'ACCEPTED', lastDate: later(state.lastDate, event.data.acceptedOn) };
    case 'ApplicationReturned':
      return { ...state, status: 'RETURNED', lastDate: later(state.lastDate, event.data.returnedOn) };
    case 'ApplicationResubmitted':
      return {
        ...state,
        ...event.data.changes,
        status: 'SUBMITTED',
        lastDate: later(state.lastDate, event.data.resubmittedOn),
      };
    case 'AuditFindingRecorded':
    case 'ReviewFindingRaised': {
      const date = event.type === 'AuditFindingRecorded' ? event.data.recordedOn : event.data.raisedOn;
      const finding: FindingState = {
        findingId: event.data.findingId,
        source: event.type === 'AuditFindingRecorded' ? 'AUDIT' : 'REVIEW',
        controlId: event.data.controlId,
        status: 'OPEN',
      };
      return { ...withFinding(state, finding, date), findingCount: state.findingCount + 1 };
    }
    case 'FindingResponded': {
      const finding = state.findings[event.data.findingId];
      return finding
        ? withFinding(state, { ...finding, status: 'RESPONDED' }, event.data.respondedOn)
        : state;
    }
    case 'FindingResolved': {
      const finding = state.findings[event.data.findingId];
      const status: FindingStatus = event.data.resolution === 'RESOLVED' ? 'RESOLVED' : 'RISK_ACCEPTED';
      return finding ? withFinding(state, { ...finding, status }, event.data.resolvedOn) : state;
    }
    case 'ApplicationReferred':
      return {
        ...state,
        status: 'REFERRED',
        referredTo: {
          meetingId: event.data.meetingId,
          number: event.data.meetingNumber,
          heldOn: event.data.meetingHeldOn,
        },
        lastDate: later(state.lastDate, event.data.referredOn),
      };
    case 'ApplicationWithdrawn':
      return { ...state, status: 'WITHDRAWN', lastDate: later(state.lastDate, event.data.withdrawnOn) };
    case 'ApplicationDeferred':
      return {
        ...state,
        status: 'ACCEPTED',
        referredTo: null,
        lastDate: later(state.lastDate, event.data.deferredOn),
      };
    case 'ApplicationDecided':
      return {
        ...state,
        status: 'DECIDED',
        decision: event.data.decision,
        lastDate: later(state.lastDate, event.data.decidedOn),
      };
    default:
      return assertNever(event);
  }
}

export const applicationDecider: Decider<ApplicationCommand, ApplicationEvent, ApplicationState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
