import type { Actor } from '@ismap/event-store';
import { problem, ProblemException } from './problem';

/**
 * The organisation an org-scoped caller (csp, audit-body) acts for. It comes from the verified token only, so a
 * provider can never act for another by naming it in the body.
 */
export function organisationOf(actor: Actor): string {
  if (actor.org === undefined) {
    throw new ProblemException(
      problem(403, 'AUTH.ORGANISATION_REQUIRED', 'This route acts for an organisation; the token names none'),
    );
  }
  return actor.org;
}
