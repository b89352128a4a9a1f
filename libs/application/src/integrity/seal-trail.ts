import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { DomainError, SEALS_STREAM, trailSealDecider } from '@ismap/domain';
import { EVENT_STORE, type EventStore, deriveEventId } from '@ismap/event-store';
import type { RecordedSealView, SealKeyPair } from '@ismap/integrity';
import { describeProblem } from '@ismap/integrity';
import { computeSeal, latestSeal, loadSealKeyPair, readStoredTrail, verifyTrail } from '@ismap/integrity';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand } from '../commands/handle-command';

/**
 * The service's seal key, loaded on first use: the API and the worker start without it, and only sealing needs
 * the private half. Production reads SEAL_KEY_FILE; dev generates a key in DATA_DIR/keys once.
 */
@Injectable()
export class SealKeyProvider {
  private pair: Promise<SealKeyPair> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get(): Promise<SealKeyPair> {
    this.pair ??= loadSealKeyPair({
      dataDir: this.config.dataDir,
      allowGenerate: this.config.nodeEnv !== 'production',
      ...(this.config.integrity.sealKeyFile === undefined
        ? {}
        : { keyFile: this.config.integrity.sealKeyFile }),
    });
    // A failed load is not cached: the operator may provision the file and retry.
    this.pair.catch(() => (this.pair = undefined));
    return this.pair;
  }
}

export class SealTrailCommand {
  constructor(readonly metadata: CommandMetadata) {}
}

export interface SealTrailResult {
  /** False when the latest seal already covers the whole trail: nothing was appended. */
  readonly sealed: boolean;
  readonly seal: RecordedSealView | null;
}

/**
 * Seals the trail up to its last event and records `TrailSealed` through the seal stream's decider. The command
 * id derives from the sealed position, so two sealers of the same trail (the daily job and `cli seal`) record
 * one seal between them.
 */
export async function sealTrail(
  store: EventStore,
  key: SealKeyPair,
  metadata: CommandMetadata,
): Promise<SealTrailResult> {
  const last = await latestSeal(store);
  const events = await readStoredTrail(store);
  // A seal over a broken trail would vouch for the break: verify first, and refuse.
  const check = verifyTrail(events, { trustedKeys: [key.publicKey] });
  const first = check.problems[0];
  if (first !== undefined) {
    throw new DomainError(
      'SEAL.TRAIL_BROKEN',
      `The trail does not verify, so it is not sealed: ${describeProblem(first)}`,
      'conflict',
    );
  }
  const seal = computeSeal(events, last, key, metadata.now);
  if (seal === null) return { sealed: false, seal: last };
  const result = await handleCommand(
    store,
    SEALS_STREAM,
    trailSealDecider,
    { type: 'RecordSeal', data: seal },
    { ...metadata, commandId: deriveEventId(`trail-seal:${seal.position}`, 0) },
  );
  return { sealed: result.events.length > 0 && !result.replayed, seal: await latestSeal(store) };
}

@CommandHandler(SealTrailCommand)
export class SealTrailHandler implements ICommandHandler<SealTrailCommand, SealTrailResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SealKeyProvider,
  ) {}

  async execute({ metadata }: SealTrailCommand): Promise<SealTrailResult> {
    return sealTrail(this.store, await this.keys.get(), metadata);
  }
}
