import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the chat page, as it is served. */
export interface PageFile {
  readonly type: string;
  readonly body: Buffer;
}

/** What the page's files are named on the wire, and where each is in the package. */
const FILES: Readonly<Record<string, { readonly path: readonly string[]; readonly type: string }>> = {
  'index.html': { path: ['web', 'index.html'], type: 'text/html; charset=utf-8' },
  'chat.css': { path: ['web', 'chat.css'], type: 'text/css; charset=utf-8' },
  'icon.svg': { path: ['web', 'icon.svg'], type: 'image/svg+xml' },
  'chat-page.js': { path: ['dist', 'chat-page.js'], type: 'text/javascript; charset=utf-8' },
  'browser.js': { path: ['dist', 'browser.js'], type: 'text/javascript; charset=utf-8' },
};

/** The names the page's files are served under, relative to the page's path. */
export const PAGE_FILE_NAMES: readonly string[] = Object.keys(FILES);

/**
 * The package's root: the closest folder above this module with the package's package.json
 * (dist/ in the published package, src/websocket/ in this repository's tests).
 */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'broadcast-chat') return folder;
      } catch {
        // Not ours, or unreadable: keep looking.
      }
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new Error("broadcast-chat: cannot find the package's folder, where the chat page's files are");
}

/**
 * Reads the chat page's files from the package, once: the page (web/index.html, chat.css, icon.svg)
 * and its scripts (dist/chat-page.js, dist/browser.js). Throws, naming the file, when one is
 * missing (a checkout that was not built).
 */
export function loadPageFiles(): ReadonlyMap<string, PageFile> {
  const root = packageRoot();
  const files = new Map<string, PageFile>();
  for (const [name, { path, type }] of Object.entries(FILES)) {
    const file = join(root, ...path);
    if (!existsSync(file)) throw new Error(`broadcast-chat: the chat page's ${path.join('/')} is missing from ${root} (run the build: npx tsup)`);
    files.set(name, { type, body: readFileSync(file) });
  }
  return files;
}
