export * from './shared/messages';
export * from './shared/domain-error';
export * from './shared/dates';
export * from './rules/rulesets';
export * from './providers/corporate-number';
export * from './providers/provider';
