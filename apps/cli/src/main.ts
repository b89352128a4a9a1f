import { loadConfig } from '@ismap/config';
import { parseArgs, UsageError } from './args';
import { demoCommand } from './commands/demo.command';
import { expireCommand } from './commands/expire.command';
import { projectionsCommand } from './commands/projections.command';
import { rebuildCommand } from './commands/rebuild.command';
import { replayCommand } from './commands/replay.command';
import { tokenCommand } from './commands/token.command';
import { exportCommand } from './commands/export.command';
import { sealCommand } from './commands/seal.command';
import { verifyBundleCommand } from './commands/verify-bundle.command';
import { verifyCommand } from './commands/verify.command';

const USAGE = `usage: npm run -s cli -- <command> [options]

commands:
  token --role ROLE [--org ID] [--sub NAME] [--ttl SECONDS]
        print one signed bearer token (dev mode: signed with the key in DATA_DIR)
        roles: secretariat, ipa-reviewer, committee-member, audit-body (--org auditBodyId),
               csp (--org providerId), agency
  demo  enter the 2021 ISMAP list (20 services, shared/data) through the command bus; idempotent
  expire [--on DATE]
        the daily registration sweep for DATE (default today, Asia/Tokyo): expires every registration past
        its validity with no renewal pending, issues the renewal reminders due (90/30/7 days); idempotent
  projections
        each projection's version, live generation, checkpoint, lag (log positions behind) and parked events
  projections parked [NAME] [--limit N]
        each parked event (default: the first 20 per list): position, event id, type, stream, when, error
  projections retry [NAME]   (also: projections --retry NAME|all)
        replay parked events through evolve; those that now succeed are applied and unparked (exit 1 if any stay,
        or if interrupted or refused); a halted upgrade's event too, after which the worker resumes the upgrade
  rebuild [NAME]             (also: rebuild --projection NAME)
        build a new generation from the start of the log while the live one serves, then switch to it
  replay --from DATE --to DATE [--service ID] [--format text|json] [--as-of-position POS]
        the committee's decision history from the log, by meeting: date, ruling, subject, rationale, who
        recorded it and when; --as-of-position: only what the log held up to that position
  seal  sign the Merkle root of the trail up to its last event and record it (TrailSealed); nothing new: no-op
  verify [--stream NAME] [--against BUNDLE]
        check every hash chain and every seal (signature, event count, Merkle root); --against an earlier
        export: nothing it held was changed, removed, reordered or cut off. Exit 1 naming stream and revision
  export --out FILE
        write the trail as stored, its seals and the public seal key to one NDJSON bundle
  verify-bundle FILE [--key-id ID]
        check a bundle offline (no store, no Redis): chains, seal signatures, Merkle roots; exit 1 on failure`;

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
    case 'expire':
      await expireCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    case 'projections':
      return projectionsCommand(argv.slice(1), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'rebuild':
      return rebuildCommand(argv.slice(1), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'replay':
      await replayCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    case 'seal':
      return sealCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'verify':
      return verifyCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'export':
      return exportCommand(parseArgs(argv), loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'verify-bundle':
      // Offline by design: no configuration is loaded, no store or Redis is opened.
      return verifyBundleCommand(argv, (line) => process.stdout.write(`${line}\n`));
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
