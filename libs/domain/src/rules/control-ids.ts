import { DomainError } from '../shared/domain-error';
import type { RuleViolation } from './violations';
import { throwOnViolations, violation } from './violations';

/**
 * ISMAP control IDs (DOMAIN.md "Audit findings" → "Control IDs" [S]): governance `3.1.x(.x)`, management
 * `4.4.1(.1)`–`4.9.2(.2)`, controls domains 5–18 (ISO/IEC 27002 clause numbers). Three numbers name a control
 * objective (統制目標), four a detailed control (詳細管理策). IDs are validated by shape, not by presence in the
 * catalogue, which we only hold in part.
 */
export type ControlTier = 'governance' | 'management' | 'controls';
export type ControlLevel = 'objective' | 'detailed';
/** `P` cloud-specific, `B` basic statement requirement (基本言明要件), `PB` both. */
export type ControlSuffix = 'P' | 'B' | 'PB';

export interface ControlId {
  readonly id: string;
  readonly tier: ControlTier;
  readonly domain: number;
  readonly numbers: readonly number[];
  readonly level: ControlLevel;
  readonly suffix?: ControlSuffix;
  /**
   * The objective's numbers without a suffix (`9.5.2` for both `9.5.2.P` and `9.5.2.1.PB`). The suffix marks a
   * control; it does not tell two controls apart, so comparisons go by numbers.
   */
  readonly objectiveId: string;
}

// Clause numbers are 1-based with no leading zeros; three digits is far beyond any ISO/IEC 27002 or ISMAP number and
// keeps absurd input out of events.
const NUMBER = '([1-9]\\d{0,2})';
const CONTROL_ID = new RegExp(`^${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:\\.${NUMBER})?(?:\\.(P|B|PB))?$`);

const MANAGEMENT_FIRST = [4, 4, 1, 1] as const;
const MANAGEMENT_LAST = [4, 9, 2, 2] as const;

/** Lexicographic comparison of clause numbers over their common length: a parent compares equal to its children. */
function comparePrefix(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function analyse(id: string): ControlId | string {
  const match = CONTROL_ID.exec(id);
  if (!match) {
    return 'expected 3 or 4 dot-separated numbers without leading zeros, optionally followed by .P, .B or .PB';
  }
  const numbers = match.slice(1, 5).flatMap((n) => (n === undefined ? [] : [Number(n)]));
  const suffix = match[5] as ControlSuffix | undefined;
  const [domain = 0, second = 0] = numbers;
  const level: ControlLevel = numbers.length === 3 ? 'objective' : 'detailed';

  let tier: ControlTier;
  if (domain === 3) {
    if (second !== 1) return 'governance criteria are numbered 3.1.x or 3.1.x.x';
    tier = 'governance';
  } else if (domain === 4) {
    if (comparePrefix(numbers, MANAGEMENT_FIRST) < 0 || comparePrefix(numbers, MANAGEMENT_LAST) > 0) {
      return 'management criteria run from 4.4.1.1 to 4.9.2.2';
    }
    tier = 'management';
  } else if (domain >= 5 && domain <= 18) {
    tier = 'controls';
  } else {
    return 'the first number must be 3 (governance), 4 (management) or 5–18 (controls)';
  }

  if (suffix !== undefined) {
    if (tier !== 'controls') return 'governance and management criteria carry no .P/.B/.PB suffix';
    // [D] A basic statement requirement is a detailed control that is mandatory unless its objective is excluded;
    // an objective marked .B would be mandatory relative to itself, and the catalogue has none.
    if (level === 'objective' && suffix !== 'P') return 'only detailed controls (4 numbers) carry .B or .PB';
  }

  return {
    id,
    tier,
    domain,
    numbers,
    level,
    ...(suffix === undefined ? {} : { suffix }),
    objectiveId: numbers.slice(0, 3).join('.'),
  };
}

export function isControlId(id: string): boolean {
  return typeof analyse(id) !== 'string';
}

/**
 * Strict: no trimming, no case folding. The edge normalises input; the domain refuses anything else.
 * @throws DomainError `CONTROL_ID.INVALID_FORMAT`
 */
export function parseControlId(id: string): ControlId {
  const result = analyse(id);
  if (typeof result === 'string') {
    throw new DomainError(
      'CONTROL_ID.INVALID_FORMAT',
      `${JSON.stringify(id)} is not an ISMAP control ID: ${result}`,
      'rule',
      {
        controlId: id,
        reason: result,
      },
    );
  }
  return result;
}

export interface ObjectiveExclusion {
  readonly controlId: string;
  readonly reason: string;
}

export interface Statement {
  readonly excludedObjectives: readonly ObjectiveExclusion[];
  /** Controls the provider states it implements; checked for format and against the exclusions when given. */
  readonly selectedControls?: readonly string[];
}

/** The objectives a statement excludes, by `objectiveId`; IDs that are not excludable objectives are ignored here. */
function excludedObjectiveKeys(excludedObjectives: readonly string[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const id of excludedObjectives) {
    const parsed = parseControlId(id);
    if (parsed.tier === 'controls' && parsed.level === 'objective') keys.add(parsed.objectiveId);
  }
  return keys;
}

/**
 * Statement rules (DOMAIN.md "Audit findings" [S]): governance and management criteria are always implemented; every
 * control objective is implemented unless excluded with a reason; every `.B`/`.PB` control is mandatory unless its
 * objective is excluded. Only whole objectives are excluded, so detailed controls can never be excluded one by one.
 */
export function checkStatement(statement: Statement): readonly RuleViolation[] {
  const violations: RuleViolation[] = [];
  const seen = new Map<string, string>();
  const excluded = new Set<string>();

  for (const exclusion of statement.excludedObjectives) {
    const result = analyse(exclusion.controlId);
    if (typeof result === 'string') {
      violations.push(invalidFormat(exclusion.controlId, result, 'excludedObjectives'));
      continue;
    }
    if (result.tier !== 'controls') {
      violations.push(
        violation(
          'STATEMENT.CANNOT_EXCLUDE',
          `${result.id} is a ${result.tier} criterion: all governance and management criteria must be implemented`,
          { controlId: result.id, tier: result.tier },
        ),
      );
    } else if (result.level === 'detailed') {
      violations.push(
        violation(
          'STATEMENT.CANNOT_EXCLUDE',
          `${result.id} is a detailed control: only a whole control objective (${result.objectiveId}) can be excluded`,
          { controlId: result.id, objectiveId: result.objectiveId },
        ),
      );
    }
    if (exclusion.reason.trim().length === 0) {
      violations.push(
        violation('STATEMENT.EXCLUSION_REASON_REQUIRED', `The exclusion of ${result.id} gives no reason`, {
          controlId: result.id,
        }),
      );
    }
    const key = result.numbers.join('.');
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      violations.push(
        violation('STATEMENT.DUPLICATE_EXCLUSION', `${result.id} is excluded twice (first as ${earlier})`, {
          controlId: result.id,
          firstAs: earlier,
        }),
      );
    } else {
      seen.set(key, result.id);
    }
    if (result.tier === 'controls' && result.level === 'objective') excluded.add(result.objectiveId);
  }

  for (const id of statement.selectedControls ?? []) {
    const result = analyse(id);
    if (typeof result === 'string') {
      violations.push(invalidFormat(id, result, 'selectedControls'));
    } else if (result.tier === 'controls' && excluded.has(result.objectiveId)) {
      // [D] Implementing a control of an objective declared out of scope contradicts the exclusion's reason.
      violations.push(
        violation(
          'STATEMENT.SELECTED_IN_EXCLUDED_OBJECTIVE',
          `${result.id} is selected although its objective ${result.objectiveId} is excluded`,
          { controlId: result.id, objectiveId: result.objectiveId },
        ),
      );
    }
  }
  return violations;
}

/** @throws DomainError with the first violation's code (`STATEMENT.*`, `CONTROL_ID.INVALID_FORMAT`). */
export function assertStatement(statement: Statement): void {
  throwOnViolations(checkStatement(statement));
}

function invalidFormat(controlId: string, reason: string, field: string): RuleViolation {
  return violation(
    'CONTROL_ID.INVALID_FORMAT',
    `${JSON.stringify(controlId)} is not an ISMAP control ID: ${reason}`,
    {
      controlId,
      reason,
      field,
    },
  );
}

/**
 * Whether a statement must implement `controlId` given the objectives it excludes (IDs of objectives, as in
 * `Statement.excludedObjectives[].controlId`):
 * - governance and management criteria: always;
 * - a control objective: unless excluded;
 * - a `.B`/`.PB` detailed control: unless its objective is excluded;
 * - any other detailed control: never (the provider selects it or not).
 * @throws DomainError `CONTROL_ID.INVALID_FORMAT` for any malformed ID.
 */
export function isMandatoryControl(controlId: string, excludedObjectives: readonly string[]): boolean {
  const control = parseControlId(controlId);
  const excluded = excludedObjectiveKeys(excludedObjectives);
  if (control.tier !== 'controls') return true;
  if (control.level === 'objective') return !excluded.has(control.objectiveId);
  if (control.suffix === 'B' || control.suffix === 'PB') return !excluded.has(control.objectiveId);
  return false;
}
