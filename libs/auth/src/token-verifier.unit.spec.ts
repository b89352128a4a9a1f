import { base64url, generateKeyPair, UnsecuredJWT, exportSPKI } from 'jose';
import {
  AUDIENCE,
  claims,
  expectAuthenticationError,
  failureOf,
  inMemoryKeys,
  ISSUER,
  NOW,
  NOW_SECONDS,
  sign,
} from './auth-test-fixtures.spec';
import type { TestKeys } from './auth-test-fixtures.spec';
import { AuthConfigurationError, AuthenticationError, AuthUnavailableError } from './errors';
import { ANONYMOUS } from './principal';
import type { AuthenticatedPrincipal } from './principal';
import { TokenVerifier } from './token-verifier';
import type { TokenVerifierOptions } from './token-verifier';

describe('TokenVerifier', () => {
  let keys: TestKeys;
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}): TokenVerifier =>
    new TokenVerifier(keys.source, { issuer: ISSUER, audience: AUDIENCE, now: () => NOW, ...options });

  beforeAll(async () => {
    keys = await inMemoryKeys();
  });

  it('accepts a valid ES256 token and returns its principal', async () => {
    const token = await sign(keys.privateKey, claims({ roles: ['csp'], org: 'provider-42', sub: 'bob' }));
    await expect(verifierWith().verify(token)).resolves.toEqual({
      anonymous: false,
      sub: 'bob',
      roles: ['csp'],
      org: 'provider-42',
      jti: 'jti-0001',
      expiresAt: NOW_SECONDS + 3600,
    });
  });

  it('treats a missing Authorization header as anonymous, and any other header as an attempt to authenticate', async () => {
    const verifier = verifierWith();
    await expect(verifier.principalFromHeader(undefined)).resolves.toBe(ANONYMOUS);
    const token = await sign(keys.privateKey, claims());
    await expect(verifier.principalFromHeader(`Bearer ${token}`)).resolves.toMatchObject({ sub: 'alice' });
    await expectAuthenticationError(
      verifier.principalFromHeader('Basic YWxpY2U6c2VjcmV0'),
      'AUTH.HEADER_MALFORMED',
    );
    await expectAuthenticationError(verifier.principalFromHeader('Bearer not-a-jwt'), 'AUTH.TOKEN_INVALID');
  });

  describe('refuses forged algorithms', () => {
    it('HS256 signed with the public key as the shared secret', async () => {
      const secret = new TextEncoder().encode(await exportSPKI(keys.publicKey));
      const token = await sign(secret, claims(), { alg: 'HS256', typ: 'JWT' });
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', /alg not allowed/);
    });

    it('alg none', async () => {
      const token = new UnsecuredJWT(claims()).encode();
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', /alg not allowed/);
    });

    it('another ES curve (ES384)', async () => {
      const other = await generateKeyPair('ES384');
      const token = await sign(other.privateKey, claims(), { alg: 'ES384' });
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', /alg not allowed/);
    });
  });

  describe('refuses tampering', () => {
    it('a changed signature', async () => {
      const [header, payload, signature] = (await sign(keys.privateKey, claims())).split('.') as [
        string,
        string,
        string,
      ];
      const bytes = base64url.decode(signature);
      bytes[10] = (bytes[10] ?? 0) ^ 0xff;
      const token = `${header}.${payload}.${base64url.encode(bytes)}`;
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', /signature/);
    });

    it('a payload promoted to secretariat under the original signature', async () => {
      const [header, , signature] = (await sign(keys.privateKey, claims({ roles: ['agency'] }))).split('.');
      const forged = base64url.encode(JSON.stringify(claims({ roles: ['secretariat'] })));
      await expectAuthenticationError(
        verifierWith().verify(`${header}.${forged}.${signature}`),
        'AUTH.TOKEN_INVALID',
        /signature/,
      );
    });

    it('a token signed by some other key', async () => {
      const stranger = await inMemoryKeys();
      const token = await sign(stranger.privateKey, claims());
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', /signature/);
    });
  });

  describe('time, with at most 60 s of clock skew', () => {
    it('tolerates a token that expired 30 s ago or becomes valid in 30 s', async () => {
      const verifier = verifierWith();
      await expect(
        verifier.verify(await sign(keys.privateKey, claims({ exp: NOW_SECONDS - 30 }))),
      ).resolves.toMatchObject({ sub: 'alice' });
      await expect(
        verifier.verify(await sign(keys.privateKey, claims({ nbf: NOW_SECONDS + 30 }))),
      ).resolves.toMatchObject({ sub: 'alice' });
    });

    it('refuses a token that expired 120 s ago', async () => {
      const token = await sign(keys.privateKey, claims({ exp: NOW_SECONDS - 120 }));
      const error = await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_EXPIRED');
      expect(error.getStatus()).toBe(401);
    });

    it('remembers a verified token, but not past its expiry: the cache never outlives exp', async () => {
      let now = NOW;
      const verifier = verifierWith({ now: () => now });
      const token = await sign(keys.privateKey, claims({ exp: NOW_SECONDS + 10 }));
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice' });
      now = new Date(NOW.getTime() + 60_000);
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice' });
      now = new Date(NOW.getTime() + 71_000);
      await expectAuthenticationError(verifier.verify(token), 'AUTH.TOKEN_EXPIRED');
    });

    it('checks the revocation list on every use of a remembered token', async () => {
      let revoked = false;
      const verifier = verifierWith({ revocations: { isRevoked: () => Promise.resolve(revoked) } });
      const token = await sign(keys.privateKey, claims());
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice' });
      revoked = true;
      await expectAuthenticationError(verifier.verify(token), 'AUTH.TOKEN_REVOKED');
    });

    it('refuses a token whose nbf is 120 s ahead', async () => {
      const token = await sign(keys.privateKey, claims({ nbf: NOW_SECONDS + 120 }));
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_NOT_YET_VALID');
    });

    it('refuses a token without exp', async () => {
      const token = await sign(keys.privateKey, claims({ exp: undefined }));
      await expectAuthenticationError(
        verifierWith().verify(token),
        'AUTH.TOKEN_INVALID',
        /claim exp missing/,
      );
    });

    it('honours a smaller configured tolerance and refuses one above 60 s', async () => {
      const token = await sign(keys.privateKey, claims({ exp: NOW_SECONDS - 30 }));
      await expectAuthenticationError(
        verifierWith({ clockToleranceSeconds: 10 }).verify(token),
        'AUTH.TOKEN_EXPIRED',
      );
      expect(() => verifierWith({ clockToleranceSeconds: 61 })).toThrow(AuthConfigurationError);
    });
  });

  describe('refuses claims that do not match', () => {
    it.each([
      ['a wrong iss', { iss: 'https://evil.test' }, /claim iss check_failed/],
      ['no iss', { iss: undefined }, /claim iss missing/],
      ['a wrong aud', { aud: 'another-api' }, /claim aud check_failed/],
      ['no jti', { jti: undefined }, /claim jti missing/],
      ['an empty jti', { jti: '' }, /jti is empty/],
      ['no sub', { sub: undefined }, /claim sub missing/],
      ['an unknown role', { roles: ['secretariat', 'root'] }, /unknown role "root"/],
      ['roles as a string', { roles: 'secretariat' }, /roles is not a non-empty array/],
      ['no roles', { roles: [] }, /roles is not a non-empty array/],
      ['csp without org', { roles: ['csp'] }, /org is not a string \(required for csp\)/],
      ['audit-body with an empty org', { roles: ['audit-body'], org: '' }, /org is empty/],
      [
        'both csp and audit-body',
        { roles: ['csp', 'audit-body'], org: 'x' },
        /more than one org-scoped role/,
      ],
    ])('%s', async (_name, overrides, reason) => {
      const token = await sign(keys.privateKey, claims(overrides));
      await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID', reason);
    });
  });

  it('never puts the detailed reason in the message a client would see', async () => {
    const token = await sign(keys.privateKey, claims({ iss: 'https://evil.test' }));
    const error = await expectAuthenticationError(verifierWith().verify(token), 'AUTH.TOKEN_INVALID');
    expect(error.message).toBe('The bearer token is invalid.');
    expect(JSON.stringify(error.getResponse())).not.toMatch(/iss|evil/);
    expect(error.wwwAuthenticate).toBe('Bearer realm="ismap-ledger", error="invalid_token"');
  });

  it('refuses an oversized token before any cryptography', async () => {
    await expectAuthenticationError(
      verifierWith().verify('a'.repeat(9000)),
      'AUTH.TOKEN_INVALID',
      /too long/,
    );
  });

  describe('revocation list', () => {
    it('refuses a revoked jti and accepts others', async () => {
      const revoked = new Set(['jti-revoked']);
      const verifier = verifierWith({
        revocations: {
          isRevoked: (principal: AuthenticatedPrincipal) => Promise.resolve(revoked.has(principal.jti)),
        },
      });
      await expectAuthenticationError(
        verifier.verify(await sign(keys.privateKey, claims({ jti: 'jti-revoked' }))),
        'AUTH.TOKEN_REVOKED',
      );
      await expect(verifier.verify(await sign(keys.privateKey, claims()))).resolves.toMatchObject({
        jti: 'jti-0001',
      });
    });

    it('fails closed with AUTH.UNAVAILABLE when the list cannot answer', async () => {
      const verifier = verifierWith({
        revocations: { isRevoked: () => Promise.reject(new Error('redis down')) },
      });
      const error = await failureOf(verifier.verify(await sign(keys.privateKey, claims())));
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect((error as AuthUnavailableError).getStatus()).toBe(503);
      expect(error).not.toBeInstanceOf(AuthenticationError);
    });
  });
});

describe('TokenVerifier.identify (rate-limit bookkeeping before the guard)', () => {
  let keys: TestKeys;
  beforeAll(async () => {
    keys = await inMemoryKeys();
  });

  it('names the caller of a valid token without consulting the revocation list', async () => {
    const isRevoked = jest.fn(() => Promise.resolve(true));
    const verifier = new TokenVerifier(keys.source, {
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW,
      revocations: { isRevoked },
    });
    const token = await sign(keys.privateKey, claims({ sub: 'carol' }));
    await expect(verifier.identify(`Bearer ${token}`)).resolves.toMatchObject({ sub: 'carol' });
    expect(isRevoked).not.toHaveBeenCalled();
    // The guard's verify still refuses it.
    await expectAuthenticationError(verifier.verify(token), 'AUTH.TOKEN_REVOKED');
  });

  it('answers undefined, never an error, for no, malformed or forged tokens', async () => {
    const verifier = new TokenVerifier(keys.source, { issuer: ISSUER, audience: AUDIENCE, now: () => NOW });
    const forged = await sign(keys.privateKey, claims({ iss: 'https://evil.test' }));
    await expect(verifier.identify(undefined)).resolves.toBeUndefined();
    await expect(verifier.identify('Basic eA==')).resolves.toBeUndefined();
    await expect(verifier.identify(`Bearer ${forged}`)).resolves.toBeUndefined();
  });
});
