import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BroadcastHub, ChatClient, ConnectError, JsonChatClient, type ChatClientOptions, type HubOptions } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent } from './helpers/sockets.js';

const track = closeAfterEach();

/** Tiny reconnect delays, so that a reconnection takes milliseconds. */
const quick = { initialDelay: 10, maxDelay: 40 };

/** A socket path of this test's own in the temp directory, removed after the test whatever happens. */
function socketPath(): string {
  const path = join(tmpdir(), `broadcast-chat-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  return track(path, (p) => {
    rmSync(p, { force: true });
  });
}

async function hubAt(path: string, options: HubOptions = {}): Promise<BroadcastHub> {
  const hub = track(new BroadcastHub(options), (h) => h.close({ timeout: 500 }));
  expect(await hub.listen({ path })).toEqual({ path });
  return hub;
}

function client(options: ChatClientOptions): ChatClient {
  return track(new ChatClient(options), (c) => c.close());
}

describe('ChatClient over a Unix domain socket', () => {
  it('connects to the path, not to host and port, and talks through the hub', async () => {
    const path = socketPath();
    const hub = await hubAt(path);
    const alice = client({ path });
    const bob = client({ path });
    await alice.connect();
    await bob.connect();
    expect(alice.path).toBe(path);
    await eventually(() => hub.clients.size === 2, 2000, 'both clients registered');
    const heard = nextEvent<[string]>(bob, 'message');
    alice.send('over the socket file');
    expect(await heard).toEqual(['over the socket file']);
  });

  it('reconnects to the same path when the hub comes back', async () => {
    const path = socketPath();
    const first = await hubAt(path);
    const chat = client({ path, reconnect: quick });
    await chat.connect();
    await eventually(() => first.clients.size === 1, 2000, 'the client registered');
    const events: string[] = [];
    chat.on('disconnect', (reason) => events.push(`disconnect:${reason}`));
    chat.on('reconnect', () => events.push('reconnect'));
    await first.close({ retryAfter: 0, retryJitter: 0 });
    // The attempts fail while no one listens on the path, then one succeeds.
    const second = await hubAt(path);
    await nextEvent(chat, 'reconnect');
    expect(events).toEqual(['disconnect:shutdown', 'reconnect']);
    await eventually(() => second.clients.size === 1, 2000, 'the client registered again');
    const listener = client({ path });
    await listener.connect();
    await eventually(() => second.clients.size === 2, 2000, 'the listener registered');
    const heard = nextEvent<[string]>(listener, 'message');
    chat.send('back again');
    expect(await heard).toEqual(['back again']);
  });

  it('rejects connect() with a ConnectError naming the path when nothing listens there', async () => {
    const path = socketPath();
    const chat = client({ path });
    const failure = await chat.connect().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectError);
    expect(failure).toMatchObject({ code: 'ERR_CONNECT_FAILED', cause: { code: 'ENOENT' } });
    expect((failure as Error).message.startsWith(`could not connect to ${path}: `)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});

describe('JsonChatClient over a Unix domain socket', () => {
  it('connects, is welcomed with its nickname, and chats', async () => {
    const path = socketPath();
    await hubAt(path, { framing: 'json' });
    const ada = track(new JsonChatClient({ path, nick: 'ada' }), (c) => c.close());
    const bob = track(new JsonChatClient({ path, nick: 'bob' }), (c) => c.close());
    await ada.connect();
    await bob.connect();
    expect(ada.nick).toBe('ada');
    const heard = nextEvent<[{ sender: string; text: string }]>(bob, 'message');
    ada.send('hello from the socket file');
    const [message] = await heard;
    expect(message).toMatchObject({ sender: 'ada', text: 'hello from the socket file' });
  });
});
