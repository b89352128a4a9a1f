import type { IdentityClaimRefusal } from '@ismap/auth';
import { problem, ProblemException } from '../http/problem';

/**
 * AccessGuard's answer to a body naming `actor`, `createdBy` or `org`: the same 400 the validation pipe gives an
 * unknown field, naming each, but given before any object is looked up (libs/auth identity-claims.ts).
 */
export const refuseIdentityClaim: IdentityClaimRefusal = (fields) =>
  new ProblemException(
    problem(400, 'REQUEST.INVALID', 'The request body is not valid', {
      errors: fields.map((field) => ({
        field,
        messages: [`${field} is not a field of this request: the actor comes from the bearer token`],
      })),
    }),
  );
