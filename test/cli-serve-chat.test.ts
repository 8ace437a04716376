import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JsonChatClient, type ChatMessage, type SystemEnvelope } from '../src/index.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { assertCliBuilt, killAll } from './fixtures/spawned.js';
import { closeSockets, exitServe, lineClient, namedClient, startServe } from './helpers/serve-cli.js';

// `broadcast-chat serve --chat` and its operator console, spawned and driven through its
// standard streams, with clients on real sockets on 127.0.0.1.
const jsonClients = new Set<JsonChatClient>();

beforeAll(assertCliBuilt);
afterEach(async () => {
  closeSockets();
  await Promise.all([...jsonClients].map((client) => client.close()));
  jsonClients.clear();
  await killAll();
});

/** A JSON client that has connected as `nick`, with every notice it was sent from the start (the greeting races `connect()`). */
async function jsonClient(port: number, nick: string): Promise<{ client: JsonChatClient; notices: string[] }> {
  const client = new JsonChatClient({ host: '127.0.0.1', port, nick, reconnect: false });
  jsonClients.add(client);
  const notices: string[] = [];
  client.on('error', () => undefined);
  client.on('system', (event) => notices.push(event.text));
  await client.connect();
  return { client, notices };
}

/** Resolves with the first event `event` of `client` that `matches`. */
function next<T>(client: JsonChatClient, event: 'message' | 'system', matches: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = (value: T): void => {
      if (!matches(value)) return;
      client.off(event, listener as never);
      resolve(value);
    };
    client.on(event, listener as never);
  });
}

describe('broadcast-chat serve --chat', () => {
  it('gives text clients nicknames, rooms and commands, and shows the console who said what', async () => {
    const { server, port } = await startServe('chat server', ['--chat']);
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: mixed, chat mode)`);
    const alice = await namedClient(port, 'alice');
    const bob = await namedClient(port, 'bob');
    await server.waitFor('* guest-2 is now known as bob\n');

    alice.send('hi bob');
    await bob.waitFor('alice: hi bob\n');
    await server.waitFor('alice: hi bob\n');
    alice.send('/me waves');
    await bob.waitFor('* alice waves\n');
    bob.send('/msg alice psst');
    await alice.waitFor('[dm] bob: psst\n');
    bob.send('/who');
    await bob.waitFor('* in lobby: alice, bob\n');
    alice.send('/join dev');
    await server.waitFor('* alice joined dev\n');
    alice.send('anyone here?');
    await server.waitFor('[dev] alice: anyone here?\n');
    bob.send('/help');
    await bob.waitFor('* /msg NAME text - send a direct message\n');
    expect(bob.received).not.toContain('anyone here?');

    // Nobody passes for the operator.
    bob.send('/nick host');
    await bob.waitFor("! host is the server operator's name\n");

    expect(await exitServe(server)).toBe(0);
  });

  it('says what the operator types as host, and takes the operator commands', async () => {
    const { server, port } = await startServe('operator', ['--chat']);
    const alice = await namedClient(port, 'alice');
    const bob = await namedClient(port, 'bob');

    server.type('hello everyone\n');
    await alice.waitFor('host: hello everyone\n');
    await bob.waitFor('host: hello everyone\n');
    await server.waitFor('host: hello everyone\n');

    server.type('/who\n');
    await server.waitFor('2 clients here:\n');
    await server.waitFor(/^ {2}alice {2}127\.0\.0\.1:\d+ line +lobby\n {2}bob {4}127\.0\.0\.1:\d+ line +lobby\n/m);
    server.type('/rooms\n');
    await server.waitFor('rooms: lobby (2)\n');
    server.type('/say /help is how to list the commands\n');
    await alice.waitFor('host: /help is how to list the commands\n');
    server.type('//join is sent as typed\n');
    await alice.waitFor('host: /join is sent as typed\n');
    server.type('/msg bob a word\n');
    await bob.waitFor('[dm] host: a word\n');
    server.type('/frobnicate\n');
    await server.waitFor("unknown command /frobnicate; /help lists the operator's commands\n");
    server.type('/kick carol\n');
    await server.waitFor('nobody is called carol\n');

    server.type('/kick bob spamming\n');
    // Through the hub's moderation: from lobby, bob's only room and the default one, a kick is
    // a disconnection, with the hub's own goodbye, which ChatClient and `connect` read as a kick.
    await bob.waitFor('* disconnected: kicked (kicked from lobby by host: spamming)\n');
    await alice.waitFor('* bob was kicked from lobby by host (spamming)\n');
    await server.waitFor(/Kicked bob \(127\.0\.0\.1:\d+\) from lobby by host: spamming\n/);
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+: bob \(kicked\)\n/);
    // What the operator typed never reached anyone as a message of its own.
    expect(alice.received).not.toMatch(/^\/(who|rooms|kick|frobnicate)/m);

    expect(await exitServe(server)).toBe(0);
    await alice.waitFor('* server shutting down; reconnect in');
    // One shutdown line for a line client: the hub's, not a second one from the console.
    expect(alice.received).not.toContain('Server is shutting down.');
  });

  it('serves JSON programs and text clients in one chat, with the message of the day and the default room', async () => {
    const { server, port } = await startServe('mixed', ['--chat', '--room', 'main', '--motd', 'Be kind; this chat is logged.']);
    const { client: carol, notices } = await jsonClient(port, 'carol');
    expect(carol.room).toBe('main');
    // A mixed client is greeted once it has spoken (its first bytes say whether it speaks JSON): carol said hello.
    await eventually(() => notices.includes('Be kind; this chat is logged.'), 5000, 'the message of the day');

    // A line client's first line (its /nick) says it is no JSON program: welcome, message of the day, new name.
    const alice = await namedClient(port, 'alice');
    expect(alice.received).toMatch(/^\* welcome, guest-2: you are in main; .*\n\* Be kind; this chat is logged\.\n\* guest-2 is now known as alice\n/);

    const heard = next<ChatMessage>(carol, 'message', (message) => message.text === 'hi carol');
    alice.send('hi carol');
    expect(await heard).toMatchObject({ sender: 'alice', room: 'main', text: 'hi carol' });
    carol.send('hi alice');
    await alice.waitFor('carol: hi alice\n');
    await server.waitFor('carol: hi alice\n');

    const announced = next<SystemEnvelope>(carol, 'system', (event) => event.text === 'host: lunch is ready');
    server.type('lunch is ready\n');
    await announced;
    await alice.waitFor('host: lunch is ready\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('greets line clients with the message of the day as soon as they connect', async () => {
    const { server, port } = await startServe('line motd', ['--chat', '--framing', 'line', '--motd', 'Welcome aboard']);
    const alice = await lineClient(port);
    // After the hub's own welcome, which names the client.
    await alice.waitFor('* welcome, guest-1: you are in lobby; /help lists the commands\n* Welcome aboard\n');
    expect(await exitServe(server)).toBe(0);
  });
});

describe('broadcast-chat serve without --chat', () => {
  it('relays verbatim as the documented server does, and shows the operator what it sent', async () => {
    const { server, port } = await startServe('plain', ['--motd', 'plain greeting']);
    const first = await lineClient(port);
    await first.waitFor('plain greeting\n');
    const second = await lineClient(port);
    await server.waitFor(/New connection from 127\.0\.0\.1:\d+\n[\s\S]*New connection from 127\.0\.0\.1:\d+\n/);
    first.send('hello');
    await second.waitFor('hello\n');
    await server.waitFor(/Received message from 127\.0\.0\.1:\d+: hello\n/);

    server.type('from the operator\n');
    await first.waitFor('from the operator\n');
    await second.waitFor('from the operator\n');
    // The console marks the operator's own line, so it is never taken for a client's.
    await server.waitFor('Sent to 2 clients: from the operator\n');
    // Slash commands are text like any other here.
    server.type('/who\n');
    await first.waitFor('/who\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('speaks the length framing to its clients while the console stays text', async () => {
    const { server, port } = await startServe('length', ['--framing', 'length']);
    expect(server.printed.stdout).toContain('(framing: length)');
    const a = await RawPeer.connect(port);
    const b = await RawPeer.connect(port);
    try {
      await server.waitFor(/New connection[\s\S]*New connection/);
      const frame = (text: string): Buffer => {
        const body = Buffer.from(text);
        const header = Buffer.alloc(4);
        header.writeUInt32BE(body.length);
        return Buffer.concat([header, body]);
      };
      a.write(frame('binary hello'));
      await b.until((received) => received.equals(frame('binary hello')));
      await server.waitFor(/Received message from 127\.0\.0\.1:\d+: binary hello\n/);
      server.type('operator text\n');
      await a.until((received) => received.equals(frame('operator text')));
    } finally {
      a.destroy();
      b.destroy();
    }
    expect(await exitServe(server)).toBe(0);
  });
});
