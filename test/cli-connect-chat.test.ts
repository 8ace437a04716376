import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, JsonChatClient } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { nextEvent, startCliHub, until, type CliHub } from './helpers/cli-hub.js';
import { assertCliBuilt, cli, killAll, type Spawned } from './fixtures/spawned.js';

// What `broadcast-chat connect` shows: the documented `Message received: ...` from a plain
// relay, the chat as a chat hub renders it (`alice: hi`, `* ...`) once there is one, over text
// lines or JSON. Through pipes (plain lines), against hubs on 127.0.0.1.
beforeAll(assertCliBuilt);
afterEach(killAll);
const track = closeAfterEach();

/** The client, connected to `hub`, once the hub has seen it (under `nick`, if given). */
async function connectTo(hub: CliHub, args: readonly string[] = [], nick?: string): Promise<Spawned> {
  const client = cli('client', ['connect', `127.0.0.1:${hub.port}`, ...args]);
  await client.waitFor('Connected to the server.\nType your messages below:\n');
  await until('the hub to see the client', () => [...hub.hub.clients].some((peer) => nick === undefined || peer.nick === nick));
  return client;
}

/** Another person in the chat, written with the library: a line client named `nick`. */
async function person(hub: CliHub, nick: string): Promise<ChatClient> {
  const client = track(new ChatClient({ port: hub.port, reconnect: false }), (c) => c.close());
  await client.connect();
  client.send(`/nick ${nick}`);
  await until(`${nick} to be named`, () => hub.hub.findPeer(nick) !== undefined);
  return client;
}

describe('broadcast-chat connect, what it shows', () => {
  it('shows a plain relay as the documented client does', async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const client = await connectTo(hub);
    hub.hub.broadcast('* not a notice, just text');
    hub.hub.broadcast('hello');
    await client.waitFor('Message received: * not a notice, just text\n');
    await client.waitFor('Message received: hello\nYou: ');
    // A line that looks like a server's farewell waits to see whether the connection closes;
    // it does not, so it is shown, in its place.
    hub.hub.broadcast('* server shutting down; reconnect in 5 s');
    hub.hub.broadcast('only joking');
    await client.waitFor('Message received: * server shutting down; reconnect in 5 s\nMessage received: only joking\n');
    hub.hub.broadcast('* disconnected: kicked (only joking again)');
    await client.waitFor('Message received: * disconnected: kicked (only joking again)\n');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('shows a chat hub as a chat, with --nick and --room taken and notices as `* ...`', async () => {
    const hub = await startCliHub(track, { framing: 'line', chat: true });
    const client = await connectTo(hub, ['--nick', 'alice', '--room', 'dev'], 'alice');
    await client.waitFor(/\* welcome, guest-\w+: you are in lobby; \/help lists the commands\n/);
    await client.waitFor(/\* guest-\w+ is now known as alice\n/);
    await client.waitFor('* alice joined dev\n');

    const bob = await person(hub, 'bob');
    bob.send('/join dev');
    await client.waitFor('* bob joined dev\n');
    bob.send('hi alice');
    await client.waitFor('[dev] bob: hi alice\n');
    bob.send('/me waves');
    await client.waitFor('[dev] * bob waves\n');
    bob.send('/msg alice psst');
    await client.waitFor('[dm] bob: psst\n[dev] alice: ');
    expect(client.printed.stdout).not.toContain('Message received');

    // What alice types goes to the room, and her prompt says who and where she is.
    const said = nextEvent(hub.hub, 'message');
    client.type('hi bob\n');
    expect((await said)[0]).toBe('hi bob');
    // `/quit` on a chat hub leaves, and does not come back.
    client.type('/quit bye all\n');
    await client.waitFor('Closing connection...\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    expect(client.printed.stdout).not.toContain('reconnecting');
  });

  it('turns into a chat view when a chat hub welcomes it, with no flag given', async () => {
    const hub = await startCliHub(track, { framing: 'line', chat: true });
    const client = await connectTo(hub);
    await client.waitFor(/\* welcome, guest-\w+: you are in lobby; \/help lists the commands\n/);
    const bob = await person(hub, 'bob');
    bob.send('hi there');
    // Shown as the chat it is, and the prompt is the name the hub gave.
    await client.waitFor(/\nbob: hi there\nguest-\w+: /);
    expect(client.printed.stdout).not.toContain('Message received');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('takes its nickname on a hub that detects framings (the first line it sends tells)', async () => {
    const hub = await startCliHub(track, { framing: 'auto', chat: true });
    const client = await connectTo(hub, ['--nick', 'carol'], 'carol');
    await client.waitFor(/\* guest-\w+ is now known as carol\n/);
    const bob = await person(hub, 'bob');
    bob.send('hi carol');
    await client.waitFor('\nbob: hi carol\n');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('speaks JSON with --json, and shows the chat it carries', async () => {
    const hub = await startCliHub(track, { framing: 'json' });
    const client = await connectTo(hub, ['--json', '--nick', 'alice'], 'alice');
    const bob = track(new JsonChatClient({ port: hub.port, nick: 'bob', reconnect: false }), (c) => c.close());
    await bob.connect();

    bob.send('hi alice');
    await client.waitFor('\nbob: hi alice\n');
    bob.command('/me waves');
    await client.waitFor('\n* bob waves\n');
    bob.sendTo('alice', 'psst');
    await client.waitFor('\n[dm] bob: psst\n');
    bob.join('dev');
    bob.send('over here', 'dev');
    client.type('/join dev\n');
    await client.waitFor('* alice joined dev\n');
    bob.send('in dev now', 'dev');
    await client.waitFor('[dev] bob: in dev now\n');
    client.type('/nick al1ce\n');
    await client.waitFor('* alice is now known as al1ce\n');

    const heard = new Promise<string>((resolve) => {
      bob.once('message', (message) => {
        resolve(`${message.sender} in ${message.room}: ${message.text}`);
      });
    });
    client.type('hello bob\n');
    expect(await heard).toBe('al1ce in dev: hello bob');
    client.type('/who\n');
    await client.waitFor('* in dev: al1ce, bob\n');
    client.type('/nick 9\n');
    await client.waitFor(/! .*\n/);

    client.type('/quit\n');
    await client.waitFor('Closing connection...\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('says why it could not join a JSON hub', async () => {
    const hub = await startCliHub(track, { framing: 'json' });
    const taken = track(new JsonChatClient({ port: hub.port, nick: 'alice', reconnect: false }), (c) => c.close());
    await taken.connect();
    const client = cli('client', ['connect', `127.0.0.1:${hub.port}`, '--json', '--nick', 'alice']);
    expect(await client.waitExit()).toEqual({ code: 1, signal: null });
    expect(client.printed.stderr).toMatch(/^Could not connect to server: .*alice.*\n$/);
  });

  it('stops cleanly when asked to while waiting for a JSON hub that never welcomes it', async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const connected = nextEvent(hub.hub, 'connect');
    const client = cli('client', ['connect', `127.0.0.1:${hub.port}`, '--json']);
    await connected;
    client.signal('SIGTERM');
    // Not "Could not connect" after the welcome's timeout: a stop is a clean end.
    expect(await client.waitExit(15_000)).toEqual({ code: 0, signal: null });
    expect(client.printed.stderr).toBe('');
  }, 30_000);
});
