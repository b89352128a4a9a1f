import type { ParkedEvent, Projection, ProjectionStatus } from '@ismap/read-models';
import { UsageError } from '../args';
import {
  formatParkedLists,
  formatProjectionTable,
  formatRetry,
  formatRetryFailure,
  oneLine,
  parseParkedWords,
} from './projections.command';
import { abortOnSignals, formatOutcome, selectProjections } from './rebuild.command';
import { RebuildProgressView, formatDuration } from './rebuild-progress';

const projection = (name: string): Projection => ({
  name,
  version: 1,
  onError: 'continue',
  prefetch: () => [],
  evolve: () => undefined,
});
const known = [projection('registrations'), projection('audit-trail')];

const status = (overrides: Partial<ProjectionStatus>): ProjectionStatus => ({
  name: 'registrations',
  version: 2,
  liveVersion: 2,
  generation: 3,
  checkpoint: '1200',
  head: '1250',
  lag: 50n,
  parked: 0,
  halted: undefined,
  leased: true,
  rebuilding: false,
  upgrade: undefined,
  ...overrides,
});

const parked: ParkedEvent = {
  position: '1201',
  eventId: 'e-1',
  type: 'RulingRecorded',
  streamName: 'meeting-M1',
  revision: 4,
  error: 'Error: boom',
  parkedAt: '2026-11-22T00:00:00.000Z',
};

describe('cli projections', () => {
  it('prints one aligned row per projection with its state', () => {
    const table = formatProjectionTable([
      status({}),
      status({ name: 'audit-trail', halted: parked, parked: 1, checkpoint: '1201' }),
      status({ name: 'findings', liveVersion: 1 }),
      status({ name: 'committee', generation: undefined, checkpoint: undefined, lag: 1250n, leased: false }),
      status({ name: 'applications', leased: false }),
    ]).split('\n');
    expect(table).toEqual([
      'projection     version  live gen  checkpoint   lag  parked  state',
      'registrations        2         3        1200    50       0  running',
      'audit-trail          2         3        1201    50       1  halted at 1201',
      'findings             2         3        1200    50       0  built by v1, rebuild due',
      'committee            2         -           -  1250       0  not started',
      'applications         2         3        1200    50       0  no runner',
    ]);
  });

  it('shows a halted upgrade as the state, its parked events in the count, and a newer live version', () => {
    const table = formatProjectionTable([
      status({
        name: 'audit-trail',
        liveVersion: 1,
        upgrade: { generation: 4, version: 2, checkpoint: '900', parked: 1, halted: parked },
      }),
      status({ name: 'findings', version: 1, liveVersion: 2 }),
    ]).split('\n');
    expect(table).toEqual([
      'projection   version  live gen  checkpoint  lag  parked  state',
      'audit-trail        2         3        1200   50       1  upgrade to v2 halted at 1201',
      'findings           1         3        1200   50       0  built by v2, newer than this code',
    ]);
  });

  it('reports what a retry replayed and what stays parked, with the new error on one line', () => {
    const result = {
      projection: 'audit-trail',
      replayed: 0,
      failed: 1,
      resumed: false,
      upgrade: undefined,
      skipped: undefined,
    };
    expect(formatRetry(result)).toEqual(['audit-trail: 0 replayed, 1 still parked']);
    expect(formatRetryFailure(parked, 'Error: still\n    broken')).toBe(
      '  1201  RulingRecorded  e-1  Error: still broken',
    );
    expect(formatRetry({ ...result, failed: 0 })).toEqual(['audit-trail: nothing parked']);
    expect(formatRetry({ ...result, failed: 0, skipped: 'the live generation was built by v1' })).toEqual([
      'audit-trail: live parked events not retried: the live generation was built by v1',
    ]);
    expect(
      formatRetry({
        ...result,
        failed: 0,
        upgrade: { generation: 4, version: 2, replayed: 1, failed: 0, resumed: true },
      }),
    ).toEqual([
      'audit-trail (upgrade to v2, generation 4): 1 replayed, 0 still parked; the worker resumes the upgrade',
    ]);
  });

  it('lists parked events one per line, errors flattened and cut, with what the limit left out', () => {
    const long = `Error: ${'x'.repeat(300)}`;
    const lines = formatParkedLists('audit-trail', [
      {
        scope: 'live',
        generation: 3,
        version: 2,
        total: 3,
        entries: [
          { raw: '', event: parked },
          { raw: '', event: { ...parked, position: '1305', eventId: 'e-2', error: `${long}\n  at evolve` } },
        ],
      },
      {
        scope: 'upgrade',
        generation: 4,
        version: 3,
        total: 1,
        entries: [{ raw: 'not json', event: undefined }],
      },
    ]);
    expect(lines.slice(0, 4)).toEqual([
      'audit-trail: 3 parked (live generation 3, v2)',
      '  position  event id  type            stream      parked at                 error',
      '      1201  e-1       RulingRecorded  meeting-M1  2026-11-22T00:00:00.000Z  Error: boom',
      `      1305  e-2       RulingRecorded  meeting-M1  2026-11-22T00:00:00.000Z  ${oneLine(long)}`,
    ]);
    expect(oneLine(long)).toHaveLength(160);
    expect(oneLine(long).endsWith('…')).toBe(true);
    expect(lines.slice(4)).toEqual([
      '  … 1 more (--limit 3 shows all)',
      'audit-trail: 1 parked (the upgrade to v3, generation 4)',
      '  position  event id  type  stream  parked at  error',
      '         ?  ?         ?     ?       ?          unreadable entry: not json',
    ]);
    expect(
      formatParkedLists('findings', [{ scope: 'live', generation: 2, version: 1, total: 0, entries: [] }]),
    ).toEqual(['findings: nothing parked']);
  });

  it('reads projection names and --limit for `projections parked`', () => {
    expect(parseParkedWords([])).toEqual({ names: [], limit: 20 });
    expect(parseParkedWords(['audit-trail', '--limit', '5'])).toEqual({ names: ['audit-trail'], limit: 5 });
    expect(() => parseParkedWords(['--limit'])).toThrow(UsageError);
    expect(() => parseParkedWords(['--limit', '0'])).toThrow(UsageError);
  });
});

describe('cli rebuild', () => {
  it('selects all projections, named ones (positional or --projection), and refuses unknown names', () => {
    expect(selectProjections('rebuild', [], known)).toEqual(known);
    expect(selectProjections('rebuild', ['all'], known)).toEqual(known);
    expect(selectProjections('rebuild', ['audit-trail'], known)).toEqual([known[1]]);
    expect(selectProjections('rebuild', ['--projection', 'registrations'], known)).toEqual([known[0]]);
    expect(() => selectProjections('rebuild', ['nope'], known)).toThrow(UsageError);
    expect(() => selectProjections('rebuild', ['--force'], known)).toThrow(UsageError);
  });

  it('shows a bar with events/s and time left on a terminal, plain lines otherwise', () => {
    let now = 1_000_000;
    const tty: string[] = [];
    const view = new RebuildProgressView(
      { isTTY: true, columns: 100, write: (t) => tty.push(t) },
      2000,
      () => now,
    );
    now += 2000;
    view.update({
      projection: 'audit-trail',
      generation: 4,
      phase: 'building',
      checkpoint: '25000',
      head: '100000',
      applied: 20000,
      parked: 0,
      elapsedMs: 2000,
    });
    expect(tty).toHaveLength(1);
    const erase = '\u001b[K';
    expect(tty[0]?.endsWith(erase)).toBe(true);
    expect(tty[0]?.slice(0, -erase.length)).toMatch(
      /^\r\[(#+)(\.+)\] audit-trail building {2}25\.0% {2}12,500 events\/s {2}0:06 left$/,
    );
    const [, done = '', todo = ''] = /\[(#+)(\.+)\]/.exec(tty[0] ?? '') ?? [];
    expect(done.length / (done.length + todo.length)).toBeCloseTo(0.25, 1);
    view.finish();
    expect(tty.at(-1)).toBe('\n');

    const plain: string[] = [];
    const lines = new RebuildProgressView({ isTTY: false, write: (t) => plain.push(t) }, 2000, () => now);
    now += 4000;
    lines.update({
      projection: 'findings',
      generation: 2,
      phase: 'done',
      checkpoint: '100000',
      head: '100000',
      applied: 40000,
      parked: 0,
      elapsedMs: 4000,
    });
    expect(plain).toEqual(['findings done 100.0%  25,000 events/s  0:00 left\n']);
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('prints each outcome, failures with their reason', () => {
    expect(formatOutcome({ projection: 'committee', ok: false, error: new Error('lease lost') })).toBe(
      'committee: FAILED: lease lost',
    );
    expect(
      formatOutcome({
        projection: 'committee',
        ok: true,
        result: {
          projection: 'committee',
          generation: 5,
          previousGeneration: 4,
          checkpoint: '900',
          applied: 900,
          parked: 2,
          durationMs: 1500,
          deletedKeys: 12,
        },
      }),
    ).toBe(
      'committee: generation 5 live at position 900 (900 events in 1.5 s, 2 parked, generation 4 deleted)',
    );
  });

  it('turns the first SIGINT or SIGTERM into an abort, so the command can give its leases back', () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // Only the command's own handler may see the emitted signal (a test runner's would end the run).
      const others = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      try {
        const interrupt = abortOnSignals();
        expect(interrupt.signal.aborted).toBe(false);
        process.emit(signal, signal);
        expect(interrupt.signal.aborted).toBe(true);
        // A second signal ends the process as usual: no handler is left.
        expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
        interrupt.dispose();
        const unused = abortOnSignals();
        unused.dispose();
        expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
        expect(unused.signal.aborted).toBe(false);
      } finally {
        for (const listener of others.SIGINT) process.on('SIGINT', listener);
        for (const listener of others.SIGTERM) process.on('SIGTERM', listener);
      }
    }
  });
});
