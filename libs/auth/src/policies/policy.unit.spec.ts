import type { Principal } from '../principal';
import { ANONYMOUS } from '../principal';
import type { Role } from '../roles';
import type { ApplicationFacts, FindingFacts, PolicyFacts } from './facts';
import { identityFieldsIn } from './identity-claims';
import {
  ACTORS,
  ANY,
  actorsAllowedBy,
  anyone,
  byAudience,
  evaluatePolicy,
  onList,
  onObject,
  roles,
} from './policy';
import { ROUTE_POLICIES } from './route-policies';
import {
  applicationsOfProvider,
  findingsOfAuditBody,
  findingsOfProvider,
  namedInApplication,
  ownsApplication,
  ownsService,
} from './rules';

const PROVIDER_A = 'P1000000000001';
const PROVIDER_B = 'P1000000000002';
const AUDIT_X = 'AB1000000000001';
const AUDIT_Y = 'AB1000000000002';

const who = (roleList: Role[], org?: string): Principal => ({
  anonymous: false,
  sub: `${roleList.join('+')}@test`,
  roles: roleList,
  ...(org === undefined ? {} : { org }),
  jti: 'jti',
  expiresAt: 0,
});

const APP_1: ApplicationFacts = { providerId: PROVIDER_A, auditBodyId: AUDIT_X, serviceId: 'svc-1' };

/** In-memory facts that count how often they are asked. */
function factsOf(underAudit: Record<string, string[]> = {}) {
  const calls: string[] = [];
  const facts: PolicyFacts = {
    application: (id) => {
      calls.push(`application ${id}`);
      return Promise.resolve(id === 'app-1' ? APP_1 : undefined);
    },
    service: (id) => Promise.resolve(id === 'svc-1' ? { providerId: PROVIDER_A } : undefined),
    finding: () => Promise.resolve(undefined),
    webhook: () => Promise.resolve(undefined),
    servicesUnderAuditBy: (auditBodyId) => {
      calls.push(`under audit ${auditBodyId}`);
      return Promise.resolve(new Set(underAudit[auditBodyId] ?? []));
    },
  };
  return { facts, calls };
}

const noFacts = (): PolicyFacts => {
  throw new Error('this rule must not need facts');
};

describe('route policies', () => {
  describe('roles()', () => {
    const policy = roles('secretariat', 'ipa-reviewer');

    it('asks a caller without a token to authenticate, refuses other roles, lets the listed ones through', async () => {
      expect(await evaluatePolicy(policy, ANONYMOUS, {}, noFacts)).toMatchObject({
        allowed: false,
        failure: 'unauthenticated',
      });
      expect(await evaluatePolicy(policy, who(['csp'], PROVIDER_A), {}, noFacts)).toMatchObject({
        allowed: false,
        failure: 'forbidden',
      });
      expect(await evaluatePolicy(policy, who(['ipa-reviewer']), {}, noFacts)).toMatchObject({
        allowed: true,
      });
    });

    it('anyone() lets every actor through, with or without a token', async () => {
      expect(actorsAllowedBy(anyone())).toEqual(ACTORS);
      expect(await evaluatePolicy(anyone(), ANONYMOUS, {}, noFacts)).toMatchObject({ allowed: true });
    });
  });

  describe('onObject()', () => {
    const policy = onObject('application', 'id', {
      secretariat: ANY,
      csp: ownsApplication,
      'audit-body': namedInApplication,
    });

    it('lets the owner and the named audit body see the application', async () => {
      const { facts } = factsOf();
      for (const principal of [who(['csp'], PROVIDER_A), who(['audit-body'], AUDIT_X)]) {
        expect(await evaluatePolicy(policy, principal, { id: 'app-1' }, () => facts)).toMatchObject({
          allowed: true,
        });
      }
    });

    it('hides it from another organisation exactly as an application that does not exist', async () => {
      const { facts } = factsOf();
      const other = await evaluatePolicy(policy, who(['csp'], PROVIDER_B), { id: 'app-1' }, () => facts);
      const missing = await evaluatePolicy(policy, who(['csp'], PROVIDER_A), { id: 'app-9' }, () => facts);
      const auditor = await evaluatePolicy(
        policy,
        who(['audit-body'], AUDIT_Y),
        { id: 'app-1' },
        () => facts,
      );
      for (const decision of [other, missing, auditor]) {
        expect(decision).toMatchObject({ allowed: false, failure: 'hidden', resource: 'application' });
      }
    });

    it('does not load facts for a role that sees every object', async () => {
      expect(await evaluatePolicy(policy, who(['secretariat']), { id: 'app-1' }, noFacts)).toMatchObject({
        allowed: true,
      });
    });

    it('refuses (403) a role without an entry, before loading anything', async () => {
      expect(await evaluatePolicy(policy, who(['agency']), { id: 'app-1' }, noFacts)).toMatchObject({
        allowed: false,
        failure: 'forbidden',
      });
    });

    it('never lets an org-scoped rule pass for a token without an organisation', async () => {
      const { facts, calls } = factsOf();
      expect(await evaluatePolicy(policy, who(['csp']), { id: 'app-1' }, () => facts)).toMatchObject({
        allowed: false,
        failure: 'hidden',
      });
      expect(calls).toEqual([]);
    });
  });

  describe('onList()', () => {
    const finding = (providerId: string, auditBodyId: string, serviceId: string): FindingFacts => ({
      providerId,
      auditBodyId,
      serviceId,
    });
    const FINDINGS = [
      finding(PROVIDER_A, AUDIT_X, 'svc-1'),
      finding(PROVIDER_A, AUDIT_X, 'svc-2'),
      finding(PROVIDER_B, AUDIT_Y, 'svc-3'),
    ];
    const policy = onList('finding', {
      'ipa-reviewer': ANY,
      csp: findingsOfProvider,
      'audit-body': findingsOfAuditBody,
    });

    it('keeps a provider to the findings of its own services', async () => {
      const decision = await evaluatePolicy(policy, who(['csp'], PROVIDER_B), {}, () => factsOf().facts);
      if (!decision.allowed) throw new Error('expected allowed');
      expect(await decision.visible(FINDINGS)).toEqual([FINDINGS[2]]);
    });

    it('gives an audit body its own findings and the prior findings of the services it audits now', async () => {
      const { facts } = factsOf({ [AUDIT_Y]: ['svc-1'] });
      const decision = await evaluatePolicy(policy, who(['audit-body'], AUDIT_Y), {}, () => facts);
      if (!decision.allowed) throw new Error('expected allowed');
      expect(await decision.visible(FINDINGS)).toEqual([FINDINGS[0], FINDINGS[2]]);
    });

    it('loads what a list rule needs only when the handler filters (after its read-your-writes wait)', async () => {
      const { facts, calls } = factsOf();
      const decision = await evaluatePolicy(policy, who(['audit-body'], AUDIT_X), {}, () => facts);
      expect(calls).toEqual([]);
      if (!decision.allowed) throw new Error('expected allowed');
      await decision.visible(FINDINGS);
      expect(calls).toEqual([`under audit ${AUDIT_X}`]);
    });

    it('shows the review process everything', async () => {
      const decision = await evaluatePolicy(policy, who(['ipa-reviewer']), {}, noFacts);
      if (!decision.allowed) throw new Error('expected allowed');
      expect(await decision.visible(FINDINGS)).toEqual(FINDINGS);
    });

    it('keeps the union of what several roles of one token may see', async () => {
      const apps = onList('application', { csp: applicationsOfProvider, agency: ANY });
      const decision = await evaluatePolicy(apps, who(['csp', 'agency'], PROVIDER_B), {}, noFacts);
      if (!decision.allowed) throw new Error('expected allowed');
      expect(await decision.visible([APP_1])).toEqual([APP_1]);
    });
  });

  describe('byAudience()', () => {
    const policy = byAudience('service', 'id', ['public', 'privileged'], {
      anonymous: 'public',
      secretariat: 'privileged',
      csp: (org, service) => (ownsService(org, service) ? 'privileged' : 'public'),
    });
    const audienceOf = async (principal: Principal, id = 'svc-1') => {
      const decision = await evaluatePolicy(policy, principal, { id }, () => factsOf().facts);
      return decision.allowed ? decision.audience : decision.failure;
    };

    it('names the serializer each caller gets', async () => {
      expect(await audienceOf(ANONYMOUS)).toBe('public');
      expect(await audienceOf(who(['secretariat']))).toBe('privileged');
      expect(await audienceOf(who(['csp'], PROVIDER_A))).toBe('privileged');
      expect(await audienceOf(who(['csp'], PROVIDER_B))).toBe('public');
      expect(await audienceOf(who(['csp'], PROVIDER_A), 'svc-9')).toBe('public');
      expect(await audienceOf(who(['agency']))).toBe('forbidden');
    });
  });

  describe('ROUTE_POLICIES', () => {
    it('is keyed `METHOD /path` and speaks only of known actors', () => {
      for (const [key, policy] of Object.entries(ROUTE_POLICIES)) {
        expect(key).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \/[A-Za-z0-9:/_-]*$/);
        expect(actorsAllowedBy(policy).length).toBeGreaterThan(0);
      }
    });

    it('hides applications, findings and services of another organisation on every route about them', async () => {
      const { facts } = factsOf();
      const outsider = who(['csp'], PROVIDER_B);
      for (const key of ['GET /applications/:id', 'POST /applications/:applicationId/withdraw']) {
        const policy = ROUTE_POLICIES[key];
        if (policy === undefined) throw new Error(`no policy for ${key}`);
        const params = { id: 'app-1', applicationId: 'app-1' };
        expect(await evaluatePolicy(policy, outsider, params, () => facts)).toMatchObject({
          failure: 'hidden',
        });
      }
    });
  });

  describe('identity claims in bodies', () => {
    it('names every top-level field that would claim who acts, and nothing else', () => {
      expect(identityFieldsIn({ actor: 'x', org: 'P1', reason: 'y' })).toEqual(['actor', 'org']);
      expect(identityFieldsIn({ createdBy: null })).toEqual(['createdBy']);
      expect(identityFieldsIn({ scope: { org: 'nested is a field of scope' } })).toEqual([]);
      expect(identityFieldsIn([{ actor: 'x' }])).toEqual([]);
      expect(identityFieldsIn(undefined)).toEqual([]);
      expect(identityFieldsIn(Object.create({ actor: 'inherited' }))).toEqual([]);
    });
  });
});
