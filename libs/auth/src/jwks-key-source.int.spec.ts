import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AUDIENCE,
  claims,
  expectAuthenticationError,
  failureOf,
  inMemoryKeys,
  ISSUER,
  sign,
} from './auth-test-fixtures.spec';
import type { TestKeys } from './auth-test-fixtures.spec';
import { createTokenVerifier } from './auth.module';
import { AuthConfigurationError, AuthUnavailableError } from './errors';
import { jwksUrlFrom } from './jwks-key-source';
import type { TokenVerifier } from './token-verifier';

/** A stand-in for the OIDC issuer's JWKS endpoint; each test sets what it answers. */
describe('production mode: keys from a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let keys: TestKeys;
  let answer: { status: number; body: string };
  let requests = 0;

  beforeAll(async () => {
    keys = await inMemoryKeys('issuer-key-1');
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  beforeEach(() => {
    answer = { status: 200, body: JSON.stringify({ keys: [keys.publicJwk] }) };
    requests = 0;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  const verifier = (): Promise<TokenVerifier> =>
    createTokenVerifier({
      mode: 'production',
      dataDir: '/nonexistent',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl,
    });
  const now = Math.floor(Date.now() / 1000);
  const current = (overrides: Record<string, unknown> = {}): ReturnType<typeof claims> =>
    claims({ iat: now, nbf: now, exp: now + 600, ...overrides });

  it('accepts a token signed with a published key, fetching the set once', async () => {
    const tokens = await verifier();
    const token = await sign(keys.privateKey, current({ roles: ['committee-member'] }), {
      alg: 'ES256',
      kid: 'issuer-key-1',
    });
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: 'alice', roles: ['committee-member'] });
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: 'alice' });
    expect(requests).toBe(1);
  });

  it('refuses a token whose kid is not published', async () => {
    const token = await sign(keys.privateKey, current(), { alg: 'ES256', kid: 'someone-elses-key' });
    await expectAuthenticationError(
      (await verifier()).verify(token),
      'AUTH.TOKEN_INVALID',
      /no single matching key/,
    );
  });

  it('refuses a token that borrows a published kid but is signed by another key', async () => {
    const forger = await inMemoryKeys('issuer-key-1');
    const token = await sign(forger.privateKey, current(), { alg: 'ES256', kid: 'issuer-key-1' });
    await expectAuthenticationError((await verifier()).verify(token), 'AUTH.TOKEN_INVALID', /signature/);
  });

  it('refuses an HS256 token without asking the JWKS endpoint', async () => {
    const token = await sign(new TextEncoder().encode('a'.repeat(32)), current(), {
      alg: 'HS256',
      kid: 'issuer-key-1',
    });
    await expectAuthenticationError(
      (await verifier()).verify(token),
      'AUTH.TOKEN_INVALID',
      /alg not allowed/,
    );
    expect(requests).toBe(0);
  });

  it.each([
    ['answers 500', { status: 500, body: 'oops' }],
    ['answers something other than a JWKS', { status: 200, body: '{"keys":"none"}' }],
  ])('answers 503, not 401, when the endpoint %s', async (_name, broken) => {
    answer = broken;
    const token = await sign(keys.privateKey, current(), { alg: 'ES256', kid: 'issuer-key-1' });
    const error = await failureOf((await verifier()).verify(token));
    expect(error).toBeInstanceOf(AuthUnavailableError);
    expect((error as AuthUnavailableError).code).toBe('AUTH.UNAVAILABLE');
  });

  it('accepts https anywhere but plain http only on loopback', () => {
    expect(jwksUrlFrom('https://login.example.go.jp/jwks').href).toBe('https://login.example.go.jp/jwks');
    expect(jwksUrlFrom('http://localhost:8080/jwks').host).toBe('localhost:8080');
    expect(() => jwksUrlFrom('http://keycloak:8080/jwks')).toThrow(AuthConfigurationError);
    expect(() => jwksUrlFrom('not a url')).toThrow(AuthConfigurationError);
  });

  it('refuses production mode without a JWKS URL', async () => {
    await expect(
      createTokenVerifier({ mode: 'production', dataDir: '/x', issuer: ISSUER, audience: AUDIENCE }),
    ).rejects.toThrow(new AuthConfigurationError('Auth production mode needs a jwksUrl'));
  });
});
