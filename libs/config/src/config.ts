import { resolve } from 'node:path';

export type StoreKind = 'embedded' | 'eventstoredb';
export type AuthMode = 'dev' | 'production';
export type NodeEnv = 'development' | 'production' | 'test';

export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly redisUrl: string;
  /** Prefix of every Redis key this deployment writes, so deployments (and test runs) can share a Redis. */
  readonly redisKeyPrefix: string;
  readonly store: { readonly kind: StoreKind; readonly eventStoreConnectionString?: string };
  readonly auth: {
    readonly mode: AuthMode;
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl?: string;
  };
  readonly http: HttpSecurityConfig;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly shutdownTimeoutMs: number;
  /** Test-only crash points (never in production): see docs/adr/0004. */
  readonly faultInjection: FaultInjection | null;
  readonly webhooks: WebhooksConfig;
  /** Trail seals (docs/adr/0011-seals-and-proofs.md). */
  readonly integrity: IntegrityConfig;
}

export interface IntegrityConfig {
  /** Ed25519 private key (PKCS#8 PEM) that signs seals; unset: dev key in DATA_DIR/keys, refused in production. */
  readonly sealKeyFile?: string;
}

/** Outbound webhook deliveries (docs/adr/0008-webhooks.md). */
export interface WebhooksConfig {
  /** Server key the per-endpoint signing secrets derive from; unset: a key file in DATA_DIR/keys. */
  readonly signingKey?: string;
  /** First retry delay; each later one doubles, with jitter. */
  readonly backoffBaseMs: number;
  readonly timeoutMs: number;
  /** http:// is accepted for localhost and 127.0.0.1 only, and only outside production. */
  readonly allowLoopbackHttp: boolean;
}

/** The edge's hardening (SECURITY.md): CORS, HSTS, proxies and rate limits. */
export interface HttpSecurityConfig {
  /** Exact origins (`scheme://host[:port]`) allowed to call the API from a browser; empty: CORS closed. */
  readonly corsOrigins: readonly string[];
  /** `Strict-Transport-Security` max-age; 0: the header is not sent (e.g. TLS ends before us and sets it). */
  readonly hstsMaxAgeSeconds: number;
  /**
   * Which proxies may set `X-Forwarded-For`: false (none, the socket address is the client), a hop count, or
   * addresses/CIDRs. Never "any": a client could then choose its own address and escape the per-IP limit.
   */
  readonly trustProxy: false | number | readonly string[];
  readonly rateLimit: {
    readonly windowSeconds: number;
    /** Requests per window per authenticated caller (`sub`); 0: no limit. */
    readonly perToken: number;
    /** Requests per window per client address; 0: no limit. */
    readonly perIp: number;
  };
}

export const FAULT_INJECTIONS = [
  'crash-after-ruling-append',
  'crash-during-expiry-sweep',
  'stall-during-expiry-sweep',
] as const;
export type FaultInjection = (typeof FAULT_INJECTIONS)[number];

/** One line per variable: the README's configuration table is written from this list. */
export const ENVIRONMENT_VARIABLES = [
  ['NODE_ENV', 'development', '`development`, `test` or `production`; production refuses dev tokens'],
  ['PORT', '3000', 'HTTP port of the API'],
  ['HOST', '0.0.0.0', 'interface the API listens on'],
  ['DATA_DIR', './data', 'embedded event store file, dev signing keys, reports'],
  ['REDIS_URL', 'redis://127.0.0.1:6379', 'Redis for read models, checkpoints and jobs'],
  ['REDIS_KEY_PREFIX', 'ismap:', 'prefix of every Redis key the product writes'],
  [
    'EVENTSTORE_CONNECTION_STRING',
    '(unset)',
    'when set, EventStoreDB is the event store instead of the embedded one',
  ],
  [
    'AUTH_MODE',
    '`dev` (`production` when NODE_ENV=production)',
    '`dev`: local ES256 key in DATA_DIR; `production`: OIDC JWKS',
  ],
  ['AUTH_ISSUER', 'ismap-ledger-dev', 'expected `iss` of bearer tokens'],
  ['AUTH_AUDIENCE', 'ismap-ledger', 'expected `aud` of bearer tokens'],
  ['AUTH_JWKS_URL', '(unset)', 'JWKS URL of the OIDC issuer; required when AUTH_MODE=production'],
  [
    'CORS_ORIGINS',
    '(unset: CORS closed)',
    'comma-separated exact origins (`https://app.example.go.jp`) allowed to call the API from a browser',
  ],
  [
    'HSTS_MAX_AGE_SECONDS',
    '0 (not sent)',
    '`Strict-Transport-Security: max-age=N; includeSubDomains` when > 0',
  ],
  [
    'TRUST_PROXY',
    '(unset: none)',
    'proxies allowed to set `X-Forwarded-For`: a hop count or comma-separated addresses/CIDRs',
  ],
  ['RATE_LIMIT_WINDOW_SECONDS', '60', 'fixed window of the rate limits (Redis)'],
  ['RATE_LIMIT_PER_TOKEN', '600', 'requests per window per authenticated `sub`; 0 turns the limit off'],
  ['RATE_LIMIT_PER_IP', '1200', 'requests per window per client address; 0 turns the limit off'],
  ['LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent'],
  ['SHUTDOWN_TIMEOUT_MS', '25000', 'how long SIGTERM waits for in-flight work before closing'],
  [
    'WEBHOOK_SIGNING_KEY',
    '(unset: DATA_DIR/keys/webhook-signing.key)',
    'server key (at least 32 bytes, hex or base64) the webhook signing secrets derive from; required in production',
  ],
  ['WEBHOOK_BACKOFF_BASE_MS', '10000', 'first webhook retry delay; each later one doubles, with jitter'],
  ['WEBHOOK_TIMEOUT_MS', '10000', 'how long one webhook delivery may take'],
  [
    'SEAL_KEY_FILE',
    '(unset: DATA_DIR/keys/seal-ed25519-private.pem, dev only)',
    'Ed25519 private key (PKCS#8 PEM) that signs trail seals; required in production',
  ],
  [
    'ISMAP_FAULT_INJECTION',
    '(unset)',
    'test only, refused in production: `crash-after-ruling-append` kills the process between a ruling and its effects; ' +
      '`crash-during-expiry-sweep` kills the worker after the first expiry of a sweep job, before the job completes; ' +
      '`stall-during-expiry-sweep` holds a sweep job 5 s after its first expiry (shutdown drain tests)',
  ],
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment once at start-up; every problem is reported, not just the first. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = get(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = get(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      problems.push(`${name}=${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return value;
  };

  const prefix = (): string => {
    const value = get('REDIS_KEY_PREFIX') ?? 'ismap:';
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(value))
      problems.push('REDIS_KEY_PREFIX may hold only letters, digits and : _ . - (at most 64)');
    return value;
  };

  const corsOrigins = (): string[] => {
    const value = get('CORS_ORIGINS');
    if (value === undefined) return [];
    const origins: string[] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      if (entry === '*') {
        problems.push('CORS_ORIGINS must list exact origins; "*" would let any web page call the API');
        continue;
      }
      let origin: string | undefined;
      try {
        const parsed = new URL(entry);
        const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
        if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback)) origin = parsed.origin;
      } catch {
        origin = undefined;
      }
      // An origin is scheme://host[:port] exactly; anything more (a path, a slash) never matches a browser's.
      if (origin === undefined || origin !== entry) {
        problems.push(
          `CORS_ORIGINS entry ${JSON.stringify(entry)} is not an origin like https://app.example.go.jp ` +
            '(http only for localhost)',
        );
        continue;
      }
      origins.push(origin);
    }
    return origins;
  };

  const trustProxy = (): false | number | string[] => {
    const value = get('TRUST_PROXY');
    if (value === undefined || value === 'false') return false;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops < 1 || hops > 10) problems.push('TRUST_PROXY as a hop count must be from 1 to 10');
      return hops;
    }
    const entries = value.split(',').map((part) => part.trim());
    const address = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)(\/\d{1,3})?$/;
    const bad = entries.filter((entry) => !address.test(entry));
    if (bad.length > 0 || value === 'true') {
      problems.push(
        `TRUST_PROXY must be a hop count or addresses/CIDRs; refused: ${JSON.stringify(bad.length > 0 ? bad : [value])}`,
      );
      return false;
    }
    return entries;
  };

  const nodeEnv = oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']) ?? 'redis://127.0.0.1:6379';
  const eventStoreConnectionString = get('EVENTSTORE_CONNECTION_STRING');
  if (
    eventStoreConnectionString !== undefined &&
    !/^esdb(\+discover)?:\/\//.test(eventStoreConnectionString)
  ) {
    problems.push('EVENTSTORE_CONNECTION_STRING must start with esdb:// or esdb+discover://');
  }
  const authMode = oneOf<AuthMode>(
    'AUTH_MODE',
    ['dev', 'production'],
    nodeEnv === 'production' ? 'production' : 'dev',
  );
  const jwksUrl = url('AUTH_JWKS_URL', ['https:', 'http:']);
  if (authMode === 'production' && jwksUrl === undefined) {
    problems.push('AUTH_JWKS_URL is required when AUTH_MODE=production');
  }
  if (nodeEnv === 'production' && authMode === 'dev') {
    problems.push('AUTH_MODE=dev is not allowed when NODE_ENV=production');
  }

  const fault = get('ISMAP_FAULT_INJECTION');
  if (fault !== undefined && !(FAULT_INJECTIONS as readonly string[]).includes(fault)) {
    problems.push(
      `ISMAP_FAULT_INJECTION=${JSON.stringify(fault)} is not one of ${FAULT_INJECTIONS.join(', ')}`,
    );
  }
  if (fault !== undefined && nodeEnv === 'production') {
    problems.push('ISMAP_FAULT_INJECTION is not allowed when NODE_ENV=production');
  }

  const sealKeyFile = get('SEAL_KEY_FILE');
  const webhookSigningKey = get('WEBHOOK_SIGNING_KEY');
  if (webhookSigningKey !== undefined && !isStrongKey(webhookSigningKey)) {
    problems.push('WEBHOOK_SIGNING_KEY must be at least 32 bytes, written as hex or base64');
  }
  // In production the API and the worker run as separate processes, often on separate hosts: keys made on the
  // fly in each DATA_DIR would differ between them, so production names its keys or does not start.
  if (nodeEnv === 'production' && webhookSigningKey === undefined) {
    problems.push('WEBHOOK_SIGNING_KEY is required when NODE_ENV=production');
  }
  if (nodeEnv === 'production' && sealKeyFile === undefined) {
    problems.push('SEAL_KEY_FILE is required when NODE_ENV=production');
  }

  const config: AppConfig = {
    nodeEnv,
    port: integer('PORT', 3000, 0, 65535),
    host: get('HOST') ?? '0.0.0.0',
    dataDir: resolve(get('DATA_DIR') ?? './data'),
    redisUrl,
    redisKeyPrefix: prefix(),
    store:
      eventStoreConnectionString === undefined
        ? { kind: 'embedded' }
        : { kind: 'eventstoredb', eventStoreConnectionString },
    auth: {
      mode: authMode,
      issuer: get('AUTH_ISSUER') ?? 'ismap-ledger-dev',
      audience: get('AUTH_AUDIENCE') ?? 'ismap-ledger',
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
    },
    http: {
      corsOrigins: corsOrigins(),
      hstsMaxAgeSeconds: integer('HSTS_MAX_AGE_SECONDS', 0, 0, 63_072_000),
      trustProxy: trustProxy(),
      rateLimit: {
        windowSeconds: integer('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
        perToken: integer('RATE_LIMIT_PER_TOKEN', 600, 0, 1_000_000),
        perIp: integer('RATE_LIMIT_PER_IP', 1200, 0, 1_000_000),
      },
    },
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 25000, 1000, 600000),
    faultInjection:
      fault !== undefined && (FAULT_INJECTIONS as readonly string[]).includes(fault)
        ? (fault as FaultInjection)
        : null,
    webhooks: {
      ...(webhookSigningKey === undefined ? {} : { signingKey: webhookSigningKey }),
      backoffBaseMs: integer('WEBHOOK_BACKOFF_BASE_MS', 10_000, 1, 3_600_000),
      timeoutMs: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      allowLoopbackHttp: nodeEnv !== 'production',
    },
    integrity: sealKeyFile === undefined ? {} : { sealKeyFile: resolve(sealKeyFile) },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function isStrongKey(value: string): boolean {
  if (/^[0-9a-fA-F]+$/.test(value)) return value.length >= 64 && value.length % 2 === 0;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length >= 32;
}

/** Injection token for the validated AppConfig. */
export const APP_CONFIG = Symbol.for('ismap.AppConfig');
