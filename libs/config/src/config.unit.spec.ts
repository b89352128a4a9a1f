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
  });

  it('refuses dev tokens in production', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'dev', AUTH_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(/AUTH_MODE=dev is not allowed/);
  });
});
