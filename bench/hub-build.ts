import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './systems.js';

const FILES = ['cli.js', 'cli.js.map', 'index.js', 'index.js.map'];

/**
 * Copies the hub's build (`dist/cli.js`, `dist/index.js`) to a directory of its own for
 * one run, so a rebuild of dist/ while the benchmark runs (tsup cleans it first) cannot
 * pull the hub out from under a measurement. Both files are self-contained bundles.
 */
export function snapshotHubBuild(): { readonly dir: string; readonly files: readonly string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-bench-'));
  const files: string[] = [];
  for (const file of FILES) {
    const from = join(ROOT, 'dist', file);
    if (!existsSync(from)) continue;
    copyFileSync(from, join(dir, file));
    files.push(file);
  }
  return {
    dir,
    files,
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
