/**
 * Starts the hub the way a program embedding it would, until the CLI (`dist/cli.js serve`)
 * exists; the runner prefers the CLI when it is built. Imports the built package
 * (`dist/index.js`) so that what is measured is what ships; `BENCH_HUB_ENTRY` points it at
 * another build (a candidate change, say) for side-by-side experiments.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

type Library = typeof import('../../src/index.js');

const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const entry = process.env.BENCH_HUB_ENTRY ?? (existsSync(built) ? built : source);
const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;

const hub = new BroadcastHub({ framing: 'line' });
// Per-client trouble is expected under load tests (resets at teardown); keep it quiet.
hub.on('clientError', () => undefined);
const address = await hub.listen({ host: LOOPBACK, port: portArgument() });
announceListening(address.port, () => hub.close({ timeout: 1000 }));
