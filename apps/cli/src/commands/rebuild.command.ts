import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import type { AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { Projection, RebuildOutcome } from '@ismap/read-models';
import { PROJECTIONS, rebuildProjections } from '@ismap/read-models';
import { UsageError } from '../args';
import { withApplication } from '../application-context';
import type { ProgressOutput } from './rebuild-progress';
import { RebuildProgressView } from './rebuild-progress';

/** `rebuild [name …]` or `rebuild --projection NAME`: the words after the command. */
export function selectProjections(
  command: string,
  words: readonly string[],
  known: readonly Projection[] = PROJECTIONS,
): Projection[] {
  const names: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--projection') {
      const value = words[++i];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`${command}: --projection needs a name`);
      names.push(value);
    } else if (word.startsWith('--')) {
      throw new UsageError(`${command}: unknown option ${word}`);
    } else {
      names.push(word);
    }
  }
  if (names.length === 0 || names.includes('all')) return [...known];
  return names.map((name) => {
    const projection = known.find((p) => p.name === name);
    if (projection === undefined) {
      throw new UsageError(
        `${command}: no projection ${name} (known: ${known.map((p) => p.name).join(', ')})`,
      );
    }
    return projection;
  });
}

export interface RebuildDependencies {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly out: ProgressOutput;
  readonly shouldStop?: () => boolean;
}

/**
 * Rebuilds the projections together (one subscription, a new generation each), with one progress view. The
 * worker keeps serving and updating the live generations meanwhile and follows each switch (docs/adr/0006).
 */
export async function rebuildWithProgress(
  projections: readonly Projection[],
  deps: RebuildDependencies,
): Promise<RebuildOutcome[]> {
  const view = new RebuildProgressView(deps.out);
  try {
    return await rebuildProjections({
      store: deps.store,
      redis: deps.redis,
      keyPrefix: deps.keyPrefix,
      projections,
      onProgress: (progress) => view.update(progress),
      ...(deps.shouldStop === undefined ? {} : { shouldStop: deps.shouldStop }),
    });
  } finally {
    view.finish();
  }
}

export function formatOutcome(outcome: RebuildOutcome): string {
  if (!outcome.ok) return `${outcome.projection}: FAILED: ${outcome.error.message}`;
  const r = outcome.result;
  return (
    `${r.projection}: generation ${r.generation} live at position ${r.checkpoint ?? '-'} ` +
    `(${r.applied} events in ${(r.durationMs / 1000).toFixed(1)} s, ${r.parked} parked` +
    `${r.previousGeneration === undefined ? '' : `, generation ${r.previousGeneration} deleted`})`
  );
}

/**
 * The first SIGINT or SIGTERM aborts `signal` instead of ending the process, so a command that holds a lease or a
 * handover request gives it back before it exits (the live runner is not left waiting for it); a second one ends
 * the process as usual.
 */
export function abortOnSignals(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (name: NodeJS.Signals) => {
    for (const other of signals) process.off(other, onSignal);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  for (const name of signals) process.once(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of signals) process.off(name, onSignal);
    },
  };
}

export async function rebuildCommand(
  words: readonly string[],
  config: AppConfig,
  say: (line: string) => void,
): Promise<number> {
  const projections = selectProjections('rebuild', words);
  // Ctrl-C abandons the new generations (their keys are deleted) and leaves the live ones as they were.
  const interrupt = abortOnSignals();
  try {
    const outcomes = await withApplication(config, (app) =>
      rebuildWithProgress(projections, {
        store: app.get<EventStore>(EVENT_STORE),
        redis: app.get<Redis>(REDIS),
        keyPrefix: config.redisKeyPrefix,
        out: {
          isTTY: process.stdout.isTTY === true,
          columns: process.stdout.columns,
          write: (text) => process.stdout.write(text),
        },
        shouldStop: () => interrupt.signal.aborted,
      }),
    );
    for (const outcome of outcomes) say(formatOutcome(outcome));
    return outcomes.every((outcome) => outcome.ok) ? 0 : 1;
  } finally {
    interrupt.dispose();
  }
}
