import type { Role } from '../roles';
import { ownsService } from './rules';
import {
  applicationsNamingAuditBody,
  applicationsOfProvider,
  findingsOfAuditBody,
  findingsOfProvider,
  namedInApplication,
  ownsApplication,
  ownsFindingService,
  ownsWebhook,
} from './rules';
import { ANY, anyone, byAudience, onList, onObject, roles } from './policy';
import type { RoutePolicy } from './policy';

/** The review process: the secretariat, the IPA's reviewers and the committee see every object. */
const REVIEW = {
  secretariat: ANY,
  'ipa-reviewer': ANY,
  'committee-member': ANY,
} as const satisfies Partial<Record<Role, typeof ANY>>;

/** `GET /services/:id` answers with one of these serializers (least first). */
export const SERVICE_AUDIENCES = ['public', 'privileged'] as const;
export type ServiceAudience = (typeof SERVICE_AUDIENCES)[number];

/**
 * Who may call each route, and on which objects: the one place that says so. Keys are `METHOD /path` exactly as
 * Nest registers the route (controller path + handler path, `:param` as declared). The guard applies the row
 * before any handler runs; `test/e2e/authorization-matrix.table.ts` states the expected outcome for every actor
 * and fails for a route without a row here or there. See libs/auth/README.md "Adding a route".
 */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  // Infrastructure and public reads.
  'GET /health/live': anyone(),
  'GET /health/ready': anyone(),
  'GET /lists/ismap': anyone(),
  'GET /lists/ismap-liu': anyone(),
  'GET /audit-bodies': anyone(),
  'GET /services/:id': byAudience('service', 'id', SERVICE_AUDIENCES, {
    anonymous: 'public',
    agency: 'public',
    'audit-body': 'public',
    csp: (org, service) => (ownsService(org, service) ? 'privileged' : 'public'),
    secretariat: 'privileged',
    'ipa-reviewer': 'privileged',
    'committee-member': 'privileged',
  }),

  // Confidential reads.
  'GET /applications': onList('application', {
    ...REVIEW,
    csp: applicationsOfProvider,
    'audit-body': applicationsNamingAuditBody,
  }),
  'GET /applications/:id': onObject('application', 'id', {
    ...REVIEW,
    csp: ownsApplication,
    'audit-body': namedInApplication,
  }),
  'GET /findings': onList('finding', {
    ...REVIEW,
    csp: findingsOfProvider,
    'audit-body': findingsOfAuditBody,
  }),
  'GET /services/:id/history': onObject('service', 'id', { ...REVIEW, csp: ownsService }),
  'GET /audit-trail': roles('secretariat', 'ipa-reviewer', 'committee-member'),
  'GET /committee/decisions': roles('secretariat', 'ipa-reviewer', 'committee-member'),
  'GET /committee/meetings/:id': roles('secretariat', 'ipa-reviewer', 'committee-member'),
  'GET /access-log': roles('secretariat'),

  // Commands: registries.
  'POST /providers': roles('secretariat', 'ipa-reviewer'),
  'POST /audit-bodies': roles('secretariat', 'ipa-reviewer'),

  // Commands: an application's way. A csp submits for the organisation its token names.
  'POST /applications': roles('csp'),
  'POST /applications/:applicationId/accept': roles('ipa-reviewer'),
  'POST /applications/:applicationId/return': roles('ipa-reviewer'),
  'POST /applications/:applicationId/refer': roles('ipa-reviewer'),
  'POST /applications/:applicationId/review-findings': roles('ipa-reviewer'),
  'POST /applications/:applicationId/resubmit': onObject('application', 'applicationId', {
    csp: ownsApplication,
  }),
  'POST /applications/:applicationId/withdraw': onObject('application', 'applicationId', {
    csp: ownsApplication,
  }),
  'POST /applications/:applicationId/audit-findings': onObject('application', 'applicationId', {
    'audit-body': namedInApplication,
  }),
  'POST /findings/:findingId/responses': onObject('finding', 'findingId', { csp: ownsFindingService }),
  'POST /findings/:findingId/resolve': roles('ipa-reviewer'),

  // Commands: the committee.
  'POST /committee/meetings': roles('secretariat'),
  'POST /committee/meetings/:meetingId/rulings': roles('secretariat'),
  'POST /committee/meetings/:meetingId/rulings/:rulingId/confirm': roles('secretariat'),

  // Commands: a registered service.
  'POST /services/:serviceId/withdrawal': onObject('service', 'serviceId', { csp: ownsService }),
  'POST /services/:serviceId/incidents': onObject('service', 'serviceId', { csp: ownsService }),

  // Reports of the programme.
  'POST /reports': roles('secretariat'),
  'GET /reports/:reportId': roles('secretariat'),

  // The trail's integrity: verification, seals, proofs (docs/adr/0011).
  'GET /integrity/verify': roles('secretariat'),
  'GET /integrity/seals': roles('secretariat'),
  'GET /integrity/proof': roles('secretariat'),
  'GET /integrity/consistency': roles('secretariat'),

  // Webhooks: an organisation's own endpoints (the list is narrowed to them by its handler).
  'POST /webhooks': roles('csp', 'audit-body'),
  'GET /webhooks': roles('csp', 'audit-body'),
  'GET /webhooks/:webhookId/deliveries': onObject('webhook', 'webhookId', {
    csp: ownsWebhook,
    'audit-body': ownsWebhook,
  }),

  // The edge's own security.
  'POST /auth/revocations': roles('secretariat'),
};

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function policyFor(method: string, path: string): RoutePolicy | undefined {
  const key = routeKey(method, path);
  return Object.hasOwn(ROUTE_POLICIES, key) ? ROUTE_POLICIES[key] : undefined;
}
