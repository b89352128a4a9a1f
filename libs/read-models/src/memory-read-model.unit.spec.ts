import { DocTable, MemoryReadModel, memoryView } from './memory-read-model';

describe('DocTable (a collection of documents by id)', () => {
  const doc = (n: number) => ({ n });

  it('keeps ids 1, 2, 3… put in order, and answers as a Map would', () => {
    const table = new DocTable();
    for (let n = 1; n <= 5; n++) table.set(String(n), doc(n));
    table.set('3', doc(33));
    expect(table.size).toBe(5);
    expect(table.get('3')).toEqual(doc(33));
    expect(table.has('5')).toBe(true);
    // Other spellings of a number are other ids.
    for (const id of ['0', '6', '03', '3.0', '+3', ' 3', '3e0', '']) {
      expect(table.get(id)).toBeUndefined();
      expect(table.has(id)).toBe(false);
    }
    expect([...table.keys()]).toEqual(['1', '2', '3', '4', '5']);
    expect([...table.values()]).toEqual([doc(1), doc(2), doc(33), doc(4), doc(5)]);
  });

  it.each([
    ['an id out of sequence', (table: DocTable) => table.set('7', doc(7))],
    ['an id that is no number', (table: DocTable) => table.set('a-1', doc(7))],
    ['a number written otherwise', (table: DocTable) => table.set('04', doc(7))],
  ])('moves everything into a Map on %s, in the order of first put', (_, put) => {
    const table = new DocTable();
    const map = new Map<string, unknown>();
    for (let n = 1; n <= 3; n++) {
      table.set(String(n), doc(n));
      map.set(String(n), doc(n));
    }
    put(table);
    table.set('4', doc(4));
    table.set('2', doc(22));
    expect(table.get('2')).toEqual(doc(22));
    expect(table.size).toBe(5);
    expect([...table.entries()].slice(0, 3)).toEqual([
      ['1', doc(1)],
      ['2', doc(22)],
      ['3', doc(3)],
    ]);
    expect([...table].map(([id]) => id).slice(3)).toEqual([[...table.keys()][3], '4']);
  });

  it('deletes from the sequence as from a Map, and orders as a Map does after', () => {
    const table = new DocTable();
    const map = new Map<string, { n: number }>();
    const both = (
      act: (target: { set(id: string, d: { n: number }): unknown; delete(id: string): unknown }) => void,
    ) => {
      act(table);
      act(map);
    };
    both((t) => [1, 2, 3, 4].forEach((n) => t.set(String(n), doc(n))));
    both((t) => t.delete('2'));
    both((t) => t.set('2', doc(2)));
    both((t) => t.set('5', doc(5)));
    expect(table.delete('9')).toBe(false);
    expect([...table.entries()]).toEqual([...map.entries()]);
    const seen: string[] = [];
    table.forEach((d, id) => seen.push(`${id}:${String((d as { n: number }).n)}`));
    expect(seen).toEqual([...map].map(([id, d]) => `${id}:${d.n}`));
    expect(table.size).toBe(map.size);
  });
});

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
