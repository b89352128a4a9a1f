import { issueDevToken } from '@ismap/auth';
import type { AppConfig } from '@ismap/config';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';

const ALLOWED = new Set(['role', 'org', 'sub', 'ttl']);

/** Prints one signed dev token and nothing else, so `$(npm run -s cli -- token …)` can be used as is. */
export async function tokenCommand(args: ParsedArgs, config: AppConfig): Promise<string> {
  for (const name of Object.keys(args.flags)) {
    if (!ALLOWED.has(name)) throw new UsageError(`token: unknown option --${name}`);
  }
  const { role, org, sub, ttl } = args.flags;
  if (typeof role !== 'string') throw new UsageError('token: --role is required');
  if (config.auth.mode !== 'dev') {
    throw new UsageError('token: in production mode tokens come from the OIDC issuer, not from this command');
  }
  if (ttl !== undefined && (typeof ttl !== 'string' || !/^\d{1,6}$/.test(ttl))) {
    throw new UsageError('token: --ttl takes a number of seconds');
  }
  return issueDevToken(
    {
      role,
      ...(typeof org === 'string' ? { org } : {}),
      ...(typeof sub === 'string' ? { sub } : {}),
      ...(typeof ttl === 'string' ? { ttlSeconds: Number(ttl) } : {}),
    },
    { dataDir: config.dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
  );
}
