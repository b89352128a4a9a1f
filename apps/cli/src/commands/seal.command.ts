import { CommandBus } from '@nestjs/cqrs';
import { SealTrailCommand, type SealTrailResult, newCommandId } from '@ismap/application';
import type { AppConfig } from '@ismap/config';
import { tokyoDateOf } from '@ismap/domain';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';
import { withApplication } from '../application-context';

/** `seal`: seals the trail up to its last event now; with nothing new since the latest seal, records nothing. */
export async function sealCommand(
  args: ParsedArgs,
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  const unknown = Object.keys(args.flags);
  if (unknown.length > 0) throw new UsageError(`seal: unknown option --${unknown[0] ?? ''}`);
  const now = new Date();
  const commandId = newCommandId();
  const result = await withApplication(config, (app) =>
    app.get(CommandBus).execute<SealTrailCommand, SealTrailResult>(
      new SealTrailCommand({
        commandId,
        actor: { sub: 'system:cli', roles: ['system'] },
        correlationId: `cli:seal:${commandId}`,
        causationId: `cli:seal:${commandId}`,
        occurredOn: tokyoDateOf(now),
        now: now.toISOString(),
      }),
    ),
  );
  const seal = result.seal;
  if (seal === null) {
    say('Nothing to seal: the trail is empty.');
    return 0;
  }
  say(
    `${result.sealed ? 'Sealed' : 'Already sealed'}: ${seal.eventCount} events up to position ${seal.position}\n` +
      `  root    ${seal.root}\n  key id  ${seal.keyId}\n  sealed  ${seal.sealedAt}`,
  );
  return 0;
}
