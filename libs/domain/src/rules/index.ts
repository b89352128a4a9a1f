export * from './rulesets';
export * from './violations';
export * from './business-dates';
export * from './validity';
export * from './audit-period';
export * from './control-ids';
export * from './registration-numbers';
