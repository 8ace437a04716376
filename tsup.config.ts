import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The cluster adapters have entries of their own, so that the core never loads ioredis or nats
    // (peer dependencies, and so external to the build).
    entry: { index: 'src/index.ts', redis: 'src/redis.ts', nats: 'src/nats.ts' },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    // typed-emitter is types only: inline its declarations so users install nothing (and no rxjs).
    dts: { resolve: ['typed-emitter'] },
    sourcemap: true,
    // Both builds run at once into dist/: leave the CLI's files to the CLI build.
    clean: ['!cli.js', '!cli.js.map'],
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
]);
