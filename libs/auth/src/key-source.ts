import type { FlattenedJWSInput, JWTHeaderParameters, KeyLike } from 'jose';
import { loadOrCreateDevKeyPair } from './dev-keys';
import type { DevKeyPair } from './dev-keys';
import { AuthenticationError } from './errors';

/**
 * Where verification keys come from: the dev key pair in DATA_DIR, or the issuer's JWKS. The verifier calls
 * `keyFor` once per token; errors it throws that are not the token's fault must be `AuthUnavailableError`.
 */
export interface VerificationKeySource {
  /** For logs and start-up messages, e.g. the JWKS URL. */
  readonly description: string;
  keyFor(protectedHeader: JWTHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike>;
}

/** Dev mode: the one key pair in DATA_DIR/keys (see `loadOrCreateDevKeyPair`). */
export class DevKeySource implements VerificationKeySource {
  readonly description: string;

  constructor(private readonly keyPair: DevKeyPair) {
    this.description = `dev key ${keyPair.kid} (${keyPair.privateKeyFile})`;
  }

  static async open(dataDir: string): Promise<DevKeySource> {
    return new DevKeySource(await loadOrCreateDevKeyPair(dataDir));
  }

  keyFor(protectedHeader: JWTHeaderParameters): Promise<KeyLike> {
    // A token signed for another DATA_DIR: say so in the log rather than as a puzzling bad signature.
    if (protectedHeader.kid !== undefined && protectedHeader.kid !== this.keyPair.kid) {
      return Promise.reject(
        new AuthenticationError('AUTH.TOKEN_INVALID', `unknown kid ${protectedHeader.kid}`),
      );
    }
    return Promise.resolve(this.keyPair.publicKey);
  }
}
