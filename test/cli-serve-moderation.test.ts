import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashOperatorPassword, verifyOperatorPassword } from '../src/index.js';
import { IrcRaw } from './fixtures/irc-raw.js';
import { LineSocket } from './fixtures/line-socket.js';
import { assertCliBuilt, cli, CLI, killAll, PTY_RUN, Spawned } from './fixtures/spawned.js';
import { closeSockets, exitServe, lineClient, namedClient, startServe } from './helpers/serve-cli.js';
import { needs } from './helpers/tools.js';

// `broadcast-chat serve --chat` moderating: the operator console's /kick, /ban, /mute, /topic,
// /op through the hub's moderation, operator accounts from --operator, and `hash-password`.
// The built CLI in a child process, nc-style line clients on 127.0.0.1.
beforeAll(assertCliBuilt);
const ircClients = new Set<IrcRaw>();

afterEach(async () => {
  for (const client of ircClients) client.destroy();
  ircClients.clear();
  closeSockets();
  await killAll();
});

/** Resolves once `socket` is closed by the server. */
function closed(socket: LineSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.socket.destroyed || socket.socket.readableEnded) resolve();
    else {
      socket.socket.once('close', () => {
        resolve();
      });
    }
  });
}

describe('the operator console moderates through the hub', () => {
  it('bans an address: the client is cut, and turned away with the reason when it comes back, until /unban', async () => {
    const { server, port } = await startServe('ban address', ['--chat']);
    const bob = await namedClient(port, 'bob');
    server.type('/ban 127.0.0.1 2h spam wave\n');
    await server.waitFor('Banned 127.0.0.1 from the server by host for 2h: spam wave\n');
    await bob.waitFor('* disconnected: banned (you are banned from this server (spam wave; for 2h))\n');
    await closed(bob);
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+: bob \(banned\)\n/);

    // An nc that comes back is told why at the door, before it counts as a client.
    const again = await lineClient(port);
    await again.waitFor('* disconnected: banned (you are banned from this server (spam wave; for 2h))\n');
    await closed(again);
    await server.waitFor('Refused a connection from 127.0.0.1 (banned)\n');

    server.type('/bans\n');
    await server.waitFor(/^1 ban on this server:\n {2}127\.0\.0\.1 by host, until \S+ \(spam wave\)\n/m);
    server.type('/unban 127.0.0.1\n');
    await server.waitFor('Unbanned 127.0.0.1 from the server\n');
    server.type('/unban 127.0.0.1\n');
    await server.waitFor('no ban on 127.0.0.1 on this server\n');
    await namedClient(port, 'bob');
    expect(await exitServe(server)).toBe(0);
  });

  it('bans a nickname: its holder is cut, and the name refused with the reason to whoever asks for it', async () => {
    const { server, port } = await startServe('ban nick', ['--chat']);
    const alice = await namedClient(port, 'alice');
    const bob = await namedClient(port, 'bob');
    server.type('/ban bob flooding\n');
    await server.waitFor('Banned bob!*@* from the server by host: flooding\n');
    await bob.waitFor('* disconnected: banned (you are banned from this server (flooding))\n');
    await closed(bob);
    // Another name from the same address is fine; the banned one is not.
    const back = await lineClient(port);
    back.send('/nick bob');
    await back.waitFor('! the nickname bob is banned (flooding)\n');
    alice.send('still here');
    await server.waitFor('alice: still here\n');
    server.type('/ban #dev\n');
    await server.waitFor('usage: /ban [#ROOM] TARGET [DURATION] [REASON]\n');
    server.type('/ban bad!mask!here\n');
    await server.waitFor("'bad!mask!here' is not a mask (nick!user@host)\n");
    server.type('/ban 127.0.0.2 0s\n');
    await server.waitFor('a duration must be more than zero\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('bans from a room with #ROOM: its members it matches are removed, and /join refused with the reason', async () => {
    const { server, port } = await startServe('room ban', ['--chat']);
    const bob = await namedClient(port, 'bob');
    bob.send('/join dev');
    await server.waitFor('* bob joined dev\n');
    server.type('/ban #dev bob 10m off topic\n');
    await server.waitFor('Banned bob!*@* from dev by host for 10m: off topic\n');
    await bob.waitFor('* bob was kicked from dev by host (banned: off topic)\n');
    bob.send('/join dev');
    await bob.waitFor('! you are banned from dev (off topic; for 10m)\n');
    // A room ban is the room's: bob still talks in lobby.
    bob.send('still in lobby');
    await server.waitFor('bob: still in lobby\n');
    server.type('/bans #dev\n');
    await server.waitFor(/^1 ban in dev:\n {2}bob!\*@\* by host, until \S+ \(off topic\)\n/m);
    server.type('/bans\n');
    await server.waitFor('no bans on this server\n');
    server.type('/unban #dev bob\n');
    await server.waitFor('Unbanned bob!*@* from dev\n');
    bob.send('/join dev');
    await server.waitFor('* bob joined dev\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('kicks from a room, which the room is told; from the only room there is, the client is disconnected', async () => {
    const { server, port } = await startServe('kick', ['--chat']);
    const alice = await namedClient(port, 'alice');
    const bob = await namedClient(port, 'bob');
    alice.send('/join dev');
    bob.send('/join dev');
    await server.waitFor('* bob joined dev\n');

    server.type('/kick #dev bob being rude\n');
    await alice.waitFor('* bob was kicked from dev by host (being rude)\n');
    await bob.waitFor('* bob was kicked from dev by host (being rude)\n');
    await server.waitFor(/^Kicked bob \(127\.0\.0\.1:\d+\) from dev by host: being rude\n/m);
    server.type('/kick #dev bob\n');
    await server.waitFor('bob is not in dev\n');
    server.type('/kick carol\n');
    await server.waitFor('nobody is called carol\n');

    // Kicked from lobby, its only room and the default one: nowhere left, so out, told why.
    server.type('/kick bob enough\n');
    await bob.waitFor('* disconnected: kicked (kicked from lobby by host: enough)\n');
    await alice.waitFor('* bob was kicked from lobby by host (enough)\n');
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+: bob \(kicked\)\n/);
    expect(await exitServe(server)).toBe(0);
  });

  it('tells a raw client (the documented client.py) why it was kicked out, since raw clients hear no goodbye', async () => {
    const { server, port } = await startServe('raw kick', ['--chat', '--framing', 'raw']);
    const raw = await lineClient(port);
    raw.socket.write('/nick carol');
    await server.waitFor('* guest-1 is now known as carol\n');
    server.type('/kick carol rude\n');
    await raw.waitFor('* you were kicked from lobby by host: rude');
    await closed(raw);
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+: carol \(kicked\)\n/);
    expect(await exitServe(server)).toBe(0);
  });

  it('mutes and unmutes, sets topics, and makes operators', async () => {
    const { server, port } = await startServe('mute topic op', ['--chat']);
    const alice = await namedClient(port, 'alice');
    const bob = await namedClient(port, 'bob');

    server.type('/mute bob 10m\n');
    await bob.waitFor('* you are muted by host for 10m: your messages are not relayed\n');
    await server.waitFor(/^Muted bob \(127\.0\.0\.1:\d+\) by host for 10m\n/m);
    bob.send('can anyone hear me');
    await bob.waitFor('! you are muted for 10m: your messages to lobby are not relayed\n');
    server.type('/unmute bob\n');
    await server.waitFor(/^Unmuted bob \(127\.0\.0\.1:\d+\)\n/m);
    server.type('/unmute bob\n');
    await server.waitFor('bob is not muted\n');
    bob.send('back again');
    await alice.waitFor('bob: back again\n');
    expect(alice.received).not.toContain('can anyone hear me');

    // /topic [#ROOM] [TEXT], as clients type it: without #ROOM, the default room.
    server.type('/topic #lobby Be kind\n');
    await alice.waitFor('* topic of lobby: Be kind (set by host)\n');
    await server.waitFor('* topic of lobby: Be kind (set by host)\n');
    server.type('/topic\n');
    await server.waitFor('topic of lobby: Be kind (set by host)\n');
    server.type('/topic #lobby -\n');
    await alice.waitFor('* the topic of lobby was cleared by host\n');
    server.type('/topic #lobby\n');
    await server.waitFor('lobby has no topic\n');
    server.type('/topic Be kinder\n');
    await alice.waitFor('* topic of lobby: Be kinder (set by host)\n');
    server.type('/topic #dev Release on Friday\n');
    await server.waitFor('* topic of dev: Release on Friday (set by host)\n');
    server.type('/topic #dev\n');
    await server.waitFor('topic of dev: Release on Friday (set by host)\n');

    server.type('/op alice\n');
    await alice.waitFor('* you are now an operator\n');
    await server.waitFor(/^alice \(127\.0\.0\.1:\d+\) is now an operator\n/m);
    server.type('/op alice\n');
    await server.waitFor('alice is an operator already\n');
    alice.send('/mute bob');
    await bob.waitFor('* you are muted by alice: your messages are not relayed\n');
    await server.waitFor(/^Muted bob \(127\.0\.0\.1:\d+\) by alice\n/m);
    server.type('/deop alice\n');
    await alice.waitFor('* you are no longer an operator\n');
    alice.send('/unmute bob');
    await alice.waitFor('! you are not an operator');

    server.type('/help\n');
    for (const command of ['/kick [#ROOM] NAME [REASON]', '/ban [#ROOM] TARGET [DURATION] [REASON]', '/unban [#ROOM] TARGET', '/bans [#ROOM]', '/mute NAME [DURATION]', '/unmute NAME', '/topic [#ROOM] [TEXT]', '/op NAME', '/deop NAME']) {
      await server.waitFor(`  ${command} - `);
    }
    expect(await exitServe(server)).toBe(0);
  });
});

describe('operator accounts', () => {
  it('--operator NAME=HASH lets a line client /oper NAME PASSWORD, and then kick', async () => {
    const hash = await hashOperatorPassword('correct-horse');
    const { server, port } = await startServe('operator account', ['--chat', '--operator', `ada=${hash}`]);
    const ada = await namedClient(port, 'ada');
    const bob = await namedClient(port, 'bob');

    ada.send('/kick bob');
    await ada.waitFor('! you are not an operator (/oper NAME PASSWORD)\n');
    ada.send('/oper ada wrong-horse');
    await ada.waitFor('! wrong operator name or password\n');
    ada.send('/oper ada correct-horse');
    await ada.waitFor('* you are now an operator\n');
    await server.waitFor(/^ada \(127\.0\.0\.1:\d+\) is now an operator\n/m);

    ada.send('/kick bob spam');
    await bob.waitFor('* disconnected: kicked (kicked from lobby by ada: spam)\n');
    await ada.waitFor('* bob was kicked from lobby by ada (spam)\n');
    await server.waitFor(/^Kicked bob \(127\.0\.0\.1:\d+\) from lobby by ada: spam\n/m);
    expect(await exitServe(server)).toBe(0);
  });

  it('logs moderation as JSON events with --log json', async () => {
    const hash = await hashOperatorPassword('pw');
    const { server, port } = await startServe('json moderation', ['--chat', '--log', 'json'], { BROADCAST_CHAT_OPERATOR: `root=${hash}` });
    const ada = await namedClient(port, 'ada');
    ada.send('/oper root pw');
    await server.waitFor(/"event":"operator","peer":"[^"]+","address":"127\.0\.0\.1","port":\d+,"nick":"ada","operator":true\}/);
    server.type('/ban 192.0.2.0/24 1h spam\n');
    await server.waitFor(/"event":"ban","mask":"192\.0\.2\.0\/24","kind":"\w+","by":"host","reason":"spam","until":"[^"]+"\}/);
    expect(await exitServe(server)).toBe(0);
  });
});

describe('serve --irc', () => {
  it('gives the IRC door --command-burst and --command-rate as its query rate, and the console kicks IRC users too', async () => {
    const { server, port } = await startServe('irc query rate', ['--irc', '0', '--irc-host', '127.0.0.1', '--command-burst', '2', '--command-rate', '0.1']);
    const door = /^IRC door on 127\.0\.0\.1:(\d+)$/m.exec(server.printed.stdout);
    expect(door).not.toBeNull();
    const alice = await IrcRaw.connect(Number(door?.[1]));
    ircClients.add(alice);
    await alice.register('alice');
    // WHO is the door's own query: two at once, then one every 10 s; the third is told to wait.
    alice.send('WHO #lobby', 'WHO #lobby', 'WHO #lobby');
    expect(await alice.waitFor(/ 263 /)).toMatch(/^:broadcast-chat\.local 263 alice WHO :/);

    await namedClient(port, 'bob');
    server.type('/kick alice out\n');
    expect(await alice.waitFor(/ KICK /)).toBe(':host!host@host KICK #lobby alice :out');
    await server.waitFor(/^Kicked alice \(127\.0\.0\.1:\d+\) from lobby by host: out\n/m);
    expect(await exitServe(server)).toBe(0);
  });
});

describe('broadcast-chat hash-password', () => {
  it('reads one line of standard input and prints a hash that verifies, alone on standard output', async () => {
    const program = cli('hash-password', ['hash-password']);
    program.type('correct-horse-battery-staple\nnot read\n');
    program.endInput();
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
    expect(program.printed.stdout).toMatch(/^scrypt\$\S+\n$/);
    expect(program.printed.stderr).toBe('');
    const hash = program.printed.stdout.trim();
    expect(await verifyOperatorPassword(hash, 'correct-horse-battery-staple')).toBe(true);
    expect(await verifyOperatorPassword(hash, 'correct-horse-battery-stapler')).toBe(false);

    // What it printed is what --operator takes.
    const { server } = await startServe('hashed operator', ['--chat', '--operator', `ada=${hash}`]);
    expect(await exitServe(server)).toBe(0);
  });

  it('hashes a passphrase with spaces, without a warning, and serve lets /oper NAME a pass phrase through', async () => {
    const program = cli('hash-password spaces', ['hash-password']);
    program.type('correct horse battery\r\n');
    program.endInput();
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
    expect(program.printed.stderr).toBe('');
    const hash = program.printed.stdout.trim();
    expect(await verifyOperatorPassword(hash, 'correct horse battery')).toBe(true);

    const { server, port } = await startServe('passphrase operator', ['--chat', '--operator', `ada=${hash}`]);
    const ada = await namedClient(port, 'ada');
    ada.send('/oper ada correct horse');
    await ada.waitFor('! wrong operator name or password\n');
    ada.send('/oper ada correct horse battery');
    await ada.waitFor('* you are now an operator\n');
    await server.waitFor(/^ada \(127\.0\.0\.1:\d+\) is now an operator\n/m);
    expect(await exitServe(server)).toBe(0);
  });

  it('prints nothing and exits 1 without a password, and 2 for a password given as an argument', async () => {
    const empty = cli('hash-password empty', ['hash-password']);
    empty.endInput();
    expect(await empty.waitExit()).toEqual({ code: 1, signal: null });
    expect(empty.printed).toEqual({ stdout: '', stderr: 'No password given: nothing printed.\n' });

    const argument = cli('hash-password argument', ['hash-password', 's3cret']);
    expect(await argument.waitExit()).toEqual({ code: 2, signal: null });
    expect(argument.printed.stderr).toMatch(/^broadcast-chat: hash-password reads the password from the terminal .*\n\nUsage: broadcast-chat hash-password\n/);
    expect(argument.printed.stdout).toBe('');
  });
});

needs('python3').describe('broadcast-chat hash-password on a terminal', () => {
  /** `hash-password` on a pseudo-terminal: what it draws (prompts on standard error included) comes out on stdout. */
  const onTerminal = (): Spawned => new Spawned('hash-password on a terminal', 'python3', [PTY_RUN, process.execPath, CLI, 'hash-password']);

  it('asks twice without echoing what is typed, then prints the hash', async () => {
    const tty = onTerminal();
    await tty.waitFor('Password: ');
    tty.type('tty-s3cret\x7fT\r');
    await tty.waitFor('Again: ');
    tty.type('tty-s3creT\r');
    expect(await tty.waitExit()).toEqual({ code: 0, signal: null });
    expect(tty.printed.stdout).not.toContain('s3cre');
    const hash = /scrypt\$\S+/.exec(tty.printed.stdout)?.[0] ?? '';
    expect(await verifyOperatorPassword(hash, 'tty-s3creT')).toBe(true);
  });

  it('prints nothing when the two differ, or on Ctrl-C', async () => {
    const differ = onTerminal();
    await differ.waitFor('Password: ');
    differ.type('one\r');
    await differ.waitFor('Again: ');
    differ.type('two\r');
    expect(await differ.waitExit()).toEqual({ code: 1, signal: null });
    expect(differ.printed.stdout).toContain('The two passwords differ: nothing printed.');
    expect(differ.printed.stdout).not.toContain('scrypt$');

    const cancelled = onTerminal();
    await cancelled.waitFor('Password: ');
    cancelled.type('half\x03');
    expect(await cancelled.waitExit()).toEqual({ code: 1, signal: null });
    expect(cancelled.printed.stdout).not.toContain('scrypt$');
  });
});
