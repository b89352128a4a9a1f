import { MemoryReadModel, memoryView } from './memory-read-model';

describe('MemoryReadModel indexes (built on first read)', () => {
  it('answers as a sorted set: a later write of a member moves it, reads see every write', async () => {
    const model = new MemoryReadModel();
    model.index('by-day', 'b', 2);
    model.index('by-day', 'a', 1);
    model.index('by-day', 'c', 3);
    model.index('by-day', 'a', 4);
    expect(model.members('by-day')).toEqual(['b', 'c', 'a']);

    // Writes after the first read land in the built index.
    model.index('by-day', 'd', 0);
    model.index('by-day', 'b', 5);
    expect(model.members('by-day')).toEqual(['d', 'c', 'a', 'b']);
    const range = await memoryView(model).range('by-day', { after: 0, limit: 2 });
    expect(range).toEqual([
      { member: 'c', score: 3 },
      { member: 'a', score: 4 },
    ]);
    const backwards = await memoryView(model).range('by-day', { limit: 2, direction: 'backwards' });
    expect(backwards.map((e) => e.member)).toEqual(['b', 'a']);
  });

  it('lists every index, read or not, with one score per member', () => {
    const model = new MemoryReadModel();
    model.index('read', 'x', 1);
    model.members('read');
    model.index('unread', 'y', 1);
    model.index('unread', 'y', 2);
    model.index('unread', 'z', 3);
    const indexes = [...model.indexes].map(([name, members]) => [name, [...members]]);
    expect(indexes).toEqual(
      expect.arrayContaining([
        ['read', [['x', 1]]],
        [
          'unread',
          [
            ['y', 2],
            ['z', 3],
          ],
        ],
      ]),
    );
    expect(indexes).toHaveLength(2);
    expect(model.indexOf('never')).toBeUndefined();
    expect(model.members('never')).toEqual([]);
  });
});
