import { DomainError } from '../shared/domain-error';

/**
 * The programme's rules have versions (DOMAIN.md "Rules change over time"). Every event records the version in
 * force on its business date, and a replay judges an event by that version, never by today's rules.
 */
export interface Ruleset {
  readonly version: string;
  /** First business date on which this version applies. */
  readonly effectiveFrom: string;
  readonly description: string;
  readonly liuTrackOpen: boolean;
}

export const RULESETS: readonly Ruleset[] = [
  {
    version: '2020-06',
    effectiveFrom: '2020-06-01',
    description: 'ISMAP starts operating',
    liuTrackOpen: false,
  },
  { version: '2022-11', effectiveFrom: '2022-11-01', description: 'ISMAP-LIU starts', liuTrackOpen: true },
  {
    version: '2023-05',
    effectiveFrom: '2023-05-19',
    description: 'ISMAP-LIU special measures',
    liuTrackOpen: true,
  },
  {
    version: '2023-10',
    effectiveFrom: '2023-10-01',
    description: 'multi-year audit cycles for controls',
    liuTrackOpen: true,
  },
  {
    version: '2024-08',
    effectiveFrom: '2024-08-01',
    description: 'multi-year audit cycles for management criteria on renewals',
    liuTrackOpen: true,
  },
  {
    version: '2025-04',
    effectiveFrom: '2025-04-01',
    description: 'ISMAP-LIU pre-application abolished',
    liuTrackOpen: true,
  },
  {
    version: '2025-07',
    effectiveFrom: '2025-07-01',
    description: 'secretariat becomes the National Cybersecurity Office',
    liuTrackOpen: true,
  },
];

export class NoRulesetError extends DomainError {
  constructor(readonly onDate: string) {
    super(
      'RULESET.NONE_IN_FORCE',
      `No ISMAP ruleset was in force on ${onDate} (the programme started on ${RULESETS[0]?.effectiveFrom ?? '?'})`,
    );
    this.name = 'NoRulesetError';
  }
}

/** The ruleset in force on a business date; dates compare correctly as ISO strings. */
export function rulesetOn(businessDate: string): Ruleset {
  let found: Ruleset | undefined;
  for (const ruleset of RULESETS) {
    if (ruleset.effectiveFrom <= businessDate) found = ruleset;
  }
  if (!found) throw new NoRulesetError(businessDate);
  return found;
}
