import type { Principal } from '@ismap/auth';
import { AuthenticationError } from '@ismap/auth';

/**
 * Who sees which confidential objects (DOMAIN.md "Lists": audit reports and findings reach only the review process,
 * the audit body that wrote them and the provider itself). Objects out of sight answer 404, never 403.
 */
export type Audience =
  | { readonly kind: 'review' }
  | { readonly kind: 'provider'; readonly providerId: string }
  | { readonly kind: 'auditBody'; readonly auditBodyId: string };

const REVIEW_ROLES = ['secretariat', 'ipa-reviewer', 'committee-member'];

export function audienceOf(principal: Principal): Audience {
  if (principal.anonymous) throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED');
  if (principal.roles.some((role) => REVIEW_ROLES.includes(role))) return { kind: 'review' };
  if (principal.roles.includes('csp') && principal.org !== undefined)
    return { kind: 'provider', providerId: principal.org };
  if (principal.roles.includes('audit-body') && principal.org !== undefined) {
    return { kind: 'auditBody', auditBodyId: principal.org };
  }
  // The route's @Access already refused every other role; this keeps a mistake there from widening access.
  throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED');
}
