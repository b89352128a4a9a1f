import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SealKeyProvider } from '@ismap/application';
import { Access } from '@ismap/auth';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type {
  ConsistencyProof,
  InclusionProof,
  RecordedSealView,
  SealReference,
  VerificationReport,
} from '@ismap/integrity';
import {
  consistencyProof,
  eventIdAt,
  headReference,
  inclusionProof,
  latestSeal,
  listSeals,
  ProofUnavailableError,
  readStoredTrail,
  referenceAt,
  referenceOf,
  SealKeyError,
  verifyTrail,
} from '@ismap/integrity';
import type { SealKeyPair } from '@ismap/integrity';
import { problem, ProblemException } from '../http/problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A seal is named by its event id (a UUID) or by the log position it seals (decimal). */
const SEAL_REF = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|0|[1-9][0-9]{0,19})$/;

export class VerifyQuery {
  @IsOptional() @IsString() @MaxLength(200) readonly stream?: string;
}

/** The event by its id, or by its stream and revision. */
export class ProofQuery {
  @IsOptional() @Matches(UUID, { message: 'eventId must be an event id (UUID)' }) readonly eventId?: string;
  @IsOptional() @IsString() @MaxLength(200) readonly stream?: string;
  @IsOptional()
  @Matches(/^(0|[1-9][0-9]{0,14})$/, { message: 'revision must be a whole number' })
  readonly revision?: string;
}

export class ConsistencyQuery {
  @Matches(SEAL_REF, { message: 'from must be a seal id or the position a seal covers' })
  readonly from!: string;
  @Matches(SEAL_REF, { message: 'to must be a seal id or the position a seal covers' }) readonly to!: string;
}

function proofProblem(error: unknown): never {
  if (error instanceof ProofUnavailableError) {
    const status = error.code === 'PROOF.EVENT_NOT_FOUND' ? 404 : error.code === 'PROOF.RANGE' ? 400 : 409;
    throw new ProblemException(problem(status, error.code, error.message));
  }
  throw error;
}

/**
 * The trail's integrity for the secretariat: verification of every chain and seal, the seals, and RFC 6962 proofs
 * that anyone holding a seal can check without trusting this service (docs/adr/0011).
 */
@ApiTags('integrity')
@ApiBearerAuth()
@Controller('integrity')
export class IntegrityController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SealKeyProvider,
  ) {}

  /** Without a seal key nothing can be trusted; the key file's path and the cause stay in the server's hands. */
  private async key(): Promise<SealKeyPair> {
    try {
      return await this.keys.get();
    } catch (error) {
      if (!(error instanceof SealKeyError)) throw error;
      throw new ProblemException(
        problem(503, 'SEAL.KEY_UNAVAILABLE', 'The seal key is not available; the operator must configure it'),
      );
    }
  }

  @Get('verify')
  @Access('secretariat')
  async verify(@Query() query: VerifyQuery): Promise<VerificationReport> {
    const key = await this.key();
    const events = await readStoredTrail(this.store);
    return verifyTrail(events, {
      trustedKeys: [key.publicKey],
      ...(query.stream === undefined ? {} : { stream: query.stream }),
    });
  }

  @Get('seals')
  @Access('secretariat')
  async seals(): Promise<{ seals: RecordedSealView[]; publicKey: { keyId: string; pem: string } }> {
    const key = await this.key();
    return { seals: await listSeals(this.store), publicKey: { keyId: key.keyId, pem: key.publicKey.pem } };
  }

  /**
   * Against the latest seal; before the first seal, against the trail's current head, unsigned (`seal: null`):
   * the path is the same, but only a seal makes its root evidence.
   */
  @Get('proof')
  @Access('secretariat')
  async proof(@Query() query: ProofQuery): Promise<InclusionProof & { seal: RecordedSealView | null }> {
    const byId = query.eventId !== undefined;
    const byStream = query.stream !== undefined && query.revision !== undefined;
    if (byId === byStream) {
      throw new ProblemException(
        problem(400, 'REQUEST.INVALID', 'Name the event by eventId, or by stream and revision', {
          errors: [{ field: 'eventId', messages: ['give eventId, or stream and revision, not both'] }],
        }),
      );
    }
    const events = await readStoredTrail(this.store);
    const target = byId ? query.eventId : eventIdAt(events, query.stream ?? '', Number(query.revision));
    const seal = await latestSeal(this.store);
    try {
      return { ...inclusionProof(events, target ?? '', seal ?? headReference(events)), seal };
    } catch (error) {
      return proofProblem(error);
    }
  }

  /**
   * `from` and `to` name seals (by id, or by the position a seal covers) or, for a position no seal covers,
   * the trail's tree at that position, unsigned (`fromSeal`/`toSeal` null).
   */
  @Get('consistency')
  @Access('secretariat')
  async consistency(
    @Query() query: ConsistencyQuery,
  ): Promise<ConsistencyProof & { fromSeal: RecordedSealView | null; toSeal: RecordedSealView | null }> {
    const seals = await listSeals(this.store);
    const events = await readStoredTrail(this.store);
    const resolveRef = (ref: string, field: string): [SealReference, RecordedSealView | null] => {
      const seal = seals.find((s) => s.sealId === ref || s.position === ref);
      if (seal !== undefined) return [seal, seal];
      if (UUID.test(ref))
        throw new ProblemException(problem(404, 'SEAL.NOT_FOUND', `No seal has the id in ${field}`));
      return [referenceAt(events, ref), null];
    };
    const [from, fromSeal] = resolveRef(query.from, 'from');
    const [to, toSeal] = resolveRef(query.to, 'to');
    try {
      const proof = consistencyProof(events, from, to);
      return { ...proof, from: referenceOf(from), to: referenceOf(to), fromSeal, toSeal };
    } catch (error) {
      return proofProblem(error);
    }
  }
}
