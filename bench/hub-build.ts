import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './systems.js';

/** The ESM build: the CLI, the entry points and the chunks they share (`chunk-*.js`). */
const ESM_FILE = /\.js(\.map)?$/;

/**
 * Copies the hub's ESM build (`dist/cli.js`, `dist/index.js` and the chunks it imports) to a
 * directory of its own for one run, so a rebuild of dist/ while the benchmark runs (tsup
 * cleans it first) cannot pull the hub out from under a measurement.
 */
export function snapshotHubBuild(): { readonly dir: string; readonly files: readonly string[]; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'broadcast-chat-bench-'));
  // The CLI imports the library by the package's own name: the copy is a package too, so that
  // name resolves to it (Node's self-reference through `exports`).
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  const dir = join(root, 'dist');
  mkdirSync(dir);
  const files: string[] = [];
  const dist = join(ROOT, 'dist');
  for (const file of existsSync(dist) ? readdirSync(dist).sort() : []) {
    if (!ESM_FILE.test(file)) continue;
    copyFileSync(join(dist, file), join(dir, file));
    files.push(file);
  }
  return {
    dir,
    files,
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
