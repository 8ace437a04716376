import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BroadcastHub, ListenError } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';

const track = closeAfterEach();
const dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-unix-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let count = 0;
const socketPath = (): string => join(dir, `hub-${++count}.sock`);

/** A client of a Unix socket that collects what it is sent. */
async function unixClient(path: string): Promise<{ socket: Socket; received: () => string }> {
  const socket = track(connect({ path }), (s) => {
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  return { socket, received: () => text };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200 && !done(); tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

describe('a hub on a Unix domain socket', () => {
  it('listens on a path, relays between its clients, and removes the socket file on close', async () => {
    const path = socketPath();
    const hub = track(new BroadcastHub(), (h) => h.close());
    const address = await hub.listen({ path });
    expect(address).toEqual({ path });
    expect(hub.address()).toEqual({ path });
    expect(existsSync(path)).toBe(true);
    const alice = await unixClient(path);
    const bob = await unixClient(path);
    await until(() => hub.clients.size === 2, 'two clients');
    alice.socket.write('hello over a unix socket\n');
    await until(() => bob.received().includes('hello over a unix socket\n'), "bob to hear alice");
    await hub.close();
    expect(existsSync(path)).toBe(false);
  });

  it('resolves listen() with the path of a server given already listening on one', async () => {
    const path = socketPath();
    const server = track(createServer(), (s) => new Promise((resolve) => s.close(resolve)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const hub = track(new BroadcastHub({ server }), (h) => h.close());
    expect(hub.address()).toEqual({ path });
    await expect(hub.listen()).resolves.toEqual({ path });
    const client = await unixClient(path);
    await until(() => hub.clients.size === 1, 'the client');
    hub.broadcast('to everyone');
    await until(() => client.received() === 'to everyone\n', 'the broadcast');
  });

  it('rejects a path that is taken with a ListenError naming it', async () => {
    const path = socketPath();
    const first = track(new BroadcastHub(), (h) => h.close());
    await first.listen({ path });
    const second = track(new BroadcastHub(), (h) => h.close());
    const failure = second.listen({ path });
    await expect(failure).rejects.toBeInstanceOf(ListenError);
    await expect(failure).rejects.toThrow(path);
  });

  it('refuses a path given with a port or a host', async () => {
    const hub = track(new BroadcastHub(), (h) => h.close());
    await expect(hub.listen({ path: socketPath(), port: 0 })).rejects.toThrow(TypeError);
    await expect(hub.listen({ path: socketPath(), host: '127.0.0.1' })).rejects.toThrow(TypeError);
  });
});
