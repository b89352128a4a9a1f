/**
 * The authorization matrix: for every route the running API registers, which actors pass its authorization.
 * `authorization-matrix.e2e.spec.ts` enumerates the routes from the Fastify router, fails for a route without a
 * row here (or without a policy row in libs/auth/src/policies/route-policies.ts), and calls each route as each
 * actor against real fixtures.
 *
 * - `allowed`: these actors pass authorization. A GET answers 200 (202 for a report still compiling); a POST is
 *   sent a probe body no route accepts (`{ "matrixProbe": true }`), so an actor that passed the guard gets 400
 *   `REQUEST.INVALID` from the validation pipe, which Nest runs only after every guard, and nothing is ever
 *   recorded. A 400 `REQUEST.INVALID` on a GET (its query refused) likewise shows the guard let it through.
 * - `hidden`: these actors hold a role the route serves but the object is not theirs: 404 with the object's
 *   `*.NOT_FOUND` code, as if it did not exist.
 * - every other actor: 401 `AUTH.AUTHENTICATION_REQUIRED` without a token, 403 `AUTH.FORBIDDEN` with one.
 * - `excluded`: infrastructure routes outside the programme's data, with the reason; they are not called. A route
 *   ending in `*` covers every registered route it prefixes (Swagger registers several asset routes).
 */

export const MATRIX_ACTORS = [
  'anonymous',
  'secretariat',
  'ipa-reviewer',
  'committee-member',
  'agency',
  /** csp of provider A, which owns the application, the service and the finding. */
  'csp-owner',
  /** csp of provider B. */
  'csp-other',
  /** audit-body X, named in the application and author of the finding. */
  'audit-body-named',
  /** audit-body Y, not named in the application (named in another application, of provider B). */
  'audit-body-other',
] as const;

export type MatrixActor = (typeof MATRIX_ACTORS)[number];

/** The objects every row's path can name, created through the real commands before the matrix runs. */
export interface MatrixFixtures {
  readonly providerA: string;
  readonly providerB: string;
  readonly auditBodyX: string;
  readonly auditBodyY: string;
  /** Provider A's application naming X; registered as `serviceId`. */
  readonly applicationId: string;
  readonly serviceId: string;
  /** Recorded by X on `applicationId`. */
  readonly findingId: string;
  readonly meetingId: string;
  /** A REVOKE awaiting its second secretariat. */
  readonly rulingId: string;
  /** Registered by provider A. */
  readonly webhookId: string;
  /** Requested by the secretariat. */
  readonly reportId: string;
}

export type MatrixRow =
  | {
      readonly route: string;
      readonly allowed: readonly MatrixActor[];
      readonly hidden?: readonly MatrixActor[];
      readonly path: (f: MatrixFixtures) => string;
    }
  | { readonly route: string; readonly excluded: string };

const EVERYONE = MATRIX_ACTORS;
const REVIEW = ['secretariat', 'ipa-reviewer', 'committee-member'] as const;

export const AUTHORIZATION_MATRIX: readonly MatrixRow[] = [
  // Infrastructure.
  {
    route: 'GET /health/live',
    excluded: 'infrastructure: liveness probe, public by design, carries no data',
  },
  {
    route: 'GET /health/ready',
    excluded: 'infrastructure: readiness probe, public by design, carries no data',
  },
  {
    route: 'GET /docs*',
    excluded:
      'infrastructure: the OpenAPI UI, its assets and /docs-json (Swagger, outside Nest), static, no data',
  },

  // Public reads.
  { route: 'GET /lists/ismap', allowed: EVERYONE, path: () => '/lists/ismap' },
  { route: 'GET /lists/ismap-liu', allowed: EVERYONE, path: () => '/lists/ismap-liu' },
  { route: 'GET /audit-bodies', allowed: EVERYONE, path: () => '/audit-bodies' },
  // Field-level: everyone reads, the serializer differs (asserted separately in the spec).
  { route: 'GET /services/:id', allowed: EVERYONE, path: (f) => `/services/${f.serviceId}` },

  // Confidential reads.
  {
    route: 'GET /applications',
    allowed: [...REVIEW, 'csp-owner', 'csp-other', 'audit-body-named', 'audit-body-other'],
    path: () => '/applications',
  },
  {
    route: 'GET /applications/:id',
    allowed: [...REVIEW, 'csp-owner', 'audit-body-named'],
    hidden: ['csp-other', 'audit-body-other'],
    path: (f) => `/applications/${f.applicationId}`,
  },
  {
    route: 'GET /findings',
    allowed: [...REVIEW, 'csp-owner', 'csp-other', 'audit-body-named', 'audit-body-other'],
    path: () => '/findings',
  },
  {
    route: 'GET /services/:id/history',
    allowed: [...REVIEW, 'csp-owner'],
    hidden: ['csp-other'],
    path: (f) => `/services/${f.serviceId}/history`,
  },
  { route: 'GET /audit-trail', allowed: REVIEW, path: () => '/audit-trail' },
  { route: 'GET /committee/decisions', allowed: REVIEW, path: () => '/committee/decisions' },
  {
    route: 'GET /committee/meetings/:id',
    allowed: REVIEW,
    path: (f) => `/committee/meetings/${f.meetingId}`,
  },
  { route: 'GET /access-log', allowed: ['secretariat'], path: () => '/access-log' },

  // Commands: registries.
  { route: 'POST /providers', allowed: ['secretariat', 'ipa-reviewer'], path: () => '/providers' },
  { route: 'POST /audit-bodies', allowed: ['secretariat', 'ipa-reviewer'], path: () => '/audit-bodies' },

  // Commands: applications and findings.
  { route: 'POST /applications', allowed: ['csp-owner', 'csp-other'], path: () => '/applications' },
  ...(['accept', 'return', 'refer', 'review-findings'] as const).map((action) => ({
    route: `POST /applications/:applicationId/${action}`,
    allowed: ['ipa-reviewer'] as const,
    path: (f: MatrixFixtures) => `/applications/${f.applicationId}/${action}`,
  })),
  ...(['resubmit', 'withdraw'] as const).map((action) => ({
    route: `POST /applications/:applicationId/${action}`,
    allowed: ['csp-owner'] as const,
    hidden: ['csp-other'] as const,
    path: (f: MatrixFixtures) => `/applications/${f.applicationId}/${action}`,
  })),
  {
    route: 'POST /applications/:applicationId/audit-findings',
    allowed: ['audit-body-named'],
    hidden: ['audit-body-other'],
    path: (f) => `/applications/${f.applicationId}/audit-findings`,
  },
  {
    route: 'POST /findings/:findingId/responses',
    allowed: ['csp-owner'],
    hidden: ['csp-other'],
    path: (f) => `/findings/${f.findingId}/responses`,
  },
  {
    route: 'POST /findings/:findingId/resolve',
    allowed: ['ipa-reviewer'],
    path: (f) => `/findings/${f.findingId}/resolve`,
  },

  // Commands: the committee.
  { route: 'POST /committee/meetings', allowed: ['secretariat'], path: () => '/committee/meetings' },
  {
    route: 'POST /committee/meetings/:meetingId/rulings',
    allowed: ['secretariat'],
    path: (f) => `/committee/meetings/${f.meetingId}/rulings`,
  },
  {
    route: 'POST /committee/meetings/:meetingId/rulings/:rulingId/confirm',
    allowed: ['secretariat'],
    path: (f) => `/committee/meetings/${f.meetingId}/rulings/${f.rulingId}/confirm`,
  },

  // Commands: a registered service.
  ...(['withdrawal', 'incidents'] as const).map((action) => ({
    route: `POST /services/:serviceId/${action}`,
    allowed: ['csp-owner'] as const,
    hidden: ['csp-other'] as const,
    path: (f: MatrixFixtures) => `/services/${f.serviceId}/${action}`,
  })),

  // Reports.
  { route: 'POST /reports', allowed: ['secretariat'], path: () => '/reports' },
  { route: 'GET /reports/:reportId', allowed: ['secretariat'], path: (f) => `/reports/${f.reportId}` },

  // The trail's integrity (before any seal, a proof is against the current head; position 0 is the empty tree).
  { route: 'GET /integrity/verify', allowed: ['secretariat'], path: () => '/integrity/verify' },
  { route: 'GET /integrity/seals', allowed: ['secretariat'], path: () => '/integrity/seals' },
  {
    route: 'GET /integrity/proof',
    allowed: ['secretariat'],
    path: (f) => `/integrity/proof?stream=application-${f.applicationId}&revision=0`,
  },
  {
    route: 'GET /integrity/consistency',
    allowed: ['secretariat'],
    path: () => '/integrity/consistency?from=0&to=0',
  },

  // Webhooks: an organisation's own endpoints.
  {
    route: 'POST /webhooks',
    allowed: ['csp-owner', 'csp-other', 'audit-body-named', 'audit-body-other'],
    path: () => '/webhooks',
  },
  {
    route: 'GET /webhooks',
    allowed: ['csp-owner', 'csp-other', 'audit-body-named', 'audit-body-other'],
    path: () => '/webhooks',
  },
  {
    route: 'GET /webhooks/:webhookId/deliveries',
    allowed: ['csp-owner'],
    hidden: ['csp-other', 'audit-body-named', 'audit-body-other'],
    path: (f) => `/webhooks/${f.webhookId}/deliveries`,
  },

  // The edge's own security.
  { route: 'POST /auth/revocations', allowed: ['secretariat'], path: () => '/auth/revocations' },
];
