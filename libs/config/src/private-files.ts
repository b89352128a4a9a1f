import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Secrets kept in DATA_DIR (dev signing keys, the webhook key, the dev seal key) are created on first use, and
 * the API, the worker and the CLI may all start at that moment. Each process writes a complete candidate to a
 * private temp file and hard-links it into place: `link` fails when the name exists, so exactly one candidate
 * wins, every process reads the winner, and no reader ever sees a half-written file.
 */
export async function readOrCreatePrivateFile(
  file: string,
  create: () => string | Promise<string>,
): Promise<string> {
  const directory = dirname(file);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const stored = await readFileIfExists(file);
  if (stored !== undefined) return stored;
  const temp = join(directory, `.${basename(file)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await writeFileDurably(temp, await create(), 0o600);
    try {
      await link(temp, file);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(directory);
  return readFile(file, 'utf8');
}

export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Creates `file` (it must not exist) with exactly `mode`, and syncs its content before returning. */
export async function writeFileDurably(file: string, content: string, mode: number): Promise<void> {
  const handle = await open(file, 'wx', mode);
  try {
    // The umask could only have narrowed `mode`; make it exact so the check people do (`ls -l`) is predictable.
    await handle.chmod(mode);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Best effort: makes a new name survive a power loss where the platform supports syncing a directory. */
export async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* not supported (e.g. Windows): the file would merely be created again */
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
