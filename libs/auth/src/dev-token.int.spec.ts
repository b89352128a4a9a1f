import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AUDIENCE, ISSUER, NOW, NOW_SECONDS } from './auth-test-fixtures.spec';
import { loadOrCreateDevKeyPair } from './dev-keys';
import { issueDevToken } from './dev-token';
import type { DevTokenRequest } from './dev-token';
import { DevTokenRequestError } from './errors';
import { DevKeySource } from './key-source';
import { TokenVerifier } from './token-verifier';

describe('issueDevToken', () => {
  let dataDir: string;
  let verifier: TokenVerifier;
  const issue = (request: DevTokenRequest): Promise<string> =>
    issueDevToken(request, { dataDir, issuer: ISSUER, audience: AUDIENCE, now: NOW });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ismap-auth-token-'));
    verifier = new TokenVerifier(await DevKeySource.open(dataDir), {
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW,
    });
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs an ES256 token with defaults: sub dev-<role>, 8 h, a fresh jti', async () => {
    const token = await issue({ role: 'ipa-reviewer' });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'ES256',
      typ: 'JWT',
      kid: (await loadOrCreateDevKeyPair(dataDir)).kid,
    });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: 'dev-ipa-reviewer',
      roles: ['ipa-reviewer'],
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW_SECONDS,
      nbf: NOW_SECONDS,
      exp: NOW_SECONDS + 8 * 3600,
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(await issue({ role: 'ipa-reviewer' })).jti).not.toBe(payload.jti);
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'dev-ipa-reviewer',
      roles: ['ipa-reviewer'],
    });
  });

  it('carries org, sub and ttl for a csp', async () => {
    const token = await issue({ role: 'csp', org: 'provider-7', sub: 'hanako', ttlSeconds: 600 });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'hanako',
      roles: ['csp'],
      org: 'provider-7',
      expiresAt: NOW_SECONDS + 600,
    });
  });

  it.each([
    [
      'an unknown role, listing the roles',
      { role: 'admin' },
      'Unknown role "admin". Known roles: secretariat, ipa-reviewer, committee-member, audit-body, csp, agency',
    ],
    ['csp without org', { role: 'csp' }, 'Role csp needs an org (its providerId)'],
    ['audit-body without org', { role: 'audit-body' }, 'Role audit-body needs an org (its auditBodyId)'],
    [
      'an org for a role without one',
      { role: 'agency', org: 'x' },
      'Only audit-body and csp tokens carry an org; agency does not',
    ],
    ['an empty sub', { role: 'agency', sub: '' }, 'sub is empty'],
    [
      'a ttl of zero',
      { role: 'agency', ttlSeconds: 0 },
      'ttlSeconds must be a whole number from 1 to 2592000',
    ],
  ])('refuses %s', async (_name, request, message) => {
    await expect(issue(request)).rejects.toThrow(new DevTokenRequestError(message));
    await expect(issue(request)).rejects.toBeInstanceOf(DevTokenRequestError);
  });
});
