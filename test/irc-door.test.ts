/**
 * The IRC door on real sockets, byte for byte: registration (CAP, PASS, NICK, USER, the welcome
 * numerics), the commands clients send on their own, and IRC users in one chat with nc users
 * and JSON clients. The same nicknames, the same rooms.
 */
import { connect as connectTls } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, JsonChatClient, MemoryBroker, type ChatMessage } from '../src/index.js';
import { IrcDoor, listenIrc } from '../src/irc.js';
import { parseIrcLine } from '../src/protocol/irc-message.js';
import { IrcRaw } from './fixtures/irc-raw.js';
import { startIrcHub } from './fixtures/irc-setup.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';

const track = closeAfterEach();

/** The params of a line. */
function params(line: string): readonly string[] {
  return parseIrcLine(line)?.params ?? [];
}

describe('registration', () => {
  it('negotiates capabilities, then welcomes with 001-005, 422 and the default room as #lobby', async () => {
    const { ircPort } = await startIrcHub(track);
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    client.send('CAP LS 302', 'NICK alice', 'USER alice 0 * :Alice Liddell');
    expect(await client.waitFor(/ CAP \* LS /)).toBe(':broadcast-chat.local CAP * LS :server-time echo-message');
    client.send('CAP REQ :server-time sasl');
    expect(await client.waitFor(/ CAP \* NAK /)).toBe(':broadcast-chat.local CAP * NAK :server-time sasl');
    client.send('CAP REQ :server-time echo-message');
    expect(await client.waitFor(/ CAP \* ACK /)).toBe(':broadcast-chat.local CAP * ACK :server-time echo-message');
    // Nothing is welcomed before CAP END.
    await client.sync();
    expect(client.since(0, / 001 /)).toEqual([]);
    client.send('CAP END');
    await client.waitFor(/ 422 /);
    const numerics = client.lines.map((line) => parseIrcLine(line)?.verb).filter((verb) => verb !== undefined && /^\d{3}$/.test(verb));
    expect(numerics.slice(0, 6)).toEqual(['001', '002', '003', '004', '005', '422']);
    expect(await client.waitFor(/ 001 /)).toBe(':broadcast-chat.local 001 alice :Welcome to the broadcast-chat IRC network, alice!alice@host');
    const isupport = client.since(0, / 005 /).flatMap((line) => params(line).slice(1, -1));
    for (const token of ['CHANTYPES=#', 'NICKLEN=24', 'CHANNELLEN=33', 'CASEMAPPING=ascii', 'PREFIX=(o)@']) expect(isupport).toContain(token);
    expect(await client.waitFor(/ JOIN #lobby$/)).toMatch(/^@time=\d{4}-\d\d-\d\dT[\d:.]+Z :alice!alice@host JOIN #lobby$/);
    expect(params(await client.waitFor(/ 353 /))).toEqual(['alice', '=', '#lobby', 'alice']);
    expect(await client.waitFor(/ 366 /)).toBe(':broadcast-chat.local 366 alice #lobby :End of /NAMES list.');
    client.send('CAP LIST');
    expect(await client.waitFor(/ CAP alice LIST /)).toBe(':broadcast-chat.local CAP alice LIST :server-time echo-message');
  });

  it('welcomes a client that never speaks CAP, and shows the MOTD when there is one', async () => {
    const { ircPort } = await startIrcHub(track, {}, { motd: 'be nice\nno spam' });
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    client.send('NICK bob', 'USER bob 0 * :Bob');
    await client.waitFor(/ 376 /);
    expect(client.since(0, / 37[256] /)).toEqual([
      ':broadcast-chat.local 375 bob :- broadcast-chat.local Message of the day - ',
      ':broadcast-chat.local 372 bob :- be nice',
      ':broadcast-chat.local 372 bob :- no spam',
      ':broadcast-chat.local 376 bob :End of /MOTD command.',
    ]);
    // No server-time asked for: no tags.
    expect(await client.waitFor(/ JOIN #lobby$/)).toBe(':bob!bob@host JOIN #lobby');
  });

  it('shares nicknames with every other kind of client: 433 for a taken one, 432 and 431, then registers under another', async () => {
    const { ircPort, port, nc } = await startIrcHub(track);
    await nc('carol');
    const json = track(new JsonChatClient({ port, nick: 'dave', reconnect: false }), (c) => c.close());
    await json.connect();
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    client.send('USER x 0 * :X', 'NICK carol');
    expect(await client.waitFor(/ 433 /)).toBe(':broadcast-chat.local 433 * carol :Nickname is already in use');
    // Case and look-alikes are the same name (the hub's skeletons), whoever holds it.
    client.send('NICK Dave');
    expect(params(await client.waitFor(/ 433 \* Dave /))).toEqual(['*', 'Dave', 'Nickname is already in use']);
    client.send('NICK CAR0L');
    await client.waitFor(/ 433 \* CAR0L /);
    client.send('NICK 9lives');
    expect(await client.waitFor(/ 432 /)).toMatch(/^:broadcast-chat\.local 432 \* 9lives :Erroneous nickname: must start with a letter/);
    client.send('NICK');
    expect(await client.waitFor(/ 431 /)).toBe(':broadcast-chat.local 431 * :No nickname given');
    client.send('NICK erin');
    expect(await client.waitFor(/ 001 /)).toMatch(/^:broadcast-chat\.local 001 erin /);
    // The name is the hub's: the nc user and the JSON client cannot take it.
    json.rename('Erin');
    const refused = await new Promise<string>((resolve) => {
      json.once('refused', (event) => {
        resolve(event.code);
      });
    });
    expect(refused).toBe('ERR_NAME_TAKEN');
  });

  it('refuses commands before registration with 451, and a second USER or PASS with 462', async () => {
    const { ircPort } = await startIrcHub(track);
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    client.send('JOIN #lobby', 'PRIVMSG #lobby :too early');
    expect(await client.waitFor(/ 451 /)).toBe(':broadcast-chat.local 451 * :You have not registered');
    client.send('USER a');
    expect(await client.waitFor(/ 461 /)).toBe(':broadcast-chat.local 461 * USER :Not enough parameters');
    await client.register('frank');
    client.send('USER frank 0 * :again', 'PASS x');
    await client.sync();
    expect(client.since(0, / 462 /)).toEqual([':broadcast-chat.local 462 frank :You may not reregister', ':broadcast-chat.local 462 frank :You may not reregister']);
  });

  it('hands PASS to the authenticate hook: the right one is let in, a wrong one hears 464 and ERROR', async () => {
    const { ircPort, hub } = await startIrcHub(track, { authenticate: ({ credentials }) => credentials === 'opensesame' });
    const good = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    good.send('PASS opensesame', 'NICK gina', 'USER gina 0 * :Gina');
    await good.waitFor(/ 001 gina /);
    await eventually(() => hub.findPeer('gina') !== undefined, 5000, 'gina in the hub');
    const bad = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    bad.send('PASS guess', 'NICK hank', 'USER hank 0 * :Hank');
    expect(await bad.waitFor(/ 464 /)).toBe(':broadcast-chat.local 464 * :authentication failed');
    expect(await bad.waitFor(/^ERROR /)).toBe('ERROR :Closing Link: *[host] (authentication failed)');
    await bad.waitClosed();
    expect(hub.findPeer('hank')).toBeUndefined();
  });

  it('welcomes under the name an authenticate hook vouches for, whatever NICK asked', async () => {
    const { ircPort } = await startIrcHub(track, { authenticate: ({ credentials }) => (credentials === 'token-of-ivy' ? 'ivy' : false) });
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    client.send('PASS token-of-ivy', 'NICK somebody', 'USER x 0 * :X');
    expect(await client.waitFor(/ 001 /)).toMatch(/^:broadcast-chat\.local 001 ivy /);
    await client.sync();
    expect(client.since(0, / NICK /)).toEqual([]);
  });
});

describe('one chat for IRC, nc and JSON clients', () => {
  it('relays between them: PRIVMSG from and to each, and direct messages both ways', async () => {
    const { ircPort, port, nc, hub } = await startIrcHub(track);
    const carol = await nc('carol');
    const json = track(new JsonChatClient({ port, nick: 'dave', reconnect: false }), (c) => c.close());
    const jsonHeard: ChatMessage[] = [];
    json.on('message', (message) => jsonHeard.push(message));
    await json.connect();
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    carol.write('hi from nc\n');
    expect(await alice.waitFor(/PRIVMSG #lobby :hi from nc/)).toBe(':carol!carol@host PRIVMSG #lobby :hi from nc');
    json.send('hi from json');
    expect(await alice.waitFor(/PRIVMSG #lobby :hi from json/)).toBe(':dave!dave@host PRIVMSG #lobby :hi from json');
    alice.send('PRIVMSG #lobby :hi from irc');
    await carol.until(() => carol.text.includes('alice: hi from irc\n'));
    await eventually(() => jsonHeard.some((message) => message.sender === 'alice' && message.text === 'hi from irc' && message.room === 'lobby'), 5000, 'json to hear alice');
    // An action both ways.
    alice.send('PRIVMSG #lobby :\u0001ACTION waves\u0001');
    await carol.until(() => carol.text.includes('* alice waves\n'));
    carol.write('/me bows\n');
    expect(await alice.waitFor(/ACTION bows/)).toBe(':carol!carol@host PRIVMSG #lobby :\u0001ACTION bows\u0001');
    // Direct messages.
    alice.send('PRIVMSG carol :psst');
    await carol.until(() => carol.text.includes('[dm] alice: psst\n'));
    carol.write('/msg alice back at you\n');
    expect(await alice.waitFor(/PRIVMSG alice :back at you/)).toBe(':carol!carol@host PRIVMSG alice :back at you');
    // A leading slash is text, never a command.
    alice.send('PRIVMSG #lobby :/nick mallory');
    await carol.until(() => carol.text.includes('alice: /nick mallory\n'));
    expect(hub.findPeer('mallory')).toBeUndefined();
    // Nobody hears themselves without echo-message.
    await alice.sync();
    expect(alice.since(0, /^:alice!\S+ PRIVMSG/)).toEqual([]);
  });

  it('echoes what an echo-message client says, and tags what it hears with server-time', async () => {
    const { ircPort, nc } = await startIrcHub(track);
    const carol = await nc('carol');
    const client = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    // CAP REQ before NICK and USER: registration waits for CAP END.
    client.send('CAP REQ :echo-message server-time', 'NICK alice', 'USER alice 0 * :Alice');
    await client.sync();
    expect(client.since(0, / 001 /)).toEqual([]);
    client.send('CAP END');
    await client.waitFor(/ 366 /);
    carol.write('/join dev\n');
    await eventually(() => carol.text.includes('joined dev'), 5000, 'carol in dev');
    // What the hub refuses (a room one is not in) is not echoed.
    client.send('PRIVMSG #lobby :echo me', 'PRIVMSG #nowhere :not me', 'PRIVMSG #dev :nor me');
    expect(await client.waitFor(/PRIVMSG #lobby :echo me/)).toMatch(/^@time=\S+ :alice!alice@host PRIVMSG #lobby :echo me$/);
    expect(await client.waitFor(/ 404 /)).toMatch(/ 404 alice #dev :you are not in room dev/);
    await client.sync();
    expect(client.since(0, /not me|nor me/)).toEqual([]);
    carol.write('/join lobby\ntagged\n');
    expect(await client.waitFor(/:tagged$/)).toMatch(/^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :carol!carol@host PRIVMSG #lobby :tagged$/);
  });

  it('gives every IRC client of a broadcast its own form: tagged for server-time, plain for others', async () => {
    const { ircPort, nc, irc } = await startIrcHub(track);
    const carol = await nc('carol');
    const plain = [await irc('plain1'), await irc('plain2')];
    const timed = await Promise.all(
      ['timed1', 'timed2'].map(async (nick) => {
        const client = track(await IrcRaw.connect(ircPort), (c) => {
          c.destroy();
        });
        client.send('CAP REQ :server-time', `NICK ${nick}`, `USER ${nick} 0 * :T`, 'CAP END');
        await client.waitFor(/ 366 /);
        return client;
      }),
    );
    carol.write('one\ntwo\n');
    for (const client of plain) {
      await client.waitFor(/:two$/);
      expect(client.since(0, /PRIVMSG #lobby/)).toEqual([':carol!carol@host PRIVMSG #lobby :one', ':carol!carol@host PRIVMSG #lobby :two']);
    }
    const seen = [];
    for (const client of timed) {
      await client.waitFor(/:two$/);
      const lines = client.since(0, /PRIVMSG #lobby/);
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/^@time=\S+ :carol!carol@host PRIVMSG #lobby :(one|two)$/);
      seen.push(lines);
    }
    expect(seen[0]).toEqual(seen[1]);
  });

  it('never shows a client its own message twice on a hub that echoes, and not at all without echo-message', async () => {
    const { nc, irc, ircPort } = await startIrcHub(track, { echo: true });
    const carol = await nc('carol');
    const plain = await irc('plain');
    const echoing = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    echoing.send('CAP REQ :echo-message', 'NICK echoing', 'USER e 0 * :E', 'CAP END');
    await echoing.waitFor(/ 366 /);
    plain.send('PRIVMSG #lobby :from plain', 'PRIVMSG carol :direct from plain');
    echoing.send('PRIVMSG #lobby :from echoing', 'PRIVMSG carol :direct from echoing');
    await carol.until(() => carol.text.includes('[dm] echoing: direct from echoing\n'));
    await plain.sync();
    await echoing.sync();
    expect(plain.since(0, /^:plain!\S+ PRIVMSG/)).toEqual([]);
    expect(echoing.since(0, /^:echoing!\S+ PRIVMSG/)).toEqual([':echoing!echoing@host PRIVMSG #lobby :from echoing', ':echoing!echoing@host PRIVMSG carol :direct from echoing']);
  });

  it('passes CTCP between IRC clients only, and shows others an action as text', async () => {
    const { nc, irc } = await startIrcHub(track);
    const carol = await nc('carol');
    const alice = await irc('alice');
    const bob = await irc('bob');
    alice.send('PRIVMSG carol :\u0001VERSION\u0001', 'PRIVMSG bob :\u0001VERSION\u0001', 'PRIVMSG #lobby :\u0001PING 123\u0001', 'PRIVMSG carol :\u0001ACTION waves at you\u0001');
    expect(await bob.waitFor(/VERSION/)).toBe(':alice!alice@host PRIVMSG bob :\u0001VERSION\u0001');
    await carol.until(() => carol.text.includes('[dm] alice: * waves at you\n'));
    await bob.sync();
    expect(carol.text.match(/\[dm\] alice:/g)).toHaveLength(1);
    expect(carol.text).not.toContain('VERSION');
    expect(carol.text).not.toContain('PING');
    expect(bob.since(0, /PING 123/)).toEqual([]);
  });

  it('joins and parts channels as rooms, and nothing said in one reaches another', async () => {
    const { ircPort, port, nc } = await startIrcHub(track);
    const carol = await nc('carol');
    const json = track(new JsonChatClient({ port, nick: 'dave', reconnect: false }), (c) => c.close());
    await json.connect();
    json.join('dev');
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    const bob = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await bob.register('bob');
    alice.send('JOIN #dev');
    expect(await alice.waitFor(/JOIN #dev$/)).toBe(':alice!alice@host JOIN #dev');
    expect(params(await alice.waitFor(/ 353 alice = #dev /))[3]?.split(' ').sort()).toEqual(['alice', 'dave']);
    alice.send('PRIVMSG #dev :dev only');
    await eventually(() => carol.text.includes('dave') && json.rooms.has('dev'), 5000, 'dave in dev');
    await new Promise<void>((resolve) => {
      json.on('message', (message) => {
        if (message.text === 'dev only') resolve();
      });
    });
    await bob.sync();
    await carol.until(() => carol.text.includes('alice joined'), 100).catch(() => undefined);
    expect(carol.text).not.toContain('dev only');
    expect(bob.since(0, /dev only/)).toEqual([]);
    // Case does not make another channel.
    bob.send('JOIN #DEV');
    expect(await bob.waitFor(/JOIN #dev$/)).toBe(':bob!bob@host JOIN #dev');
    expect(await alice.waitFor(/:bob!bob@host JOIN #dev/)).toBe(':bob!bob@host JOIN #dev');
    alice.send('PART #dev', 'PART #dev', 'PART #nowhere', 'PART lobby');
    expect(await alice.waitFor(/ PART #dev$/)).toBe(':alice!alice@host PART #dev');
    expect(await alice.waitFor(/ 442 /)).toBe(":broadcast-chat.local 442 alice #dev :You're not on that channel");
    expect(await alice.waitFor(/ 403 alice #nowhere /)).toBe(':broadcast-chat.local 403 alice #nowhere :No such channel');
    expect(await alice.waitFor(/ 403 alice lobby /)).toMatch(/No such channel \(channel names start with #\)/);
    expect(await bob.waitFor(/ PART #dev$/)).toBe(':alice!alice@host PART #dev');
    // The hub keeps everyone in a room: the last one cannot be left.
    alice.send('PART #lobby');
    expect(await alice.waitFor(/ NOTICE alice :you stay in lobby/)).toMatch(/default room/);
    alice.send('PRIVMSG #dev :after leaving');
    expect(await alice.waitFor(/ 404 /)).toMatch(/^:broadcast-chat\.local 404 alice #dev :you are not in room dev/);
    // JOIN 0 parts everything the hub lets go of.
    alice.send('JOIN #a,#b');
    await alice.waitFor(/ 366 alice #b /);
    const from = alice.lines.length;
    alice.send('JOIN 0');
    await alice.sync();
    expect(alice.since(from, / PART /)).toEqual([':alice!alice@host PART #a', ':alice!alice@host PART #b']);
  });

  it('shows nick changes and quits as IRC does: one NICK, one QUIT however many channels', async () => {
    const { ircPort, nc } = await startIrcHub(track);
    const carol = await nc('carol');
    carol.write('/join dev\n');
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    alice.send('JOIN #dev');
    await alice.waitFor(/ 366 alice #dev /);
    carol.write('/nick caroline\n');
    expect(await alice.waitFor(/ NICK /)).toBe(':carol!carol@host NICK :caroline');
    alice.send('NICK alicia');
    expect(await alice.waitFor(/:alice!alice@host NICK/)).toBe(':alice!alice@host NICK :alicia');
    await carol.until(() => carol.text.includes('* alice is now known as alicia\n'));
    alice.send('PRIVMSG #lobby :renamed');
    await carol.until(() => carol.text.includes('alicia: renamed\n'));
    const from = alice.lines.length;
    carol.write('/quit gone fishing\n');
    expect(await alice.waitFor(/ QUIT /, { from })).toBe(':caroline!caroline@host QUIT :Quit: gone fishing');
    await alice.sync();
    expect(alice.since(from, / QUIT | PART /)).toHaveLength(1);
    // And the other way: an IRC QUIT, with its reason.
    const bob = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await bob.register('bob');
    const dana = await nc('dana');
    bob.send('QUIT :see you');
    expect(await bob.waitFor(/^ERROR /)).toBe('ERROR :Closing Link: bob[host] (Quit: see you)');
    await bob.waitClosed();
    await dana.until(() => dana.text.includes('* bob left lobby (see you)\n'));
    expect(await alice.waitFor(/:bob!bob@host QUIT/)).toBe(':bob!bob@host QUIT :Quit: see you');
  });
});

describe('a cluster', () => {
  it('shares names, rooms and messages with the users of the other hubs', async () => {
    const broker = new MemoryBroker();
    const a = await startIrcHub(track, { adapter: new BrokerAdapter(broker.transport()) });
    const b = await startHub(track, { framing: 'mixed', chat: true, adapter: new BrokerAdapter(broker.transport()) });
    await eventually(() => a.hub.adapter?.status === 'connected' && b.hub.adapter?.status === 'connected', 5000, 'the adapters');
    const carol = track(await RawPeer.connect(b.port), (peer) => {
      peer.destroy();
    });
    carol.write('/nick carol\n');
    await eventually(() => a.hub.adapter?.findNick('carol') !== undefined, 5000, 'carol known on hub a');
    const client = track(await IrcRaw.connect(a.ircPort), (c) => {
      c.destroy();
    });
    client.send('NICK carol', 'USER x 0 * :X');
    await client.waitFor(/ 433 \* carol /);
    client.send('NICK alice');
    await client.waitFor(/ 366 alice #lobby /);
    carol.write('hi from hub b\n');
    expect(await client.waitFor(/hi from hub b/)).toBe(':carol!carol@host PRIVMSG #lobby :hi from hub b');
    client.send('PRIVMSG #lobby :hi from hub a', 'PRIVMSG carol :psst', 'WHO #lobby', 'LIST');
    await carol.until(() => carol.text.includes('[dm] alice: psst\n'));
    expect(carol.text).toContain('alice: hi from hub a\n');
    expect(await client.waitFor(/ 352 alice #lobby carol /)).toBe(':broadcast-chat.local 352 alice #lobby carol host broadcast-chat.local carol H :0 on another hub');
    expect(await client.waitFor(/ 322 /)).toBe(':broadcast-chat.local 322 alice #lobby 2 :');
    // Leaving a room of the other hub is a PART; leaving the chat a QUIT.
    carol.write('/join dev\n/leave lobby\n');
    expect(await client.waitFor(/ PART /)).toBe(':carol!carol@host PART #lobby');
    client.send('JOIN #dev');
    await client.waitFor(/ 366 alice #dev /);
    carol.destroy();
    expect(await client.waitFor(/ QUIT /)).toBe(':carol!carol@host QUIT :Connection closed');
  });
});

describe('queries', () => {
  it('answers NAMES, WHO, WHOIS, LIST, TOPIC, MODE, ISON and USERHOST from the hub', async () => {
    const { ircPort, nc } = await startIrcHub(track);
    await nc('carol');
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    alice.send('JOIN #dev', 'AWAY :lunch');
    await alice.waitFor(/ 306 /);
    const from = alice.lines.length;
    alice.send('NAMES #lobby', 'WHO #lobby', 'WHOIS carol', 'WHOIS nobody', 'LIST', 'TOPIC #lobby', 'TOPIC #lobby :new topic', 'MODE #lobby', 'MODE #lobby b', 'MODE #lobby +o carol', 'ISON carol nobody ALICE', 'USERHOST alice carol');
    await alice.sync();
    const reply = alice.since(from).filter((line) => !line.includes(' PONG '));
    expect(reply).toEqual([
      ':broadcast-chat.local 353 alice = #lobby :carol alice',
      ':broadcast-chat.local 366 alice #lobby :End of /NAMES list.',
      ':broadcast-chat.local 352 alice #lobby carol host broadcast-chat.local carol H :0 line client',
      ':broadcast-chat.local 352 alice #lobby alice host broadcast-chat.local alice G :0 alice the tester',
      ':broadcast-chat.local 315 alice #lobby :End of WHO list.',
      ':broadcast-chat.local 311 alice carol carol host * :line client',
      ':broadcast-chat.local 319 alice carol :#lobby',
      ':broadcast-chat.local 312 alice carol broadcast-chat.local :broadcast-chat',
      ':broadcast-chat.local 318 alice carol :End of /WHOIS list.',
      ':broadcast-chat.local 401 alice nobody :No such nick/channel',
      ':broadcast-chat.local 318 alice nobody :End of /WHOIS list.',
      ':broadcast-chat.local 321 alice Channel :Users  Name',
      ':broadcast-chat.local 322 alice #lobby 2 :',
      ':broadcast-chat.local 322 alice #dev 1 :',
      ':broadcast-chat.local 323 alice :End of /LIST',
      ':broadcast-chat.local 331 alice #lobby :No topic is set',
      ':broadcast-chat.local 482 alice #lobby :you are not an operator (/oper NAME PASSWORD)',
      ':broadcast-chat.local 324 alice #lobby +n',
      ':broadcast-chat.local 368 alice #lobby :End of channel ban list',
      ":broadcast-chat.local 482 alice #lobby :You're not a channel operator",
      ':broadcast-chat.local 303 alice :carol alice',
      ':broadcast-chat.local 302 alice :alice=-alice@host carol=+carol@host',
    ]);
  });

  it('answers unknown commands with 421, missing parameters with 461, unknown targets with 401 and 403', async () => {
    const { ircPort, nc } = await startIrcHub(track);
    const carol = await nc('carol');
    carol.write('/join dev\n');
    await carol.until(() => carol.text.includes('joined dev'));
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    const from = alice.lines.length;
    // A NOTICE is never answered with an error, whoever refuses it: the door or the hub.
    alice.send('FROB x', 'JOIN', 'PRIVMSG', 'PRIVMSG #lobby', 'PRIVMSG nobody :hi', 'PRIVMSG #nowhere :hi', 'NOTICE nobody :quiet', 'NOTICE #dev :quiet', 'MODE #nowhere', 'MODE #nowhere +b x', 'TOPIC #nowhere', 'KICK #lobby carol', 'OPER a b', 'PING');
    await alice.sync();
    expect(alice.since(from).filter((line) => !line.includes(' PONG '))).toEqual([
      ':broadcast-chat.local 421 alice FROB :Unknown command',
      ':broadcast-chat.local 461 alice JOIN :Not enough parameters',
      ':broadcast-chat.local 411 alice :No recipient given (PRIVMSG)',
      ':broadcast-chat.local 412 alice :No text to send',
      ':broadcast-chat.local 401 alice nobody :No such nick/channel',
      ':broadcast-chat.local 403 alice #nowhere :No such channel',
      ':broadcast-chat.local 403 alice #nowhere :No such channel',
      ':broadcast-chat.local 403 alice #nowhere :No such channel',
      ':broadcast-chat.local 403 alice #nowhere :No such channel',
      ':broadcast-chat.local 482 alice #lobby :you are not an operator (/oper NAME PASSWORD)',
      ':broadcast-chat.local 491 alice :No O-lines for your host',
      ':broadcast-chat.local 409 alice :No origin specified',
    ]);
  });

  it('asks a client that queries too fast to wait (263)', async () => {
    const { irc } = await startIrcHub(track, {}, { queryRate: { burst: 2, rate: 0.001 } });
    const alice = await irc('alice');
    alice.send('LIST', 'LIST', 'LIST');
    await alice.sync();
    expect(alice.since(0, / 263 /)).toEqual([':broadcast-chat.local 263 alice LIST :Please wait a while and try again.']);
    expect(alice.since(0, / 323 /)).toHaveLength(2);
    // Queries only: what goes to the hub has the hub's own allowance.
    alice.send('PRIVMSG #lobby :still talking', 'MODE #lobby');
    await alice.waitFor(/ 324 /);
  });

  it('runs the hub’s own slash commands for verbs IRC does not have: HELP, ROOMS, an application’s', async () => {
    const { ircPort, hub } = await startIrcHub(track);
    hub.command('roll', (ctx, { argText }) => {
      ctx.reply(`you rolled ${argText}: 4`);
    });
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    alice.send('ROLL 1d6');
    expect(await alice.waitFor(/NOTICE alice :you rolled/)).toBe(':broadcast-chat.local NOTICE alice :you rolled 1d6: 4');
  });
});

describe('heartbeat, limits and the end', () => {
  it('answers PING, pings registered clients, and closes one that stops answering', async () => {
    const { ircPort, hub } = await startIrcHub(track, {}, { heartbeatInterval: 200 });
    const reasons: string[] = [];
    hub.on('disconnect', (_peer, reason) => reasons.push(reason));
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    const quiet = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await quiet.register('quiet');
    // alice answers every PING; quiet never does.
    const answer = setInterval(() => {
      for (const line of alice.lines.splice(0)) if (line.startsWith('PING ')) alice.send(`PONG ${line.slice(5)}`);
    }, 20);
    try {
      expect(await quiet.waitFor(/^PING /)).toBe('PING :broadcast-chat.local');
      expect(await quiet.waitFor(/^ERROR /, { ms: 5000 })).toBe('ERROR :Closing Link: quiet[host] (no answer to PING within 0.2 s)');
      await quiet.waitClosed();
      expect(reasons).toEqual(['heartbeat']);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(alice.closed).toBe(false);
    } finally {
      clearInterval(answer);
    }
  });

  it('closes a connection that leaves its registration half done', async () => {
    const { ircPort, hub } = await startIrcHub(track, {}, { registrationTimeout: 200 });
    const reasons: string[] = [];
    hub.on('disconnect', (_peer, reason) => reasons.push(reason));
    const half = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    half.send('CAP LS 302', 'NICK half', 'USER half 0 * :Half');
    expect(await half.waitFor(/^ERROR /)).toBe('ERROR :Closing Link: *[host] (registration timed out (0.2 s))');
    await half.waitClosed();
    expect(reasons).toEqual(['timeout']);
    expect(hub.clients.size).toBe(0);
  });

  it('tells a client turned away at the door why, in IRC', async () => {
    const { ircPort } = await startIrcHub(track, { maxClientsPerAddress: 1 });
    track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    const second = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    expect(await second.waitFor(/^ERROR /)).toMatch(/^ERROR :Closing Link: \(too many connections from/);
    await second.waitClosed();
  });

  it('says goodbye with ERROR when the hub shuts down, and stops listening', async () => {
    const { ircPort, hub, door } = await startIrcHub(track);
    const alice = track(await IrcRaw.connect(ircPort), (c) => {
      c.destroy();
    });
    await alice.register('alice');
    await hub.close({ retryAfter: 2000, retryJitter: 0 });
    expect(await alice.waitFor(/^ERROR /)).toBe('ERROR :Closing Link: alice[host] (server shutting down; reconnect in 2 s)');
    await alice.waitClosed();
    await eventually(() => door.address() === null || door.connections === 0, 5000, 'the door to stop');
    await expect(IrcRaw.connect(ircPort)).rejects.toThrow();
  });

  needs('openssl').it('serves IRC over TLS', async () => {
    const { hub } = await startIrcHub(track);
    const door = track(await listenIrc(hub, { port: 0, host: '127.0.0.1', tls: selfSignedCertificate() }), (d) => d.close({ drainTimeout: 500 }));
    const socket = track(connectTls({ port: door.address()?.port ?? 0, host: '127.0.0.1', rejectUnauthorized: false }), (s) => s.destroy());
    socket.on('error', () => undefined);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.write('NICK tess\r\nUSER tess 0 * :Tess\r\n');
    await eventually(() => received.includes(' 366 tess #lobby '), 5000, 'the welcome over TLS');
    expect(received).toContain(':broadcast-chat.local 001 tess ');
    expect(hub.findPeer('tess')?.framing).toBe('irc');
  });

  it('checks its options and its hub', async () => {
    const plain = track(new BroadcastHub(), (h) => h.close());
    expect(() => new IrcDoor(plain)).toThrow(/chat hub/);
    const chat = track(new BroadcastHub({ chat: true }), (h) => h.close());
    expect(() => new IrcDoor(chat, { serverName: 'nodot' })).toThrow(TypeError);
    expect(() => new IrcDoor(chat, { userHost: 'a b' })).toThrow(TypeError);
    expect(() => new IrcDoor(chat, { heartbeatInterval: -1 })).toThrow(RangeError);
    expect(() => new IrcDoor(chat, { capabilities: ['sasl' as 'echo-message'] })).toThrow(TypeError);
    const taken = await startIrcHub(track);
    await expect(listenIrc(chat, { port: taken.ircPort, host: '127.0.0.1' })).rejects.toThrow(/could not listen/);
  });
});
