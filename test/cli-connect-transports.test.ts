import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BroadcastHub } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { nextEvent, startCliHub } from './helpers/cli-hub.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';
import { assertCliBuilt, cli, killAll } from './fixtures/spawned.js';

// `broadcast-chat connect` over TLS (`--tls`, `--ca` and its other name `--tls-ca`) and over a
// Unix socket (`--socket`), to hubs on 127.0.0.1 or a socket in a temporary directory.
beforeAll(assertCliBuilt);
afterEach(killAll);
const track = closeAfterEach();

const dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-connect-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

needs('openssl').describe('broadcast-chat connect --tls', () => {
  let certFile: string;
  let tls: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    tls = selfSignedCertificate();
    certFile = join(dir, 'cert.pem');
    writeFileSync(certFile, tls.cert);
  });

  it.each([['--ca'], ['--tls-ca']])('trusts the CA given with %s, over text lines and JSON', async (flag) => {
    for (const framing of ['line', 'json'] as const) {
      const { hub, port } = await startCliHub(track, { framing, tls });
      const connected = nextEvent(hub, 'connect');
      const client = cli('client', ['connect', `127.0.0.1:${port}`, flag, certFile, ...(framing === 'json' ? ['--json', '--nick', 'alice'] : [])]);
      await client.waitFor('Connected to the server.');
      await connected;
      const said = nextEvent(hub, 'message');
      client.type('over TLS\n');
      expect((await said)[0]).toBe('over TLS');
      client.type('exit\n');
      expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses a server whose certificate it cannot verify, with --tls alone', async () => {
    const { port } = await startCliHub(track, { framing: 'line', tls });
    const client = cli('client', ['connect', `127.0.0.1:${port}`, '--tls']);
    expect(await client.waitExit()).toEqual({ code: 1, signal: null });
    expect(client.printed.stderr).toMatch(new RegExp(`^Could not connect to server: .*self[- ]signed.* at 127\\.0\\.0\\.1:${port}\\n$`, 'i'));
  });
});

describe('broadcast-chat connect --socket', () => {
  /** A hub serving a Unix socket at `path`, and how to stop both. */
  async function socketHub(path: string): Promise<{ hub: BroadcastHub; stop: () => Promise<void> }> {
    const server: Server = createServer();
    const hub = new BroadcastHub({ server, framing: 'line', chat: true });
    const stop = async (): Promise<void> => {
      await hub.close({ timeout: 500, retryAfter: 1000, retryJitter: 0 });
      await new Promise((resolve) => server.close(resolve));
    };
    track(hub, stop);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    return { hub, stop };
  }

  it('chats over a Unix socket, and comes back to it after a restart', async () => {
    const path = join(dir, 'chat.sock');
    const first = await socketHub(path);
    const connected = nextEvent(first.hub, 'connect');
    const client = cli('client', ['connect', '--socket', path, '--nick', 'alice']);
    await client.waitFor('Connected to the server.');
    await connected;
    await client.waitFor(/is now known as alice\n/);
    const said = nextEvent(first.hub, 'message');
    client.type('over a socket\n');
    expect((await said)[0]).toBe('over a socket');

    await first.stop();
    await client.waitFor('Disconnected from the server (server shutting down); reconnecting in 1 s...\n');
    const second = await socketHub(path);
    await client.waitFor('Reconnected to the server.\n');
    await client.waitFor(/is now known as alice\n/);
    expect(second.hub.findPeer('alice')).toBeDefined();
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('says which socket it could not reach', async () => {
    const path = join(dir, 'nobody-here.sock');
    const client = cli('client', ['connect', '--socket', path]);
    expect(await client.waitExit()).toEqual({ code: 1, signal: null });
    expect(client.printed.stderr).toBe(`Could not connect to server: no such socket (ENOENT) at ${path}\n`);
  });
});
