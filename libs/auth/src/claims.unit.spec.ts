import { claims, NOW_SECONDS } from './auth-test-fixtures.spec';
import { principalFromClaims } from './claims';
import { AuthenticationError } from './errors';
import { actorOf } from './principal';

describe('principalFromClaims', () => {
  it('deduplicates roles and keeps org for the org-scoped role', () => {
    const principal = principalFromClaims(claims({ roles: ['csp', 'csp'], org: 'provider-1' }));
    expect(principal).toEqual({
      anonymous: false,
      sub: 'alice',
      roles: ['csp'],
      org: 'provider-1',
      jti: 'jti-0001',
      expiresAt: NOW_SECONDS + 3600,
    });
  });

  it('drops org when no role is org-scoped, so an agency token cannot pose as a provider', () => {
    const principal = principalFromClaims(claims({ roles: ['agency'], org: 'provider-1' }));
    expect(principal).not.toHaveProperty('org');
  });

  it.each([
    ['a sub with a line break', { sub: 'alice\nroles=secretariat' }, /sub contains control characters/],
    ['a padded org', { roles: ['csp'], org: ' provider-1' }, /org has surrounding white space/],
    ['an overlong sub', { sub: 'x'.repeat(257) }, /sub is longer than 256/],
    ['a numeric org', { roles: ['audit-body'], org: 7 }, /org is not a string/],
  ])('refuses %s', (_name, overrides, reason) => {
    let error: unknown;
    try {
      principalFromClaims(claims(overrides));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toMatch(reason);
  });
});

describe('actorOf', () => {
  it('is the event store Actor shape, without token bookkeeping', () => {
    const principal = principalFromClaims(claims({ roles: ['audit-body'], org: 'ab-9' }));
    // Mirrors libs/event-store's Actor; auth must not import that lib, so the compiler checks the shape here.
    const actor: { readonly sub: string; readonly roles: readonly string[]; readonly org?: string } =
      actorOf(principal);
    expect(actor).toEqual({ sub: 'alice', roles: ['audit-body'], org: 'ab-9' });
    expect(actorOf(principalFromClaims(claims()))).toEqual({ sub: 'alice', roles: ['secretariat'] });
  });
});
