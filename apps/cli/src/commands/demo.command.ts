import { CommandBus } from '@nestjs/cqrs';
import type { AppConfig } from '@ismap/config';
import type { ParsedArgs } from '../args';
import { UsageError } from '../args';
import { withApplication } from '../application-context';
import { runDemo } from '../demo/demo-2021';

/** `demo`: enters the 2021 list through the command bus; a second run appends nothing. */
export async function demoCommand(
  args: ParsedArgs,
  config: AppConfig,
  say: (line: string) => void,
): Promise<void> {
  const unknown = Object.keys(args.flags);
  if (unknown.length > 0) throw new UsageError(`demo: unknown option --${unknown[0] ?? ''}`);
  const result = await withApplication(config, (app) => runDemo(app.get(CommandBus), new Date(), say));
  for (const r of result.registrations)
    say(`  ${r.registrationNumber ?? '-'}  ${r.registeredOn}  ${r.serviceName}`);
  say('Done. These registrations lapsed long ago; see the 2021 list with GET /lists/ismap?asOf=2021-09-30');
}
