/**
 * The hub behind its IRC door (`broadcast-chat/irc`), for the IRC fan-out rows: a chat hub and
 * the door on a port of its own, the door's PINGs off (a measurement is shorter than a beat).
 * Imports the built package (dist/) when there is one, so that what is measured is what ships;
 * src/ through tsx otherwise.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

type Core = typeof import('../../src/index.js');
type Door = typeof import('../../src/irc.js');

/** Both from dist/ when the build has the IRC entry, else both from src/: never a hub of one and a door of the other. */
const useBuild = existsSync(fileURLToPath(new URL('../../dist/irc.js', import.meta.url))) && existsSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)));

function load(name: 'index' | 'irc'): string {
  return pathToFileURL(fileURLToPath(new URL(useBuild ? `../../dist/${name}.js` : `../../src/${name}.ts`, import.meta.url))).href;
}

const { BroadcastHub } = (await import(load('index'))) as Core;
const { listenIrc } = (await import(load('irc'))) as Door;

const hub = new BroadcastHub({ chat: true });
// Resets at teardown are expected under load; keep them quiet.
hub.on('clientError', () => undefined);
const door = await listenIrc(hub, { port: portArgument(), host: LOOPBACK, heartbeatInterval: 0 });
announceListening(door.address()?.port ?? 0, async () => {
  await hub.close({ timeout: 1000 });
  await door.close();
});
