import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.store).toEqual({ kind: 'embedded' });
    expect(config.auth.mode).toBe('dev');
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('switches to EventStoreDB when a connection string is set', () => {
    const config = loadConfig({ EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false' });
    expect(config.store).toEqual({
      kind: 'eventstoredb',
      eventStoreConnectionString: 'esdb://localhost:2113?tls=false',
    });
  });

  it('reports every problem at once, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', NODE_ENV: 'production', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT="eighty" must be a whole number/);
    expect(problems).toMatch(/REDIS_URL must use redis: or rediss:/);
    expect(problems).toMatch(/AUTH_JWKS_URL is required when AUTH_MODE=production/);
    expect(problems).toMatch(/LOG_LEVEL="loud" is not one of/);
    expect(problems).toMatch(/WEBHOOK_SIGNING_KEY is required when NODE_ENV=production/);
    expect(problems).toMatch(/SEAL_KEY_FILE is required when NODE_ENV=production/);
  });

  it('refuses dev tokens in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        AUTH_MODE: 'dev',
        AUTH_JWKS_URL: 'https://idp.example/jwks',
        WEBHOOK_SIGNING_KEY: 'a'.repeat(64),
        SEAL_KEY_FILE: '/run/secrets/seal.pem',
      }),
    ).toThrow(/AUTH_MODE=dev is not allowed/);
  });
});

describe('loadConfig: the edge hardening', () => {
  it('closes CORS, sends no HSTS, trusts no proxy and limits rates by default', () => {
    const { http } = loadConfig({});
    expect(http).toEqual({
      corsOrigins: [],
      hstsMaxAgeSeconds: 0,
      trustProxy: false,
      rateLimit: { windowSeconds: 60, perToken: 600, perIp: 1200 },
    });
  });

  it('accepts exact https origins, and http only on loopback', () => {
    const { http } = loadConfig({
      CORS_ORIGINS: 'https://portal.ismap.go.jp, http://localhost:5173',
    });
    expect(http.corsOrigins).toEqual(['https://portal.ismap.go.jp', 'http://localhost:5173']);
  });

  it.each([
    ['*', /"\*" would let any web page/],
    ['https://portal.ismap.go.jp/', /not an origin/],
    ['https://portal.ismap.go.jp/path', /not an origin/],
    ['http://portal.ismap.go.jp', /http only for localhost/],
    ['portal.ismap.go.jp', /not an origin/],
    ['javascript:alert(1)', /not an origin/],
  ])('refuses CORS_ORIGINS=%s', (value, message) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(message);
  });

  it('reads HSTS, proxies and limits, with 0 turning a limit off', () => {
    const { http } = loadConfig({
      HSTS_MAX_AGE_SECONDS: '31536000',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.10',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      RATE_LIMIT_PER_TOKEN: '0',
      RATE_LIMIT_PER_IP: '50',
    });
    expect(http).toEqual({
      corsOrigins: [],
      hstsMaxAgeSeconds: 31536000,
      trustProxy: ['10.0.0.0/8', '192.168.1.10'],
      rateLimit: { windowSeconds: 10, perToken: 0, perIp: 50 },
    });
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
  });

  it.each([
    ['TRUST_PROXY', 'true', /TRUST_PROXY must be a hop count or addresses/],
    ['TRUST_PROXY', 'evil.example', /TRUST_PROXY must be a hop count or addresses/],
    ['TRUST_PROXY', '0', /hop count must be from 1 to 10/],
    ['RATE_LIMIT_WINDOW_SECONDS', '0', /RATE_LIMIT_WINDOW_SECONDS="0" must be a whole number from 1/],
    ['RATE_LIMIT_PER_IP', '-5', /RATE_LIMIT_PER_IP="-5" must be a whole number/],
    ['HSTS_MAX_AGE_SECONDS', 'forever', /HSTS_MAX_AGE_SECONDS="forever"/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
