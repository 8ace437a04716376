/**
 * A chat-mode hub for bench/history-cost.ts, with history on when `BENCH_HISTORY=1` and off
 * otherwise: the same file serves both sides, so that nothing but the history differs. Chat
 * mode renders each message as its bare text (the formatter below), so the load generator's
 * line clients see the same fixed-size payloads as from the plain hub; notices render as
 * nothing, and text clients get no replay on join, so what is measured is keeping the history
 * on the relay's path. `BENCH_HUB_ENTRY` names the build, as for `hub-server.ts`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

type Library = typeof import('../../src/index.js');

const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const entry = process.env.BENCH_HUB_ENTRY ?? (existsSync(built) ? built : source);
const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;

const history = process.env.BENCH_HISTORY === '1';
const hub = new BroadcastHub({
  framing: 'line',
  chat: { formatter: (event) => (event.type === 'message' ? event.text : undefined), builtinCommands: false },
  history: history ? { replayOnJoin: 0 } : false,
});
hub.on('clientError', () => undefined);
const address = await hub.listen({ host: LOOPBACK, port: portArgument() });
process.stderr.write(`history ${history ? 'on' : 'off'}\n`);
announceListening(address.port, () => hub.close({ timeout: 1000 }));
