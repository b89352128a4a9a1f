import { Logger, Module } from '@nestjs/common';
import type {
  DynamicModule,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { AuthConfigurationError } from './errors';
import { JwksKeySource } from './jwks-key-source';
import { DevKeySource } from './key-source';
import type { VerificationKeySource } from './key-source';
import { RouteAccessCheck } from './route-access';
import { TokenVerifier } from './token-verifier';
import type { RevocationList } from './token-verifier';

export interface AuthModuleOptions {
  /** `dev`: the ES256 key pair in `dataDir/keys`; `production`: the issuer's JWKS. */
  readonly mode: 'dev' | 'production';
  readonly dataDir: string;
  readonly issuer: string;
  readonly audience: string;
  /** Required in production; https (plain http only on loopback). */
  readonly jwksUrl?: string;
  /** Default and maximum 60. */
  readonly clockToleranceSeconds?: number;
  /** Honoured when given (e.g. a Redis set of revoked `jti`s). */
  readonly revocations?: RevocationList;
}

export interface AuthModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: readonly (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
}

export const AUTH_OPTIONS = Symbol.for('ismap.AuthModuleOptions');

/** The verifier the options describe; in dev mode this creates the key pair on first start. */
export async function createTokenVerifier(options: AuthModuleOptions): Promise<TokenVerifier> {
  const keys = await keySourceFor(options);
  return new TokenVerifier(keys, {
    issuer: options.issuer,
    audience: options.audience,
    ...(options.clockToleranceSeconds === undefined
      ? {}
      : { clockToleranceSeconds: options.clockToleranceSeconds }),
    ...(options.revocations === undefined ? {} : { revocations: options.revocations }),
  });
}

async function createLoggedTokenVerifier(options: AuthModuleOptions): Promise<TokenVerifier> {
  const verifier = await createTokenVerifier(options);
  new Logger('Auth').log(
    `Bearer tokens: ES256 from ${options.issuer} for ${options.audience}, keys: ${verifier.keys.description}`,
  );
  return verifier;
}

async function keySourceFor(options: AuthModuleOptions): Promise<VerificationKeySource> {
  if (options.issuer === '' || options.audience === '') {
    throw new AuthConfigurationError('Auth issuer and audience must not be empty');
  }
  switch (options.mode) {
    case 'dev':
      if (options.dataDir === '')
        throw new AuthConfigurationError('Auth dev mode needs a dataDir for its key pair');
      return DevKeySource.open(options.dataDir);
    case 'production':
      if (options.jwksUrl === undefined)
        throw new AuthConfigurationError('Auth production mode needs a jwksUrl');
      return new JwksKeySource(options.jwksUrl);
    default:
      throw new AuthConfigurationError(`Unknown auth mode ${JSON.stringify(options.mode)}`);
  }
}

/**
 * Token verification, the global AccessGuard and the start-up check that every route declares its access.
 * Import it once, in the root module of each HTTP app.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    return AuthModule.build({ provide: AUTH_OPTIONS, useValue: options }, []);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return AuthModule.build(
      { provide: AUTH_OPTIONS, inject: [...(options.inject ?? [])], useFactory: options.useFactory },
      options.imports ?? [],
    );
  }

  private static build(
    optionsProvider: Provider,
    imports: NonNullable<ModuleMetadata['imports']>,
  ): DynamicModule {
    return {
      module: AuthModule,
      // Imported once per app; global so the edge's own modules can consult its verifier and revocation list.
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [
        optionsProvider,
        { provide: TokenVerifier, inject: [AUTH_OPTIONS], useFactory: createLoggedTokenVerifier },
        { provide: APP_GUARD, useClass: AccessGuard },
        RouteAccessCheck,
      ],
      exports: [AUTH_OPTIONS, TokenVerifier],
    };
  }
}
