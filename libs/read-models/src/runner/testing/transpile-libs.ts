/**
 * Child processes in tests have no Jest transform. This turns the named libs into plain CommonJS in a directory
 * of its own (types stripped, no type check: ts-jest checks the same files) and points `@ismap/*` imports at it,
 * so a child runs exactly the source under test, whether or not `dist/` is current. Not used by the product.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const repository = resolve(__dirname, '../../../../..');

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Returns the output root; `<root>/libs/<lib>/src/index.js` is each lib's entry. */
export function transpileLibs(outDir: string, libs: readonly string[]): string {
  for (const lib of libs) {
    for (const source of filesUnder(join(repository, 'libs', lib, 'src'))) {
      if (source.endsWith('.spec.ts') || source.endsWith('.d.ts')) continue;
      const target = join(outDir, relative(repository, source));
      mkdirSync(dirname(target), { recursive: true });
      if (!source.endsWith('.ts')) {
        copyFileSync(source, target);
        continue;
      }
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          experimentalDecorators: true,
        },
      });
      const rewritten = outputText.replace(
        /require\("@ismap\/([a-z-]+)(\/[^"]*)?"\)/g,
        (_, name: string, sub: string | undefined) =>
          `require(${JSON.stringify(join(outDir, 'libs', name, 'src') + (sub ?? ''))})`,
      );
      writeFileSync(target.replace(/\.ts$/, '.js'), rewritten);
    }
  }
  return outDir;
}

/** Lets a child in a temporary directory load the repository's node_modules. */
export const childNodePath = join(repository, 'node_modules');
