import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { AppConfig } from '@ismap/config';
import { SealKeyProvider } from '@ismap/application';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { bundleLines, isReadable, readStoredTrail } from '@ismap/integrity';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';
import { withApplication } from '../application-context';

/**
 * `export --out FILE`: the whole trail as stored, its seals and the public seal key in one NDJSON bundle
 * (docs/adr/0011) that `verify-bundle` checks offline. Written to a temp file and renamed, so FILE is never
 * half-written.
 */
export async function exportCommand(
  args: ParsedArgs,
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  for (const name of Object.keys(args.flags)) {
    if (name !== 'out') throw new UsageError(`export: unknown option --${name}`);
  }
  const out = args.flags['out'];
  if (out === undefined || out === true) throw new UsageError('export: --out FILE is required');
  const file = resolve(out);
  const { events, publicKey } = await withApplication(config, async (app) => {
    const key = await app.get(SealKeyProvider).get();
    const entries = await readStoredTrail(app.get<EventStore>(EVENT_STORE));
    const unreadable = entries.find((entry) => !isReadable(entry));
    if (unreadable !== undefined) {
      throw new Error(
        `export: ${unreadable.streamName} revision ${unreadable.revision} cannot be read; run verify to see what broke`,
      );
    }
    return { events: entries.filter(isReadable), publicKey: key.publicKey };
  });
  const temp = join(dirname(file), `.${randomBytes(6).toString('hex')}.bundle.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    for (const line of bundleLines(events, [publicKey], new Date().toISOString())) {
      await handle.write(line, null, 'utf8');
    }
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  say(`Exported ${events.length} events to ${file} (seal key ${publicKey.keyId})`);
  return 0;
}
