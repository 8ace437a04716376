import { afterEach, beforeAll, expect, it } from 'vitest';
import { assertCliBuilt, cli, freePort, killAll, portOf, pythonClient, pythonServer, Spawned } from './fixtures/spawned.js';
import { needs } from './helpers/tools.js';

// Our client against the documented Python server (test/fixtures/server2.py), which relays
// every recv(1024) verbatim, with no framing. Everything runs on 127.0.0.1.
beforeAll(assertCliBuilt);
afterEach(killAll);

const NEW_CONNECTION = /New connection from \('127\.0\.0\.1', \d+\)\n/;

async function startPythonServer(): Promise<{ server: Spawned; port: number }> {
  const server = pythonServer(await freePort());
  return { server, port: await portOf(server) };
}

async function startClient(port: number, server: Spawned): Promise<Spawned> {
  const client = cli('client', ['connect', '--no-reconnect', '127.0.0.1', String(port)]);
  await client.waitFor('Starting client...\nConnected to the server.\nType your messages below:\nYou: ');
  await server.waitFor(NEW_CONNECTION);
  return client;
}

needs('python3').describe('broadcast-chat connect against the documented Python server', () => {
  needs('nc').it('chats with its operator, its Python client and nc, and notices when it exits', async () => {
    const { server, port } = await startPythonServer();
    const python = pythonClient(port);
    await python.waitFor('Type your messages below:\n');
    await server.waitFor(NEW_CONNECTION);
    const node = await startClient(port, server);

    // The first bytes our client receives are bare: it settles on raw framing.
    server.type('welcome from the operator\n');
    await node.waitFor('Message received: welcome from the operator\n');
    await python.waitFor('Message received: welcome from the operator\n');

    python.type('hi from python\n');
    await node.waitFor('Message received: hi from python\n');

    // ...so it sends bare text too, which the Python programs print without a stray newline.
    node.type('hi from node\n');
    await python.waitFor('Message received: hi from node\n');
    await server.waitFor(/Received message from \('127\.0\.0\.1', \d+\): hi from node\n/);
    expect(python.searched('stdout')).not.toContain('hi from node\n\n');
    expect(server.printed.stdout).not.toContain('hi from node\n\n');

    // nc's newline-terminated lines arrive through the Python server as they were sent,
    // possibly several in one recv: each is still one message.
    const nc = new Spawned('nc', 'nc', ['127.0.0.1', String(port)]);
    await server.waitFor(NEW_CONNECTION);
    nc.type('one\ntwo\n');
    await node.waitFor('Message received: one\n');
    await node.waitFor('Message received: two\n');

    server.type('exit\n');
    await node.waitFor('Disconnected from the server.\n');
    expect(await node.waitExit()).toEqual({ code: 0, signal: null });
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
    expect(node.printed.stdout).not.toMatch(/Message received: \n/);
  }, 40_000);

  it('leaves the Python server cleanly on `exit`', async () => {
    const { server, port } = await startPythonServer();
    const node = await startClient(port, server);
    node.type('EXIT\n');
    await node.waitFor('Closing connection...\n');
    expect(await node.waitExit()).toEqual({ code: 0, signal: null });
    await server.waitFor(/Connection closed from \('127\.0\.0\.1', \d+\)\n/);
  }, 30_000);
});
