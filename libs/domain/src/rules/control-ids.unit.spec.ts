import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlId, Statement } from './control-ids';
import { checkStatement, isControlId, isMandatoryControl, parseControlId } from './control-ids';

// The catalogue's first column never needs CSV quoting; later columns may (titles with commas).
const catalogue = readFileSync(join(__dirname, 'reference-data', 'ismap-control-ids-2022-04-01.csv'), 'utf8')
  .split(/\r?\n/)
  .slice(1)
  .filter((line) => line.trim().length > 0)
  .map((line) => {
    const [controlId = '', tier = '', domain = ''] = line.split(',');
    return { controlId, tier, domain: Number(domain) };
  });

describe('parseControlId: the reference catalogue', () => {
  it('holds the 261 IDs of the 2022-04-01 criteria excerpt', () => {
    expect(catalogue).toHaveLength(261);
  });

  it.each(catalogue)('$controlId parses as $tier, domain $domain', ({ controlId, tier, domain }) => {
    const parsed = parseControlId(controlId);
    expect(parsed.id).toBe(controlId);
    expect(parsed.tier).toBe(tier);
    expect(parsed.domain).toBe(domain);
  });
});

describe('parseControlId: valid shapes', () => {
  it.each<[string, Omit<ControlId, 'id'>]>([
    [
      '3.1.1',
      { tier: 'governance', domain: 3, numbers: [3, 1, 1], level: 'objective', objectiveId: '3.1.1' },
    ],
    [
      '3.1.2.3',
      { tier: 'governance', domain: 3, numbers: [3, 1, 2, 3], level: 'detailed', objectiveId: '3.1.2' },
    ],
    [
      '4.4.1',
      { tier: 'management', domain: 4, numbers: [4, 4, 1], level: 'objective', objectiveId: '4.4.1' },
    ],
    [
      '4.4.1.1',
      { tier: 'management', domain: 4, numbers: [4, 4, 1, 1], level: 'detailed', objectiveId: '4.4.1' },
    ],
    [
      '4.9.2.2',
      { tier: 'management', domain: 4, numbers: [4, 9, 2, 2], level: 'detailed', objectiveId: '4.9.2' },
    ],
    ['5.1.1', { tier: 'controls', domain: 5, numbers: [5, 1, 1], level: 'objective', objectiveId: '5.1.1' }],
    [
      '6.3.1.P',
      {
        tier: 'controls',
        domain: 6,
        numbers: [6, 3, 1],
        level: 'objective',
        suffix: 'P',
        objectiveId: '6.3.1',
      },
    ],
    [
      '9.2.3.11.PB',
      {
        tier: 'controls',
        domain: 9,
        numbers: [9, 2, 3, 11],
        level: 'detailed',
        suffix: 'PB',
        objectiveId: '9.2.3',
      },
    ],
    [
      '15.1.1.16.B',
      {
        tier: 'controls',
        domain: 15,
        numbers: [15, 1, 1, 16],
        level: 'detailed',
        suffix: 'B',
        objectiveId: '15.1.1',
      },
    ],
    [
      '12.4.1.3',
      { tier: 'controls', domain: 12, numbers: [12, 4, 1, 3], level: 'detailed', objectiveId: '12.4.1' },
    ],
    [
      '13.1.4.2.P',
      {
        tier: 'controls',
        domain: 13,
        numbers: [13, 1, 4, 2],
        level: 'detailed',
        suffix: 'P',
        objectiveId: '13.1.4',
      },
    ],
    [
      '18.2.3',
      { tier: 'controls', domain: 18, numbers: [18, 2, 3], level: 'objective', objectiveId: '18.2.3' },
    ],
  ])('%s', (id, expected) => {
    expect(parseControlId(id)).toEqual({ id, ...expected });
    expect(isControlId(id)).toBe(true);
  });
});

describe('parseControlId: invalid shapes → CONTROL_ID.INVALID_FORMAT', () => {
  it.each([
    ['5.1', 'two numbers'],
    ['5', 'one number'],
    ['5.1.1.1.1', 'five numbers'],
    ['19.1.1', 'domain above 18'],
    ['2.1.1', 'domain 2 is not a tier'],
    ['1.1.1', 'domain 1 is not a tier'],
    ['0.1.1', 'domain 0'],
    ['3.2.1', 'governance is 3.1 only'],
    ['4.3.1.1', 'management starts at 4.4.1.1'],
    ['4.4.0.1', 'zero is not a clause number'],
    ['4.9.3', 'management ends at 4.9.2.2 (objective past it)'],
    ['4.9.2.3', 'management ends at 4.9.2.2'],
    ['4.10.1.1', 'management ends at 4.9'],
    ['9.2.3.11.X', 'unknown suffix'],
    ['9.2.3.11.pb', 'lower-case suffix'],
    ['9.2.3.11.BP', 'suffix letters reversed'],
    ['9.2.3.11PB', 'suffix without its dot'],
    ['09.2.3', 'leading zero in the domain'],
    ['9.02.3', 'leading zero inside'],
    ['9.2.3.', 'trailing dot'],
    ['.9.2.3', 'leading dot'],
    ['9..2.3', 'empty number'],
    [' 9.2.3', 'leading whitespace'],
    ['9.2.3 ', 'trailing whitespace'],
    ['9.2.3\n', 'trailing newline'],
    ['９.２.３', 'full-width digits'],
    ['9.2.1000', 'number beyond three digits'],
    ['3.1.1.P', 'governance criteria carry no suffix'],
    ['4.4.1.1.B', 'management criteria carry no suffix'],
    ['9.2.3.B', 'an objective cannot be a basic statement requirement'],
    ['9.2.3.PB', 'an objective cannot be a basic statement requirement'],
    ['', 'empty'],
  ])('%j (%s)', (id) => {
    expect(isControlId(id)).toBe(false);
    expect(() => parseControlId(id)).toThrow(
      expect.objectContaining({ code: 'CONTROL_ID.INVALID_FORMAT', kind: 'rule' }),
    );
  });
});

const codes = (statement: Statement): string[] => checkStatement(statement).map((v) => v.code);

describe('checkStatement: which objectives may be excluded (DOMAIN.md statement rules)', () => {
  it.each<[string, Statement, string[]]>([
    ['no exclusions', { excludedObjectives: [] }, []],
    [
      'one control objective with a reason',
      { excludedObjectives: [{ controlId: '14.2.7', reason: '外部委託開発なし' }] },
      [],
    ],
    [
      'a cloud-specific objective',
      { excludedObjectives: [{ controlId: '13.1.4.P', reason: 'no virtual network' }] },
      [],
    ],
    [
      'a governance criterion',
      { excludedObjectives: [{ controlId: '3.1.2', reason: 'n/a' }] },
      ['STATEMENT.CANNOT_EXCLUDE'],
    ],
    [
      'a management criterion',
      { excludedObjectives: [{ controlId: '4.5.1', reason: 'n/a' }] },
      ['STATEMENT.CANNOT_EXCLUDE'],
    ],
    [
      'a .PB detailed control on its own',
      { excludedObjectives: [{ controlId: '9.2.3.11.PB', reason: 'n/a' }] },
      ['STATEMENT.CANNOT_EXCLUDE'],
    ],
    [
      'a plain detailed control on its own',
      { excludedObjectives: [{ controlId: '12.4.1.3', reason: 'n/a' }] },
      ['STATEMENT.CANNOT_EXCLUDE'],
    ],
    [
      'an empty reason',
      { excludedObjectives: [{ controlId: '14.2.7', reason: '' }] },
      ['STATEMENT.EXCLUSION_REASON_REQUIRED'],
    ],
    [
      'a reason of ideographic spaces only',
      { excludedObjectives: [{ controlId: '14.2.7', reason: '\u3000 \t' }] },
      ['STATEMENT.EXCLUSION_REASON_REQUIRED'],
    ],
    [
      'the same objective twice',
      {
        excludedObjectives: [
          { controlId: '14.2.7', reason: 'a' },
          { controlId: '14.2.7', reason: 'b' },
        ],
      },
      ['STATEMENT.DUPLICATE_EXCLUSION'],
    ],
    [
      'the same objective with and without its suffix',
      {
        excludedObjectives: [
          { controlId: '9.5.2.P', reason: 'a' },
          { controlId: '9.5.2', reason: 'b' },
        ],
      },
      ['STATEMENT.DUPLICATE_EXCLUSION'],
    ],
    [
      'a malformed ID',
      { excludedObjectives: [{ controlId: '14.2', reason: 'a' }] },
      ['CONTROL_ID.INVALID_FORMAT'],
    ],
    [
      'every problem at once',
      {
        excludedObjectives: [
          { controlId: '3.1.1', reason: ' ' },
          { controlId: '19.1.1', reason: 'x' },
          { controlId: '6.2.1', reason: 'x' },
          { controlId: '6.2.1', reason: 'y' },
        ],
      },
      [
        'STATEMENT.CANNOT_EXCLUDE',
        'STATEMENT.EXCLUSION_REASON_REQUIRED',
        'CONTROL_ID.INVALID_FORMAT',
        'STATEMENT.DUPLICATE_EXCLUSION',
      ],
    ],
  ])('%s → %j', (_case, statement, expected) => {
    expect(codes(statement)).toEqual(expected);
  });
});

describe('checkStatement: selected controls', () => {
  it.each<[string, Statement, string[]]>([
    [
      'controls of objectives in scope',
      {
        excludedObjectives: [{ controlId: '14.2.7', reason: 'x' }],
        selectedControls: ['9.2.3.11.PB', '14.2.6', '3.1.1'],
      },
      [],
    ],
    [
      'a control of an excluded objective',
      { excludedObjectives: [{ controlId: '14.2.7', reason: 'x' }], selectedControls: ['14.2.7.1'] },
      ['STATEMENT.SELECTED_IN_EXCLUDED_OBJECTIVE'],
    ],
    [
      'a malformed selected control',
      { excludedObjectives: [], selectedControls: ['9.2.3.11.X'] },
      ['CONTROL_ID.INVALID_FORMAT'],
    ],
  ])('%s → %j', (_case, statement, expected) => {
    expect(codes(statement)).toEqual(expected);
  });
});

describe('isMandatoryControl', () => {
  it.each<[string, string[], boolean]>([
    ['3.1.2.1', ['9.2.3'], true],
    ['4.6.2.7', [], true],
    ['9.2.3', [], true],
    ['9.2.3', ['9.2.3'], false],
    ['9.5.2', ['9.5.2.P'], false],
    ['9.2.3.11.PB', [], true],
    ['9.2.3.11.PB', ['9.2.4'], true],
    ['9.2.3.11.PB', ['9.2.3'], false],
    ['15.1.1.16.B', [], true],
    ['15.1.1.16.B', ['15.1.1'], false],
    ['9.5.2.1.PB', ['9.5.2.P'], false],
    ['12.4.1.3', [], false],
    ['13.1.4.2.P', [], false],
    // excluding a detailed control is not an exclusion of its objective
    ['9.2.3.11.PB', ['9.2.3.11.PB'], true],
  ])('%s with %j excluded → %s', (controlId, excluded, mandatory) => {
    expect(isMandatoryControl(controlId, excluded)).toBe(mandatory);
  });

  it('refuses malformed IDs rather than guessing', () => {
    expect(() => isMandatoryControl('9.2.3.11.X', [])).toThrow(
      expect.objectContaining({ code: 'CONTROL_ID.INVALID_FORMAT' }),
    );
    expect(() => isMandatoryControl('9.2.3.11.PB', ['9.2'])).toThrow(
      expect.objectContaining({ code: 'CONTROL_ID.INVALID_FORMAT' }),
    );
  });
});
