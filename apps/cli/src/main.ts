import { loadConfig } from '@ismap/config';
import { parseArgs, UsageError } from './args';
import { demoCommand } from './commands/demo.command';
import { tokenCommand } from './commands/token.command';

const USAGE = `usage: npm run -s cli -- <command> [options]

commands:
  token --role ROLE [--org ID] [--sub NAME] [--ttl SECONDS]
        print one signed bearer token (dev mode: signed with the key in DATA_DIR)
        roles: secretariat, ipa-reviewer, committee-member, audit-body (--org auditBodyId),
               csp (--org providerId), agency
  demo  enter the 2021 ISMAP list (20 services, shared/data) through the command bus; idempotent`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  switch (args.command) {
    case 'token':
      process.stdout.write(`${await tokenCommand(args, loadConfig())}\n`);
      return 0;
    case 'demo':
      await demoCommand(args, loadConfig(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return args.command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command: ${args.command}`);
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
