import { Reflector } from '@nestjs/core';
import { Access, ACCESS_METADATA, accessRuleOf, decideAccess, Public } from './access';
import type { AccessRule } from './access';
import { bearerTokenFrom } from './bearer-token';
import { AuthenticationError } from './errors';
import { ANONYMOUS } from './principal';
import type { AuthenticatedPrincipal } from './principal';
import type { Role } from './roles';

const as = (roles: Role[], org?: string): AuthenticatedPrincipal => ({
  anonymous: false,
  sub: 'someone',
  roles,
  jti: 'j',
  expiresAt: 0,
  ...(org === undefined ? {} : { org }),
});

describe('decideAccess', () => {
  const reviewers: AccessRule = { kind: 'roles', roles: ['secretariat', 'ipa-reviewer'] };

  it('lets anyone through a public rule', () => {
    expect(decideAccess({ kind: 'public' }, ANONYMOUS)).toEqual({ allowed: true });
    expect(decideAccess({ kind: 'public' }, as(['csp'], 'p'))).toEqual({ allowed: true });
  });

  it('asks an anonymous caller to authenticate and forbids a caller without a listed role', () => {
    expect(decideAccess(reviewers, ANONYMOUS)).toMatchObject({ allowed: false, failure: 'unauthenticated' });
    expect(decideAccess(reviewers, as(['csp'], 'p'))).toMatchObject({ allowed: false, failure: 'forbidden' });
    expect(decideAccess(reviewers, as(['agency', 'ipa-reviewer']))).toEqual({ allowed: true });
  });
});

describe('@Access and @Public', () => {
  const reflector = new Reflector();

  it('store one rule; the handler declaration overrides the controller', () => {
    @Access('secretariat')
    class Controller {
      list(): void {}
      @Public()
      show(): void {}
      @Access('csp', 'csp', 'audit-body')
      submit(): void {}
    }
    const proto = Controller.prototype;
    expect(Reflect.getMetadata(ACCESS_METADATA, Controller)).toEqual({
      kind: 'roles',
      roles: ['secretariat'],
    });
    expect(accessRuleOf(reflector, proto.list, Controller)).toEqual({
      kind: 'roles',
      roles: ['secretariat'],
    });
    expect(accessRuleOf(reflector, proto.show, Controller)).toEqual({ kind: 'public' });
    expect(accessRuleOf(reflector, proto.submit, Controller)).toEqual({
      kind: 'roles',
      roles: ['csp', 'audit-body'],
    });
  });

  it('refuse two declarations on one handler', () => {
    expect(() => {
      class Controller {
        @Public()
        @Access('secretariat')
        show(): void {}
      }
      return Controller;
    }).toThrow('Controller.show declares its access twice; keep one of @Access(...) or @Public()');
  });

  it('refuse unknown or missing roles', () => {
    expect(() => Access('root' as Role)).toThrow(/needs at least one of secretariat, ipa-reviewer/);
    expect(() => (Access as (...roles: Role[]) => unknown)()).toThrow(/needs at least one of/);
  });
});

describe('bearerTokenFrom', () => {
  it.each([
    ['no header', undefined, undefined],
    ['Bearer', 'Bearer abc.def.ghi', 'abc.def.ghi'],
    ['a lower-case scheme', 'bearer abc.def.ghi', 'abc.def.ghi'],
  ])('reads %s', (_name, header, token) => {
    expect(bearerTokenFrom(header)).toBe(token);
  });

  it.each([
    ['Basic', 'Basic YWxpY2U6c2VjcmV0'],
    ['an empty header', ''],
    ['Bearer without a token', 'Bearer '],
    ['two tokens', 'Bearer a.b.c d.e.f'],
    ['a token with a quote', 'Bearer a"b'],
    ['several headers', ['Bearer a.b.c', 'Bearer d.e.f']],
  ])('calls %s malformed', (_name, header) => {
    let error: unknown;
    try {
      bearerTokenFrom(header);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('AUTH.HEADER_MALFORMED');
  });
});
