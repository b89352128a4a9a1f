import { readFile } from 'node:fs/promises';
import type { AppConfig } from '@ismap/config';
import { SealKeyProvider } from '@ismap/application';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { VerificationReport, WitnessView } from '@ismap/integrity';
import {
  bundleEvents,
  describeProblem,
  readStoredTrail,
  verifyBundle,
  verifyTrail,
  witnessOf,
} from '@ismap/integrity';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';
import { withApplication } from '../application-context';

/** The lines `verify` and `verify-bundle` print: a verdict first, then every problem with where it is. */
export function formatReport(report: VerificationReport): string[] {
  const lines: string[] = [];
  const seal = report.latestSeal;
  lines.push(
    `${report.ok ? 'OK' : 'FAILED'}: ${report.events} events in ${report.streams} streams checked; ` +
      (seal === null
        ? 'no seal yet'
        : `latest seal covers ${seal.eventCount} events up to position ${seal.position} ` +
          `(root ${seal.root}, key ${seal.keyId}, sealed ${seal.sealedAt})`) +
      (report.unsealedEvents > 0 ? `; ${report.unsealedEvents} events recorded since` : ''),
  );
  for (const problem of report.problems) lines.push(`  ${describeProblem(problem)}`);
  return lines;
}

/** A bundle given with --against is the witness: the live trail must still hold everything it saw. */
async function witnessFrom(file: string): Promise<WitnessView> {
  const text = await readFile(file, 'utf8');
  const check = verifyBundle(text);
  if (!check.ok) {
    throw new UsageError(
      `verify: the witness bundle ${file} does not verify itself; run verify-bundle on it`,
    );
  }
  return witnessOf(bundleEvents(text));
}

/**
 * `verify [--stream NAME] [--against BUNDLE]`: every hash chain (or one stream's), every seal's signature,
 * count and Merkle root, and with --against an earlier export, that nothing it held was changed, removed,
 * reordered or cut off. Exit code 1 on any problem.
 */
export async function verifyCommand(
  args: ParsedArgs,
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  for (const name of Object.keys(args.flags)) {
    if (name !== 'stream' && name !== 'against') throw new UsageError(`verify: unknown option --${name}`);
  }
  const stream = args.flags['stream'];
  const against = args.flags['against'];
  if (stream === true || against === true)
    throw new UsageError('verify: --stream and --against need a value');
  const witness = against === undefined ? undefined : await witnessFrom(against);
  const report = await withApplication(config, async (app) => {
    const key = await app.get(SealKeyProvider).get();
    const events = await readStoredTrail(app.get<EventStore>(EVENT_STORE));
    return verifyTrail(events, {
      trustedKeys: [key.publicKey],
      ...(stream === undefined ? {} : { stream }),
      ...(witness === undefined ? {} : { witness }),
    });
  });
  for (const line of formatReport(report)) say(line);
  return report.ok ? 0 : 1;
}
