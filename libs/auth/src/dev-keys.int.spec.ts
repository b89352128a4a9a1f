import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as ts from 'typescript';
import { AUDIENCE, expectAuthenticationError, ISSUER } from './auth-test-fixtures.spec';
import {
  DEV_PRIVATE_KEY_FILE,
  DEV_PUBLIC_JWKS_FILE,
  devKeysDirectory,
  loadOrCreateDevKeyPair,
} from './dev-keys';
import { issueDevToken } from './dev-token';
import { AuthConfigurationError } from './errors';
import { DevKeySource } from './key-source';
import { TokenVerifier } from './token-verifier';

describe('dev key pair in DATA_DIR/keys', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ismap-auth-keys-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const keyFiles = async (): Promise<string[]> => (await readdir(devKeysDirectory(dataDir))).sort();

  it('is created on first start with a private key file only its owner can read', async () => {
    const pair = await loadOrCreateDevKeyPair(dataDir);
    const directory = devKeysDirectory(dataDir);
    expect(await keyFiles()).toEqual([DEV_PRIVATE_KEY_FILE, DEV_PUBLIC_JWKS_FILE].sort());
    expect((await stat(join(directory, DEV_PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    const jwks = JSON.parse(await readFile(join(directory, DEV_PUBLIC_JWKS_FILE), 'utf8')) as {
      keys: object[];
    };
    expect(jwks.keys).toEqual([pair.publicJwk]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('is reused by a second instance: a token the CLI signs, a later API start verifies', async () => {
    const first = await loadOrCreateDevKeyPair(dataDir);
    const stored = await readFile(first.privateKeyFile, 'utf8');
    const token = await issueDevToken(
      { role: 'secretariat' },
      { dataDir, issuer: ISSUER, audience: AUDIENCE },
    );

    const verifier = new TokenVerifier(await DevKeySource.open(dataDir), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'dev-secretariat',
      roles: ['secretariat'],
    });
    expect((await loadOrCreateDevKeyPair(dataDir)).kid).toBe(first.kid);
    expect(await readFile(first.privateKeyFile, 'utf8')).toBe(stored);
  });

  it('does not accept a token signed for another DATA_DIR', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'ismap-auth-keys-other-'));
    try {
      const token = await issueDevToken(
        { role: 'agency' },
        { dataDir: otherDir, issuer: ISSUER, audience: AUDIENCE },
      );
      const verifier = new TokenVerifier(await DevKeySource.open(dataDir), {
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      await expectAuthenticationError(verifier.verify(token), 'AUTH.TOKEN_INVALID', /unknown kid/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('ends with one key pair when several starts in one process race', async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevKeyPair(dataDir)));
    expect(new Set(pairs.map((pair) => pair.kid)).size).toBe(1);
    expect(await keyFiles()).toEqual([DEV_PRIVATE_KEY_FILE, DEV_PUBLIC_JWKS_FILE].sort());
  });

  it('ends with one key pair when several processes start at the same moment', async () => {
    const moduleFile = await compileDevKeysModule(join(dataDir, 'compiled'));
    const processes = [0, 1, 2].map(() => startKeyLoader(moduleFile, dataDir));
    await Promise.all(processes.map((child) => child.ready));
    // Released together only once every process has loaded its code, so the starts overlap.
    for (const child of processes) child.go();
    const kids = await Promise.all(processes.map((child) => child.kid));

    expect(new Set(kids).size).toBe(1);
    expect(kids[0]).toBe((await loadOrCreateDevKeyPair(dataDir)).kid);
    expect(await keyFiles()).toEqual([DEV_PRIVATE_KEY_FILE, DEV_PUBLIC_JWKS_FILE].sort());
  });

  it('refuses an unreadable key file instead of silently replacing it', async () => {
    await mkdir(devKeysDirectory(dataDir), { recursive: true });
    const file = join(devKeysDirectory(dataDir), DEV_PRIVATE_KEY_FILE);
    await writeFile(file, '{"kty":"oct","k":"c2VjcmV0"}', { mode: 0o600 });
    const error = await loadOrCreateDevKeyPair(dataDir).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toBe(
      `${file} is not a P-256 private JWK; delete it to generate a new dev key pair`,
    );
  });
});

/**
 * dev-keys.ts, its one local import and the private-file helper of libs/config as CommonJS, so plain `node`
 * processes can run the real code.
 */
async function compileDevKeysModule(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const sources: ReadonlyArray<readonly [string, string]> = [
    ['dev-keys', resolve(__dirname, 'dev-keys.ts')],
    ['errors', resolve(__dirname, 'errors.ts')],
    ['private-files', resolve(__dirname, '../../config/src/private-files.ts')],
  ];
  for (const [name, file] of sources) {
    const source = await readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    // Only the private-file helpers are used from @ismap/config; the rest of it reads the environment.
    await writeFile(
      join(outDir, `${name}.js`),
      outputText.replace('require("@ismap/config")', 'require("./private-files")'),
    );
  }
  return join(outDir, 'dev-keys.js');
}

interface KeyLoader {
  readonly ready: Promise<void>;
  readonly kid: Promise<string>;
  go(): void;
}

function startKeyLoader(moduleFile: string, dataDir: string): KeyLoader {
  const script = `
    const { loadOrCreateDevKeyPair } = require(process.env.DEV_KEYS_MODULE);
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      loadOrCreateDevKeyPair(process.env.DATA_DIR).then(
        (pair) => { process.stdout.write('kid ' + pair.kid + '\\n'); process.exit(0); },
        (error) => { process.stderr.write(String(error)); process.exit(1); },
      );
    });`;
  const child = spawn(process.execPath, ['-e', script], {
    env: {
      ...process.env,
      DEV_KEYS_MODULE: moduleFile,
      DATA_DIR: dataDir,
      NODE_PATH: resolve(__dirname, '../../../node_modules'),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<void>((resolveExit, rejectExit) =>
    child.on('exit', (code) =>
      code === 0 ? resolveExit() : rejectExit(new Error(`loader exited ${code}: ${stderr}`)),
    ),
  );
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    lines.on('line', (line) => line === 'ready' && resolveReady());
    exited.catch(rejectReady);
  });
  const kid = new Promise<string>((resolveKid, rejectKid) => {
    lines.on('line', (line) => line.startsWith('kid ') && resolveKid(line.slice(4)));
    exited.catch(rejectKid);
  });
  return {
    ready,
    kid: Promise.all([kid, exited]).then(([value]) => value),
    go: () => {
      child.stdin.write('go\n');
    },
  };
}
