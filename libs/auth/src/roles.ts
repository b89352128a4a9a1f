/** The programme's roles (API.md). Persisted in event metadata, so the strings never change. */
export const ROLES = [
  'secretariat',
  'ipa-reviewer',
  'committee-member',
  'audit-body',
  'csp',
  'agency',
] as const;

export type Role = (typeof ROLES)[number];

/** Roles that act for one organisation: `org` is the auditBodyId (audit-body) or the providerId (csp). */
export const ORG_SCOPED_ROLES = ['audit-body', 'csp'] as const satisfies readonly Role[];

export type OrgScopedRole = (typeof ORG_SCOPED_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isOrgScopedRole(role: Role): role is OrgScopedRole {
  return (ORG_SCOPED_ROLES as readonly Role[]).includes(role);
}
