/**
 * Body fields that would claim who is acting. The actor recorded in event metadata comes from the verified token
 * only (API.md "Conventions"), so a body naming one is refused, and refused before any object is looked up: the
 * answer must not depend on whether the object exists.
 */
export const IDENTITY_FIELDS = ['actor', 'createdBy', 'org'] as const;

export function identityFieldsIn(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  return IDENTITY_FIELDS.filter((field) => Object.hasOwn(body, field));
}

/**
 * How the app answers such a body (its own problem+json, naming the fields); AccessGuard throws what it returns.
 * Without one, the guard throws `IdentityClaimError` (400).
 */
export type IdentityClaimRefusal = (fields: readonly string[]) => Error;
export const IDENTITY_CLAIM_REFUSAL = Symbol.for('ismap.IdentityClaimRefusal');
