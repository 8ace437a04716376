/**
 * The hub behind its WebSocket door (`broadcast-chat/websocket`), for the WebSocket fan-out rows:
 * a chat hub, the door on `/` of an HTTP server of its own, any origin. Imports the built package
 * (dist/) when there is one, so that what is measured is what ships; src/ through tsx otherwise.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

type Core = typeof import('../../src/index.js');
type Door = typeof import('../../src/websocket.js');

/** Both from dist/ when the build has the WebSocket entry, else both from src/: never a hub of one and a door of the other. */
const useBuild = existsSync(fileURLToPath(new URL('../../dist/websocket.js', import.meta.url))) && existsSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)));

function load(name: 'index' | 'websocket'): string {
  return pathToFileURL(fileURLToPath(new URL(useBuild ? `../../dist/${name}.js` : `../../src/${name}.ts`, import.meta.url))).href;
}

const { BroadcastHub } = (await import(load('index'))) as Core;
const { attachWebSocket } = (await import(load('websocket'))) as Door;

const hub = new BroadcastHub({ chat: true });
// Resets at teardown are expected under load; keep them quiet.
hub.on('clientError', () => undefined);
const server = createServer();
const door = attachWebSocket(hub, { server, path: '/', origins: '*' });
server.listen(portArgument(), LOOPBACK, () => {
  announceListening((server.address() as AddressInfo).port, async () => {
    await hub.close({ timeout: 1000 });
    await door.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });
});
