import type { ParkedEvent, Projection, ProjectionStatus } from '@ismap/read-models';
import { UsageError } from '../args';
import { formatProjectionTable, formatRetry } from './projections.command';
import { formatOutcome, selectProjections } from './rebuild.command';
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

  it('reports what a retry replayed and what stays parked, with the new error', () => {
    expect(
      formatRetry({
        projection: 'audit-trail',
        succeeded: [],
        failed: [{ parked, error: 'Error: still broken' }],
        resumed: false,
      }),
    ).toEqual([
      'audit-trail: 0 replayed, 1 still parked',
      '  1201  RulingRecorded  e-1  Error: still broken',
    ]);
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
  });
});
