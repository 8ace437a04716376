import { sep } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** The library's entry points as the CLI imports them, and the package's names for them. */
const CLI_LIBRARY_ENTRIES: Readonly<Record<string, string>> = { '../index.js': 'broadcast-chat', '../internals.js': 'broadcast-chat/internals' };

/**
 * The CLI imports the library through its entry points (src/index.ts, src/internals.ts); in the
 * bundle they become the package's own `broadcast-chat` and `broadcast-chat/internals`, the same
 * files as the entries the CLI loads lazily (broadcast-chat/websocket...) import. One copy of each
 * class, then: an error that broadcast-chat/websocket hands the CLI's hub is an instance of the
 * classes the hub checks. Any other import of the library from src/cli/ is refused, since it would
 * bundle a second copy.
 */
function libraryByName(): Plugin {
  return {
    name: 'library-by-name',
    setup(build) {
      build.onResolve({ filter: /^\.\.\// }, (args) => {
        if (!args.importer.includes(`${sep}src${sep}cli${sep}`)) return undefined;
        const entry = CLI_LIBRARY_ENTRIES[args.path];
        if (entry !== undefined) return { path: entry, external: true };
        if (args.path === '../../package.json') return undefined;
        return { errors: [{ text: `src/cli/ imports the library through ../index.js or ../internals.js only (got ${args.path}): anything else would bundle a second copy of its classes` }] };
      });
    },
  };
}

/** The entry points for Node: ESM and CommonJS, with declarations. */
const NODE_ENTRIES = {
  index: 'src/index.ts',
  internals: 'src/internals.ts',
  redis: 'src/redis.ts',
  nats: 'src/nats.ts',
  websocket: 'src/websocket.ts',
  prometheus: 'src/prometheus.ts',
  irc: 'src/irc.ts',
};

export default defineConfig([
  {
    // The cluster adapters and the WebSocket door have entries of their own, so that the core never
    // loads ioredis, nats or ws (peer dependencies, and so external to the build).
    entry: NODE_ENTRIES,
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    // typed-emitter is types only: inline its declarations so users install nothing (and no rxjs).
    // broadcast-chat/browser's declarations are made here too: one declaration build writing into
    // dist/ at a time, since two raced and one could lose the other's file.
    dts: { resolve: ['typed-emitter'], entry: { ...NODE_ENTRIES, browser: 'src/browser.ts' } },
    sourcemap: true,
    // The builds run at once into dist/: leave the CLI's and the browser's files to their builds.
    clean: ['!cli.js', '!cli.js.map', '!browser.js', '!browser.js.map', '!browser.d.ts', '!chat-page.js', '!chat-page.js.map'],
    // broadcast-chat/websocket finds the chat page's files from import.meta.url, in CommonJS too.
    shims: true,
    // What the entries share (errors, BrokerAdapter...) goes into chunks they all import: with a
    // copy per entry, an error thrown by broadcast-chat/redis would be no instance of the core's
    // classes. In CommonJS too, which tsup splits only when asked.
    splitting: true,
    treeshake: true,
  },
  {
    // The `broadcast-chat` bin: one ESM file, run by node directly. It takes the library from
    // the package's own entries (see libraryByName), and loads broadcast-chat/websocket, /redis
    // and /nats by name when a flag asks (src/cli/optional-module.ts): those are never bundled,
    // so the CLI starts without ws, ioredis and nats.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    dts: false,
    sourcemap: true,
    clean: false,
    splitting: false,
    treeshake: true,
    external: ['broadcast-chat'],
    esbuildPlugins: [libraryByName()],
  },
  {
    // broadcast-chat/browser and the chat page's script: ES modules for pages, with no Node module,
    // served as they are (dist/browser.js, dist/chat-page.js) by the chat page's server.
    entry: { browser: 'src/browser.ts', 'chat-page': 'src/browser/chat-page.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'browser',
    dts: false,
    sourcemap: true,
    clean: false,
    splitting: false,
    treeshake: true,
  },
]);
