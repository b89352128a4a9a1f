import { ConfigError, loadConfig } from './config';

describe('ISMAP_FAULT_INJECTION', () => {
  const production = {
    NODE_ENV: 'production',
    AUTH_JWKS_URL: 'https://issuer.example.go.jp/jwks.json',
    WEBHOOK_SIGNING_KEY: 'a'.repeat(64),
    SEAL_KEY_FILE: '/run/secrets/seal.pem',
  };

  it.each(['crash-during-expiry-sweep', 'stall-during-expiry-sweep'])(
    'accepts %s outside production',
    (fault) => {
      expect(loadConfig({ NODE_ENV: 'test', ISMAP_FAULT_INJECTION: fault }).faultInjection).toBe(fault);
    },
  );

  it.each(['crash-during-expiry-sweep', 'stall-during-expiry-sweep'])('refuses %s in production', (fault) => {
    expect(() => loadConfig({ ...production, ISMAP_FAULT_INJECTION: fault })).toThrow(ConfigError);
    expect(loadConfig(production).faultInjection).toBeNull();
  });

  it('refuses an unknown fault point', () => {
    expect(() => loadConfig({ ISMAP_FAULT_INJECTION: 'crash-somewhere' })).toThrow(/not one of/);
  });
});
