import { describe, expect, it } from 'vitest';
import { AuthError, ChatClient, JsonChatClient, type AuthRequest, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

/** A promise with its resolve function outside, for hooks the test decides when to answer. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function raw(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

const tokenIs =
  (expected: string) =>
  ({ credentials }: AuthRequest): boolean =>
    credentials === expected;

describe('authenticate: text peers', () => {
  it('lets in a client whose first line passes, and only then makes it a client', async () => {
    const { hub, port } = await startHub(track, { authenticate: tokenIs('s3cret') });
    const connects: Peer[] = [];
    hub.on('connect', (peer) => connects.push(peer));
    const alice = await raw(port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.clients.size).toBe(0);
    expect(connects).toHaveLength(0);
    alice.write('s3cret\n');
    await eventually(() => hub.clients.size === 1, 2000, 'alice admitted');
    expect(connects).toHaveLength(1);
    const bob = await raw(port);
    bob.write('s3cret\nhello from bob\n');
    // The line after the credentials, in the same write, waited for the decision and then went out.
    expect(await alice.lines(1)).toEqual(['hello from bob']);
  });

  it('sends nothing to a connection before it is let in: no broadcasts, no relayed messages', async () => {
    const { hub, port } = await startHub(track, { authenticate: tokenIs('s3cret') });
    const alice = await raw(port);
    alice.write('s3cret\n');
    await eventually(() => hub.clients.size === 1);
    const waiting = await raw(port);
    await new Promise((resolve) => setTimeout(resolve, 30));
    alice.write('said before you joined\n');
    hub.broadcast('broadcast before you joined');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(waiting.received.length).toBe(0);
    waiting.write('s3cret\n');
    await eventually(() => hub.clients.size === 2);
    alice.write('said after\n');
    expect(await waiting.lines(1)).toEqual(['said after']);
  });

  it('tells a refused client why, closes it with auth-failed, and emits authFailed but never connect', async () => {
    const { hub, port } = await startHub(track, { authenticate: tokenIs('s3cret') });
    let connected = 0;
    hub.on('connect', () => (connected += 1));
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const mallory = await raw(port);
    mallory.write('guess\n');
    const [, error] = await failed;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('ERR_AUTH_FAILED');
    expect(error.reason).toBe('rejected');
    await mallory.waitClosed(2000);
    expect(mallory.text).toBe('* disconnected: auth-failed (authentication failed)\n');
    expect(connected).toBe(0);
    expect(hub.clients.size).toBe(0);
  });

  it("tells the client an AuthError's message, but only 'authentication failed' for other errors", async () => {
    const { hub, port } = await startHub(track, {
      authenticate: ({ credentials }) => {
        if (credentials === 'expired') throw new AuthError('token expired');
        throw new Error('database password is hunter2');
      },
    });
    const reasons: AuthError[] = [];
    hub.on('authFailed', (_peer, error) => reasons.push(error));
    const first = await raw(port);
    first.write('expired\n');
    await first.waitClosed(2000);
    expect(first.text).toBe('* disconnected: auth-failed (token expired)\n');
    const second = await raw(port);
    second.write('anything\n');
    await second.waitClosed(2000);
    expect(second.text).toBe('* disconnected: auth-failed (authentication failed)\n');
    expect(second.text).not.toContain('hunter2');
    expect(reasons.map((error) => error.reason)).toEqual(['rejected', 'error']);
    expect((reasons[1]?.cause as Error).message).toContain('hunter2');
  });

  it('cuts a connection that does not authenticate within authTimeout', async () => {
    const { hub, port } = await startHub(track, { authenticate: () => true, authTimeout: 200 });
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const started = Date.now();
    const silent = await raw(port);
    const [, error] = await failed;
    await silent.waitClosed(2000);
    const elapsed = Date.now() - started;
    expect(error.reason).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
    expect(silent.text).toContain('auth-failed (authentication timed out');
  });

  it('cuts a slow hook at authTimeout too, and ignores its late answer', async () => {
    const answer = deferred<boolean>();
    const { hub, port } = await startHub(track, { authenticate: () => answer.promise, authTimeout: 200 });
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const peer = await raw(port);
    peer.write('token\n');
    expect((await failed)[1].reason).toBe('timeout');
    await peer.waitClosed(2000);
    answer.resolve(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.clients.size).toBe(0);
  });

  it('never kicks anyone for not identifying when no hook is set, whatever authTimeout says', async () => {
    const { hub, port } = await startHub(track, { authTimeout: 100, maxPreAuthBytes: 10 });
    const alice = await raw(port);
    const bob = await raw(port);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(alice.closed).toBe(false);
    expect(hub.clients.size).toBe(2);
    bob.write(`${'x'.repeat(100)}\n`);
    expect(await alice.lines(1)).toEqual(['x'.repeat(100)]);
  });

  it('cuts a connection that sends more than maxPreAuthBytes before it is let in, without asking the hook', async () => {
    let asked = 0;
    const { hub, port } = await startHub(track, {
      authenticate: () => {
        asked += 1;
        return true;
      },
      maxPreAuthBytes: 1024,
    });
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const peer = await raw(port);
    peer.write('x'.repeat(2000));
    const [, error] = await failed;
    expect(error.reason).toBe('too-large');
    await peer.waitClosed(2000);
    expect(asked).toBe(0);
    expect(peer.text).toContain('auth-failed (more than 1024 bytes sent before authenticating)');
  });

  it('a slow async hook delays only its own connection', async () => {
    const slow = deferred<boolean>();
    const { hub, port } = await startHub(track, { authenticate: ({ credentials }) => (credentials === 'slow' ? slow.promise : credentials === 'fast') });
    const waiting = await raw(port);
    waiting.write('slow\nqueued while waiting\n');
    const alice = await raw(port);
    const bob = await raw(port);
    alice.write('fast\n');
    bob.write('fast\n');
    await eventually(() => hub.clients.size === 2, 2000, 'the fast clients admitted');
    alice.write('hello bob\n');
    expect(await bob.lines(1)).toEqual(['hello bob']);
    // The waiting connection's message has not been relayed, nor has it been sent anything.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.text).toBe('hello bob\n');
    expect(waiting.received.length).toBe(0);
    slow.resolve(true);
    expect((await bob.lines(2))[1]).toBe('queued while waiting');
    expect(hub.clients.size).toBe(3);
  });

  it('admits under the nickname the hook returns, and refuses one already taken', async () => {
    const { hub, port } = await startHub(track, { chat: true, authenticate: ({ credentials }) => credentials?.split(':')[0] ?? false });
    const alice = await raw(port);
    alice.write('alice:pw\n');
    await eventually(() => hub.findPeer('alice') !== undefined, 2000, 'alice named');
    expect((await alice.lines(1))[0]).toContain('welcome, alice');
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const impostor = await raw(port);
    impostor.write('Alice:pw\n');
    expect((await failed)[1].message).toMatch(/already taken/);
    await impostor.waitClosed(2000);
    expect(hub.clients.size).toBe(1);
  });

  it('reports a connection that leaves before deciding as closed, and frees its place', async () => {
    const { hub, port } = await startHub(track, { authenticate: () => true, maxClients: 1 });
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const leaver = await raw(port);
    leaver.destroy();
    expect((await failed)[1].reason).toBe('closed');
    const next = await raw(port);
    next.write('token\n');
    await eventually(() => hub.clients.size === 1, 2000, 'the next client admitted');
  });

  it('close() drops connections still waiting at the gate', async () => {
    const { hub, port } = await startHub(track, { authenticate: () => new Promise<boolean>(() => undefined) });
    const waiting = await raw(port);
    waiting.write('token\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await hub.close({ timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(1000);
    await waiting.waitClosed(1000);
  });

  it('ChatClient sends its token first', async () => {
    const { hub, port } = await startHub(track, { authenticate: tokenIs('s3cret') });
    const alice = track(new ChatClient({ port, token: 's3cret', reconnect: false }), (client) => client.close());
    const bob = track(new ChatClient({ port, token: 's3cret', reconnect: false }), (client) => client.close());
    await alice.connect();
    await bob.connect();
    await eventually(() => hub.clients.size === 2, 2000, 'both admitted');
    const received = nextEvent<[string]>(bob, 'message');
    alice.send('hi bob');
    expect((await received)[0]).toBe('hi bob');
  });
});

describe('authenticate: JSON peers', () => {
  it("takes the hello's token, never passes it on, and keeps the hello's nick", async () => {
    const requests: AuthRequest[] = [];
    const seen: unknown[] = [];
    const { hub, port } = await startHub(track, {
      framing: 'json',
      authenticate: (request) => {
        requests.push(request);
        return request.credentials === 's3cret';
      },
    });
    hub.use((ctx) => {
      seen.push(ctx.envelope);
    });
    const alice = track(new JsonChatClient({ port, nick: 'alice', token: 's3cret', reconnect: false }), (client) => client.close());
    await alice.connect();
    expect(alice.nick).toBe('alice');
    expect(requests[0]?.hello).toEqual({ v: 1, type: 'hello', nick: 'alice' });
    expect(JSON.stringify(seen)).not.toContain('s3cret');
  });

  it('refuses a wrong token: connect() rejects with ERR_AUTH_FAILED', async () => {
    const { hub, port } = await startHub(track, { framing: 'json', authenticate: tokenIs('s3cret') });
    const failed = nextEvent<[Peer, AuthError]>(hub, 'authFailed');
    const mallory = track(new JsonChatClient({ port, token: 'guess', reconnect: false }), (client) => client.close());
    await expect(mallory.connect()).rejects.toMatchObject({ code: 'ERR_AUTH_FAILED' });
    expect((await failed)[1].reason).toBe('rejected');
    expect(hub.clients.size).toBe(0);
  });

  it('a JSON client whose hello has no token is asked about with undefined credentials', async () => {
    const { hub, port } = await startHub(track, { framing: 'json', authenticate: ({ credentials }) => credentials === undefined && 'anon' });
    const client = track(new JsonChatClient({ port, reconnect: false }), (c) => c.close());
    await client.connect();
    expect(client.nick).toBe('anon');
    expect(hub.clients.size).toBe(1);
  });
});
