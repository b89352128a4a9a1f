import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The checkout: the nearest directory above this file with a package.json (this file also runs from dist/). */
function checkoutRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

const ROOT = checkoutRoot(__dirname);

/**
 * Where the built product lives: `dist/` (what `npm test`'s pretest builds), or `ISMAP_DIST_DIR` (a directory
 * inside the checkout, so node_modules resolve) when a second build must not disturb the first.
 */
export const DIST_DIR = resolve(ROOT, process.env.ISMAP_DIST_DIR ?? 'dist');

/** The built entry point of an app: `builtEntry('server')` → `<dist>/apps/server/src/main.js`. */
export function builtEntry(app: 'server' | 'cli' | 'worker' | 'api'): string {
  return join(DIST_DIR, 'apps', app, 'src', 'main.js');
}
