import type { ExpectedStreamHead, UnreadableEvent } from '@ismap/event-store';
import { ChainVerifier } from '@ismap/event-store';
import type { StoredEvent } from './trail-leaves';
import { isReadable } from './trail-leaves';
import type { IntegrityProblem } from './integrity-problem';

/**
 * Each stream's hash chain, by the event store's chain verification. Expected heads (from a witness) are what
 * let a cut-off stream tail be told from a stream that simply ended there.
 */
export function chainProblems(
  events: readonly (StoredEvent | UnreadableEvent)[],
  expectedHeads: readonly ExpectedStreamHead[] = [],
): IntegrityProblem[] {
  const verifier = new ChainVerifier({ expectedHeads });
  for (const event of events) {
    if (isReadable(event)) verifier.add(event);
    else verifier.addUnreadable(event);
  }
  return verifier.finish().breaks.map((found) => ({
    kind: found.kind,
    streamName: found.streamName,
    revision: found.revision,
    ...(found.position === undefined ? {} : { position: found.position }),
    detail: found.detail,
  }));
}
