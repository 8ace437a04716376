import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  // typed-emitter is types only: inline its declarations so users install nothing (and no rxjs).
  dts: { resolve: ['typed-emitter'] },
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
});
