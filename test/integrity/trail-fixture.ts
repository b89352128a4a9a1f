import type { EventMetadata, EventStore } from '@ismap/event-store';
import { deriveEventId } from '@ismap/event-store';
import type { CommandMetadata } from '@ismap/application';

/** A small deterministic PRNG (mulberry32), so a failing tamper trial can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTOR = { sub: 'tanaka@nisc', roles: ['secretariat'] };

function metadata(commandId: string): EventMetadata {
  return {
    actor: ACTOR,
    correlationId: `corr-${commandId}`,
    causationId: commandId,
    commandId,
    occurredOn: '2021-06-22',
    recordedAt: '2026-11-22T00:00:00.000Z',
    schemaVersion: 1,
    rulesetVersion: '2020-06',
  };
}

/**
 * Appends `count` events spread at random over `streams` streams (interleaved in $all as real traffic is), with
 * text, numbers and nested data, through the store's ordinary append (which adds the hash chain).
 */
export async function appendRandomTrail(
  store: EventStore,
  random: () => number,
  count: number,
  streams: number,
  tag: string,
): Promise<void> {
  const revisions = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const streamName = `service-${tag}${Math.floor(random() * streams)}`;
    const revision = revisions.get(streamName) ?? -1;
    const commandId = deriveEventId(`${tag}-${i}`, 0);
    await store.appendToStream(
      streamName,
      [
        {
          id: deriveEventId(commandId, 0),
          type: i % 3 === 0 ? 'ApplicationSubmitted' : 'ApplicationAccepted',
          data: {
            serviceName: `Cloud service ${streamName} number ${i}`,
            scope: { description: 'Illustrative scope text', regions: ['Tokyo', 'Osaka'] },
            index: i,
          },
          metadata: metadata(commandId),
        },
      ],
      { expectedRevision: revision === -1 ? 'no_stream' : revision },
    );
    revisions.set(streamName, revision + 1);
  }
}

export function sealMetadata(now: string): CommandMetadata {
  return {
    commandId: deriveEventId(`seal-${now}`, 0),
    actor: { sub: 'system:seals', roles: ['secretariat'] },
    correlationId: `seal-${now}`,
    causationId: `seal-${now}`,
    occurredOn: now.slice(0, 10),
    now,
  };
}
