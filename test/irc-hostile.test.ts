/**
 * Hostile input at the IRC door: line breaks and NUL inside parameters, floods of JOINs, lines
 * far over the limit, registrations left half done, names that collide with other protocols'
 * users, modes on channels that do not exist, garbage. Each gets a clear numeric (or nothing),
 * the connection goes on, nothing crashes, and nothing reaches a room it was not said in.
 */
import { describe, expect, it } from 'vitest';
import { JsonChatClient, MAX_ROOMS_PER_PEER } from '../src/index.js';
import { parseIrcLine } from '../src/protocol/irc-message.js';
import { startIrcHub } from './fixtures/irc-setup.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, writeAll } from './helpers/sockets.js';

const track = closeAfterEach();

describe('hostile input at the IRC door', () => {
  it('never lets CR, LF or NUL inside a parameter reach anyone', async () => {
    const { port, nc, irc } = await startIrcHub(track);
    const carol = await nc('carol');
    const json = track(new JsonChatClient({ port, nick: 'dave', reconnect: false }), (c) => c.close());
    await json.connect();
    const alice = await irc('alice');
    const bob = await irc('bob');
    // A bare CR ends the line: what follows is a line of its own, said by the sender on its own connection.
    alice.send('PRIVMSG #lobby :one\rPRIVMSG #lobby :two');
    await carol.until(() => carol.text.includes('alice: two\n'));
    expect(carol.text).toContain('alice: one\n');
    // A NUL refuses the whole line, with a numeric.
    alice.send('PRIVMSG #lobby :before\0after');
    expect(await alice.waitFor(/ 400 /)).toBe(':broadcast-chat.local 400 alice PRIVMSG :NUL is not allowed in a message');
    // A JSON client's text may hold anything: on IRC it stays one line from dave.
    json.send('x\r\n:evil!evil@host PRIVMSG #lobby :forged\0end');
    const heard = await bob.waitFor(/forged/);
    expect(heard).toBe(':dave!dave@host PRIVMSG #lobby :x  :evil!evil@host PRIVMSG #lobby :forged end');
    await bob.sync();
    expect(bob.lines.filter((line) => line.startsWith(':evil'))).toEqual([]);
    expect(bob.lines.some((line) => line.includes('before'))).toBe(false);
    expect(carol.text).not.toContain('before');
  });

  it('survives 10,000 JOINs: 405 past the room limit, 263 past the command rate, the rooms stay bounded', async () => {
    const { hub, irc } = await startIrcHub(track);
    const alice = await irc('alice');
    await writeAll(alice.socket, Array.from({ length: 10_000 }, (_, index) => `JOIN #r${index}\r\n`));
    await alice.sync();
    const joined = alice.lines.filter((line) => / JOIN #r\d+$/.test(line));
    const refused = alice.lines.filter((line) => / 405 alice #r\d+ /.test(line));
    expect(joined).toHaveLength(MAX_ROOMS_PER_PEER - 1);
    expect(refused[0]).toBe(':broadcast-chat.local 405 alice #r31 :a client may be in at most 32 rooms');
    // The hub's command allowance: said once per run of refusals, and the rest are dropped, so
    // 10,000 JOINs get far fewer answers (the allowance refills while they arrive).
    expect(alice.lines.filter((line) => line.includes(' 263 alice JOIN :too many commands')).length).toBeGreaterThanOrEqual(1);
    expect(alice.lines.length).toBeLessThan(2000);
    expect(hub.rooms.size).toBeLessThanOrEqual(MAX_ROOMS_PER_PEER);
    expect(alice.closed).toBe(false);
    // The same channel 10,000 times: nothing to do, nothing to say, no allowance spent.
    const bob = await irc('bob');
    const from = bob.lines.length;
    await writeAll(bob.socket, Array.from({ length: 10_000 }, () => 'JOIN #lobby\r\n'));
    await bob.sync();
    expect(bob.since(from).filter((line) => !line.includes(' PONG '))).toEqual([]);
  });

  it('answers a 100 KB line with 417 and reads on', async () => {
    const { hub, nc, irc } = await startIrcHub(track);
    const errors: string[] = [];
    hub.on('clientError', (error) => errors.push((error as { code?: string }).code ?? ''));
    const carol = await nc('carol');
    const alice = await irc('alice');
    alice.socket.write(`PRIVMSG #lobby :${'x'.repeat(100 * 1024)}\r\nPRIVMSG #lobby :still here\r\n`);
    expect(await alice.waitFor(/ 417 /)).toBe(':broadcast-chat.local 417 alice :Input line was too long');
    await carol.until(() => carol.text.includes('alice: still here\n'));
    expect(carol.text).not.toContain('xxxx');
    expect(errors).toEqual(['ERR_MESSAGE_TOO_LARGE']);
    // 8191 bytes of tags are fine; one more is not.
    alice.send(`@a=${'t'.repeat(8191 - 4)} PING :tagged`);
    await alice.waitFor(/PONG \S+ :tagged$/);
    alice.send(`@a=${'t'.repeat(8191 - 3)} PING :over`);
    await alice.sync();
    expect(alice.lines.filter((line) => line.includes(' 417 '))).toHaveLength(2);
  });

  it('sends a half-registered connection nothing of the chat, then closes it', async () => {
    const { nc, connectIrc } = await startIrcHub(track, {}, { registrationTimeout: 600 });
    const carol = await nc('carol');
    const half = await connectIrc();
    half.send('NICK half');
    await half.sync();
    carol.write('can anyone hear me\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(half.lines.filter((line) => !line.includes(' PONG '))).toEqual([]);
    expect(await half.waitFor(/^ERROR /)).toMatch(/registration timed out/);
  });

  it('keeps a name to whoever holds it, from any protocol, before and after registration', async () => {
    const { port, nc, irc, connectIrc } = await startIrcHub(track);
    await nc('carol');
    const alice = await irc('alice');
    alice.send('NICK carol', 'NICK CAROL', 'NICK car0l');
    await alice.sync();
    expect(alice.lines.filter((line) => line.includes(' 433 '))).toEqual([
      ':broadcast-chat.local 433 alice carol :Nickname is already in use',
      ':broadcast-chat.local 433 alice CAROL :Nickname is already in use',
      ':broadcast-chat.local 433 alice car0l :Nickname is already in use',
    ]);
    const json = track(new JsonChatClient({ port, nick: 'Alice', reconnect: false }), (c) => c.close());
    await expect(json.connect()).rejects.toMatchObject({ code: 'ERR_NAME_TAKEN' });
    // Two IRC connections racing for one name: one gets it.
    const first = await connectIrc();
    const second = await connectIrc();
    first.send('NICK zed', 'USER zed 0 * :Z');
    second.send('NICK zed', 'USER zed 0 * :Z');
    await first.waitFor(/ 001 zed /);
    expect(await second.waitFor(/ 433 \* zed /)).toMatch(/433 \* zed/);
  });

  it('answers modes on channels that do not exist, or that nobody may set, with a clear numeric', async () => {
    const { nc, irc } = await startIrcHub(track);
    await nc('carol');
    const alice = await irc('alice');
    const from = alice.lines.length;
    alice.send('MODE #nope +o carol', 'MODE #nope', 'MODE &local +n', 'MODE #lobby +Z', 'MODE #lobby -n', 'MODE nobody +i', 'MODE carol +i', 'MODE alice +iZ', 'MODE alice');
    await alice.sync();
    expect(alice.since(from).filter((line) => !line.includes(' PONG '))).toEqual([
      ':broadcast-chat.local 403 alice #nope :No such channel',
      ':broadcast-chat.local 403 alice #nope :No such channel',
      ':broadcast-chat.local 401 alice &local :No such nick/channel',
      ':broadcast-chat.local 472 alice Z :is unknown mode char to me',
      ":broadcast-chat.local 482 alice #lobby :You're not a channel operator",
      ':broadcast-chat.local 401 alice nobody :No such nick/channel',
      ":broadcast-chat.local 502 alice :Can't change mode for other users",
      ':broadcast-chat.local 501 alice :Unknown MODE flag',
      ':alice!alice@host MODE alice :+i',
      ':broadcast-chat.local 221 alice +i',
    ]);
  });

  it('keeps each room’s talk in the room: no message, join or part leaks to a non-member', async () => {
    const { nc, irc } = await startIrcHub(track);
    const carol = await nc('carol');
    const alice = await irc('alice');
    const bob = await irc('bob');
    bob.send('JOIN #secret');
    await bob.waitFor(/ 366 bob #secret /);
    bob.send('PRIVMSG #secret :classified', 'PART #secret');
    await bob.waitFor(/ PART #secret$/);
    alice.send('PRIVMSG #secret :let me in');
    expect(await alice.waitFor(/ 40[34] /)).toMatch(/ 403 alice #secret :No such channel$/);
    await alice.sync();
    expect(alice.lines.some((line) => line.includes('secret') && !line.includes(' 403 ') && !line.includes('PRIVMSG #secret :let me in'))).toBe(false);
    expect(carol.text).not.toMatch(/secret|classified/);
  });

  it('splits a long message from another protocol into lines within 512 bytes, characters whole', async () => {
    const { port, irc } = await startIrcHub(track);
    const alice = await irc('alice');
    const json = track(new JsonChatClient({ port, nick: 'dave', reconnect: false }), (c) => c.close());
    await json.connect();
    const text = `${'ünïcödé 🌍 '.repeat(300)}END`;
    json.send(text);
    await alice.waitFor(/END$/);
    const lines = alice.lines.filter((line) => line.startsWith(':dave!'));
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(Buffer.byteLength(`${line}\r\n`)).toBeLessThanOrEqual(512);
    expect(lines.map((line) => parseIrcLine(line)?.params[1] ?? '').join('')).toBe(text.slice(0, 4000));
  });

  it('takes garbage without crashing: random bytes, bare verbs, numerics, then answers a PING', async () => {
    const { hub, irc, connectIrc } = await startIrcHub(track);
    const alice = await irc('alice');
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const verbs = ['PRIVMSG', 'JOIN', 'PART', 'MODE', 'NICK', 'WHO', 'CAP', 'TOPIC', 'KICK', '001', ':x', '@', 'NAMES', 'LIST', 'USER', 'PASS'];
    const lines: Buffer[] = [];
    for (let index = 0; index < 500; index += 1) {
      const bytes = Buffer.alloc(Math.floor(random() * 80), 0);
      for (let at = 0; at < bytes.length; at += 1) bytes[at] = Math.floor(random() * 256);
      lines.push(Buffer.concat([Buffer.from(`${verbs[index % verbs.length] ?? ''} `), bytes, Buffer.from('\r\n')]));
    }
    await writeAll(alice.socket, lines);
    const stranger = await connectIrc();
    await writeAll(stranger.socket, lines);
    await alice.sync();
    await stranger.sync();
    expect(alice.closed).toBe(false);
    await eventually(() => hub.clients.size >= 1, 1000, 'the hub to still serve');
  });
});
