import { readFile } from 'node:fs/promises';
import { verifyBundle } from '@ismap/integrity';
import { parseArgs, UsageError } from '../args';
import { formatReport } from './verify.command';

/**
 * `verify-bundle FILE [--key-id ID]`: offline, with no store and no Redis: the bundle's framing, every chain,
 * every seal signature and Merkle root. --key-id pins the seal key to one known from elsewhere (an HQ report);
 * without it the bundle's own key is used and its id printed for comparison. Exit code 1 on any problem.
 */
export async function verifyBundleCommand(
  argv: readonly string[],
  say: (line: string) => void,
): Promise<number> {
  const [command, file, ...rest] = argv;
  if (file === undefined || file.startsWith('--')) throw new UsageError('verify-bundle: FILE is required');
  const { flags } = parseArgs([command ?? 'verify-bundle', ...rest]);
  for (const name of Object.keys(flags)) {
    if (name !== 'key-id') throw new UsageError(`verify-bundle: unknown option --${name}`);
  }
  const keyId = flags['key-id'];
  if (keyId === true) throw new UsageError('verify-bundle: --key-id needs a value');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    say(`FAILED: cannot read ${file}`);
    return 1;
  }
  const report = verifyBundle(text, keyId === undefined ? {} : { keyId });
  for (const line of formatReport(report)) say(line);
  say(`  seal key(s) in the bundle: ${report.keyIds.join(', ') || 'none'}`);
  return report.ok ? 0 : 1;
}
