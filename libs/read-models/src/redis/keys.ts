/**
 * Every Redis key of the read-model store (docs/adr/0006). A projection's documents live in numbered generations,
 * so a rebuild can fill a fresh key space while the live one keeps serving; `live` names the generation queries
 * read and the runner writes.
 */
export interface ProjectionKeys {
  /** `${prefix}rm:${name}:` — everything of the projection starts with it. */
  readonly base: string;
  /** The live generation's number. */
  readonly live: string;
  /** INCR source of generation numbers, so an abandoned build's number is never reused. */
  readonly generationSeq: string;
  /** Events the live generation could not apply (a list of JSON `ParkedEvent`s). */
  readonly parked: string;
  /** The live runner's lease: only its holder writes the live generation. */
  readonly lease: string;
  /** The rebuild lease: only its holder builds a new generation. */
  readonly buildLease: string;
  /** Set by an operator command that needs the live lease for a moment (`projections retry`). */
  readonly handover: string;
  /**
   * The generation a runner builds for a new projection version (hash: generation, version), kept while that
   * build is halted or interrupted so it resumes there; removed when a generation goes live.
   */
  readonly upgrade: string;
  generation(generation: number): GenerationKeys;
}

export interface GenerationKeys {
  readonly generation: number;
  /** `${prefix}rm:${name}:g${generation}:` */
  readonly base: string;
  readonly checkpoint: string;
  readonly counters: string;
  /** Version of the projection that built it, and when. */
  readonly meta: string;
  /** Set when a `stop` projection parked an event: the generation is halted until the event is retried. */
  readonly halted: string;
  /** A generation under construction parks here; the list becomes the projection's `parked` when it goes live. */
  readonly buildParked: string;
  collection(collection: string): string;
  index(index: string): string;
}

export function projectionKeys(prefix: string, name: string): ProjectionKeys {
  const base = `${prefix}rm:${name}:`;
  return {
    base,
    live: `${base}live`,
    generationSeq: `${base}gseq`,
    parked: `${base}parked`,
    lease: `${base}lease`,
    buildLease: `${base}build-lease`,
    handover: `${base}handover`,
    upgrade: `${base}upgrade`,
    generation: (generation) => generationKeys(base, generation),
  };
}

function generationKeys(projectionBase: string, generation: number): GenerationKeys {
  const base = `${projectionBase}g${generation}:`;
  return {
    generation,
    base,
    checkpoint: `${base}cp`,
    counters: `${base}n`,
    meta: `${base}meta`,
    halted: `${base}halted`,
    buildParked: `${base}parked`,
    collection: (collection) => `${base}c:${collection}`,
    index: (index) => `${base}i:${index}`,
  };
}

/** Escapes a literal for a SCAN MATCH pattern. */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function parseGeneration(value: string | null): number | undefined {
  if (value === null || !/^[1-9][0-9]{0,14}$/.test(value)) return undefined;
  return Number(value);
}
