/**
 * What broke, and where. `changed`, `missing`, `reordered`, `truncated` and `unchained` name a stream and
 * revision; the seal kinds name the seal (its stream revision in the seal stream) and what failed.
 */
export type IntegrityProblemKind =
  | 'changed'
  | 'missing'
  | 'reordered'
  | 'truncated'
  | 'unchained'
  | 'bad-signature'
  | 'unknown-key'
  | 'bad-seal'
  | 'root-mismatch'
  | 'count-mismatch'
  | 'malformed';

export interface IntegrityProblem {
  readonly kind: IntegrityProblemKind;
  readonly streamName?: string;
  readonly revision?: number;
  readonly position?: string;
  readonly detail: string;
}

/** One line for people: `changed at service-1 revision 3 (position 42): its content does not match its hash`. */
export function describeProblem(problem: IntegrityProblem): string {
  const where =
    problem.streamName === undefined
      ? ''
      : ` at ${problem.streamName} revision ${problem.revision ?? '?'}` +
        (problem.position === undefined ? '' : ` (position ${problem.position})`);
  return `${problem.kind}${where}: ${problem.detail}`;
}
