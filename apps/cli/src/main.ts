import { loadConfig } from '@ismap/config';
import { parseArgs, UsageError } from './args';
import { demoCommand } from './commands/demo.command';
import { projectionsCommand } from './commands/projections.command';
import { rebuildCommand } from './commands/rebuild.command';
import { tokenCommand } from './commands/token.command';

const USAGE = `usage: npm run -s cli -- <command> [options]

commands:
  token --role ROLE [--org ID] [--sub NAME] [--ttl SECONDS]
        print one signed bearer token (dev mode: signed with the key in DATA_DIR)
        roles: secretariat, ipa-reviewer, committee-member, audit-body (--org auditBodyId),
               csp (--org providerId), agency
  demo  enter the 2021 ISMAP list (20 services, shared/data) through the command bus; idempotent
  projections
        each projection's version, live generation, checkpoint, lag (log positions behind) and parked events
  projections retry [NAME]   (also: projections --retry NAME|all)
        replay parked events through evolve; those that now succeed are applied and unparked (exit 1 if any stay)
  rebuild [NAME]             (also: rebuild --projection NAME)
        build a new generation from the start of the log while the live one serves, then switch to it`;

async function main(argv: readonly string[]): Promise<number> {
  // Each command reads its own arguments: `projections retry NAME` takes words, `token` takes flags.
  const command = argv[0];
  switch (command) {
    case 'token':
      process.stdout.write(`${await tokenCommand(parseArgs(argv), loadConfig())}\n`);
      return 0;
    case 'demo':
      await demoCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    case 'projections':
      return projectionsCommand(argv.slice(1), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'rebuild':
      return rebuildCommand(argv.slice(1), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
