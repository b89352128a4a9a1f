import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Access, Public } from './access';
import { CurrentPrincipal } from './access.guard';
import { AuthModule } from './auth.module';
import { PolicyMismatchError, UndeclaredRouteAccessError } from './errors';
import { issueDevToken } from './dev-token';
import type { DevTokenRequest } from './dev-token';
import { actorOf } from './principal';
import type { Principal } from './principal';
import { assertEveryRouteDeclaresAccess } from './route-access';

const ISSUER = 'ismap-ledger-dev';
const AUDIENCE = 'ismap-ledger';

@Controller('lists')
@Public()
class ListsController {
  @Get('ismap')
  list(@CurrentPrincipal() principal: Principal): object {
    return { anonymous: principal.anonymous, sub: principal.sub };
  }
}

@Controller('providers')
class ProvidersController {
  @Post()
  @Access('secretariat', 'ipa-reviewer')
  create(@CurrentPrincipal() principal: Principal): object {
    return principal.anonymous ? {} : { actor: actorOf(principal) };
  }

  @Get(':id')
  @Public()
  show(@Param('id') id: string): object {
    return { providerId: id };
  }
}

/** Not a route of the product, so no policy row (ROUTE_POLICIES) narrows it: @Access alone decides. */
@Controller('org-echo')
@Access('csp')
class ApplicationsController {
  @Get()
  mine(@CurrentPrincipal() principal: Principal): object {
    return { org: principal.org };
  }
}

@Controller('undeclared')
class UndeclaredController {
  @Get()
  list(): object {
    return {};
  }

  @Post(':id/items')
  add(): object {
    return {};
  }

  @Get('fine')
  @Public()
  fine(): object {
    return {};
  }
}

/** A product route (GET /audit-trail) declared wider than its policy row says. */
@Controller('audit-trail')
class WiderThanPolicyController {
  @Get()
  @Access('secretariat', 'agency')
  trail(): object {
    return {};
  }
}

async function start(
  dataDir: string,
  controllers: Type[],
  auth: 'forRoot' | 'forRootAsync' | 'none' = 'forRoot',
): Promise<NestFastifyApplication> {
  const options = { mode: 'dev' as const, dataDir, issuer: ISSUER, audience: AUDIENCE };
  const imports =
    auth === 'none'
      ? []
      : [
          auth === 'forRoot'
            ? AuthModule.forRoot(options)
            : AuthModule.forRootAsync({ useFactory: () => options }),
        ];
  @Module({ imports, controllers })
  class TestAppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [TestAppModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('AuthModule in a Fastify app', () => {
  let dataDir: string;
  let app: NestFastifyApplication;
  const token = (request: DevTokenRequest, now?: Date): Promise<string> =>
    issueDevToken(request, { dataDir, issuer: ISSUER, audience: AUDIENCE, ...(now ? { now } : {}) });
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    authorization?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await app.inject({ method, url, headers: authorization ? { authorization } : {} });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ismap-auth-app-'));
    app = await start(dataDir, [ListsController, ProvidersController, ApplicationsController]);
  });

  afterAll(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('a public route', () => {
    it('answers 200 without a token, to an anonymous principal', async () => {
      expect(await call('GET', '/lists/ismap')).toEqual({
        status: 200,
        body: { anonymous: true, sub: 'anonymous' },
      });
    });

    it('sees the caller when a valid token is sent', async () => {
      const bearer = `Bearer ${await token({ role: 'agency', sub: 'mic-officer' })}`;
      expect(await call('GET', '/lists/ismap', bearer)).toEqual({
        status: 200,
        body: { anonymous: false, sub: 'mic-officer' },
      });
    });

    it('answers 401 to a garbage token rather than ignoring it', async () => {
      expect(await call('GET', '/lists/ismap', 'Bearer garbage')).toMatchObject({
        status: 401,
        body: { code: 'AUTH.TOKEN_INVALID', message: 'The bearer token is invalid.' },
      });
    });

    it('answers 401 to an Authorization header that is not Bearer', async () => {
      expect(await call('GET', '/providers/p-1', 'Basic YWxpY2U6c2VjcmV0')).toMatchObject({
        status: 401,
        body: { code: 'AUTH.HEADER_MALFORMED' },
      });
    });
  });

  describe('a role-restricted route', () => {
    it('answers 401 without a token', async () => {
      expect(await call('POST', '/providers')).toMatchObject({
        status: 401,
        body: { code: 'AUTH.AUTHENTICATION_REQUIRED' },
      });
    });

    it('answers 401 to an expired token', async () => {
      const expired = await token({ role: 'secretariat', ttlSeconds: 60 }, new Date(Date.now() - 3_600_000));
      expect(await call('POST', '/providers', `Bearer ${expired}`)).toMatchObject({
        status: 401,
        body: { code: 'AUTH.TOKEN_EXPIRED' },
      });
    });

    it('answers 403 to a role that is not allowed', async () => {
      const bearer = `Bearer ${await token({ role: 'csp', org: 'provider-1' })}`;
      expect(await call('POST', '/providers', bearer)).toEqual({
        status: 403,
        body: { statusCode: 403, code: 'AUTH.FORBIDDEN', message: 'You are not allowed to do this.' },
      });
    });

    it('lets an allowed role through with the actor taken from the token', async () => {
      const bearer = `Bearer ${await token({ role: 'ipa-reviewer', sub: 'reviewer-1' })}`;
      expect(await call('POST', '/providers', bearer)).toEqual({
        status: 201,
        body: { actor: { sub: 'reviewer-1', roles: ['ipa-reviewer'] } },
      });
    });

    it('applies a controller-level declaration to its handlers', async () => {
      const csp = `Bearer ${await token({ role: 'csp', org: 'provider-9' })}`;
      expect(await call('GET', '/org-echo', csp)).toEqual({ status: 200, body: { org: 'provider-9' } });
      const agency = `Bearer ${await token({ role: 'agency' })}`;
      expect(await call('GET', '/org-echo', agency)).toMatchObject({ status: 403 });
    });
  });
});

describe('start-up with a route that does not declare its access', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ismap-auth-undeclared-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails, naming every undeclared route and only those', async () => {
    const failure = await start(dataDir, [ListsController, UndeclaredController], 'forRootAsync').then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UndeclaredRouteAccessError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^Every route must declare who may call it with @Access\(\.\.\.roles\) or @Public\(\)/,
    );
    expect(message).toContain('UndeclaredController.list (GET /undeclared)');
    expect(message).toContain('UndeclaredController.add (POST /undeclared/:id/items)');
    expect(message).not.toContain('fine');
    expect(message).not.toContain('ListsController');
  });

  it('is also available as a function for apps that assemble themselves', async () => {
    const app: INestApplication = await start(dataDir, [UndeclaredController], 'none');
    try {
      expect(() => assertEveryRouteDeclaresAccess(app)).toThrow(
        /UndeclaredController\.list \(GET \/undeclared\)/,
      );
    } finally {
      await app.close();
    }
  });
});

describe('start-up with a route whose @Access and policy row disagree', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ismap-auth-mismatch-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails, naming the route and both sets of actors', async () => {
    const failure = await start(dataDir, [ListsController, WiderThanPolicyController]).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PolicyMismatchError);
    expect((failure as Error).message).toContain(
      'WiderThanPolicyController.trail (GET /audit-trail): @Access secretariat,agency vs policy secretariat,ipa-reviewer,committee-member',
    );
    expect((failure as Error).message).not.toContain('ListsController');
  });
});
