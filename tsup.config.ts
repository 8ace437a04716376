import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The cluster adapters and the WebSocket door have entries of their own, so that the core never
    // loads ioredis, nats or ws (peer dependencies, and so external to the build).
    entry: { index: 'src/index.ts', internals: 'src/internals.ts', redis: 'src/redis.ts', nats: 'src/nats.ts', websocket: 'src/websocket.ts', prometheus: 'src/prometheus.ts' },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    // typed-emitter is types only: inline its declarations so users install nothing (and no rxjs).
    dts: { resolve: ['typed-emitter'] },
    sourcemap: true,
    // The builds run at once into dist/: leave the CLI's and the browser's files to their builds.
    clean: ['!cli.js', '!cli.js.map', '!browser.js', '!browser.js.map', '!chat-page.js', '!chat-page.js.map'],
    // broadcast-chat/websocket finds the chat page's files from import.meta.url, in CommonJS too.
    shims: true,
    // What the entries share (errors, BrokerAdapter...) goes into chunks they all import: with a
    // copy per entry, an error thrown by broadcast-chat/redis would be no instance of the core's
    // classes. In CommonJS too, which tsup splits only when asked.
    splitting: true,
    treeshake: true,
  },
  {
    // The `broadcast-chat` bin: one ESM file, run by node directly.
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
  },
  {
    // broadcast-chat/browser and the chat page's script: ES modules for pages, with no Node module,
    // served as they are (dist/browser.js, dist/chat-page.js) by the chat page's server.
    entry: { browser: 'src/browser.ts', 'chat-page': 'src/browser/chat-page.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'browser',
    dts: { entry: { browser: 'src/browser.ts' } },
    sourcemap: true,
    clean: false,
    splitting: false,
    treeshake: true,
  },
]);
