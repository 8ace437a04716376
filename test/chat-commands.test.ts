import { afterEach, describe, expect, it } from 'vitest';
import type { Peer } from '../src/index.js';
import { before, closeAll, hubOn, lineMatching, linesOf, namedPeer, rawPeer, settle } from './helpers/chat.js';
import { nextEvent } from './helpers/sockets.js';

afterEach(closeAll);

describe('chat commands from a raw socket in line mode', () => {
  it('greets with a guest name and renders relayed messages with their sender', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const a = await rawPeer(hub, port, 'welcome');
    expect(await lineMatching(a, 'welcome')).toMatch(/^\* welcome, guest-\d+: you are in lobby/);
    const b = await rawPeer(hub, port, 'welcome');
    const nickA = [...hub.clients][0]?.nick ?? '';
    const nickB = [...hub.clients][1]?.nick ?? '';
    expect(await lineMatching(a, 'joined')).toBe(`* ${nickB} joined lobby`);
    a.write('hello\n');
    expect(await lineMatching(b, 'hello')).toBe(`${nickA}: hello`);
  });

  it('/nick changes the name and announces it to the room', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const a = await rawPeer(hub, port, 'welcome');
    const b = await rawPeer(hub, port, 'welcome');
    const old = [...hub.clients][0]?.nick ?? '';
    a.write('/nick alice\n');
    expect(await lineMatching(b, 'known as')).toBe(`* ${old} is now known as alice`);
    expect(await lineMatching(a, 'known as')).toBe(`* ${old} is now known as alice`);
    a.write('/nick\n');
    expect(await lineMatching(a, 'you are alice')).toBe('* you are alice; /nick NAME changes it');
  });

  it('/join and /leave move between rooms, announced to the room', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    bob.write('/join dev\n');
    expect(await lineMatching(bob, 'joined dev')).toBe('* bob joined dev');
    alice.write('/join dev\n');
    expect(await lineMatching(bob, 'alice joined dev')).toBe('* alice joined dev');
    alice.write('in dev\n');
    expect(await lineMatching(bob, 'in dev')).toBe('[dev] alice: in dev');
    alice.write('/leave\n');
    expect(await lineMatching(bob, 'left')).toBe('* alice left dev');
    expect(await lineMatching(alice, 'left')).toBe('* alice left dev');
    alice.write('/leave dev\n/leave lobby\n');
    expect(await lineMatching(alice, 'not in dev')).toBe('! you are not in dev');
    expect(await lineMatching(alice, 'you stay in lobby')).toContain('default room');
    alice.write('/join bad room!\n/join\n');
    expect(await lineMatching(alice, "room 'bad room!'")).toBe("! room 'bad room!' must hold only letters, digits, _ and -");
    expect(await lineMatching(alice, 'usage')).toBe('! usage: /join ROOM');
  });

  it('/rooms lists the rooms and /who the members', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    bob.write('/join dev\n');
    await lineMatching(bob, 'joined dev');
    alice.write('/rooms\n/who\n/who dev\n/who nowhere\n');
    expect(await lineMatching(alice, 'rooms:')).toBe('* rooms: lobby (2), dev (1)');
    expect(await lineMatching(alice, 'in lobby:')).toBe('* in lobby: alice, bob');
    expect(await lineMatching(alice, 'in dev:')).toBe('* in dev: bob');
    expect(await lineMatching(alice, 'nobody')).toBe('* nobody is in nowhere');
  });

  it('/msg sends to one peer only', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    const carol = await namedPeer(hub, port, 'carol');
    alice.write('/msg BOB secret plan  here\n/msg nobody hi\n/msg bob\n');
    expect(await lineMatching(bob, '[dm]')).toBe('[dm] alice: secret plan  here');
    expect(await lineMatching(alice, 'nobody is called')).toBe('! nobody is called nobody');
    expect(await lineMatching(alice, 'usage')).toBe('! usage: /msg NAME text');
    await settle([carol], hub);
    expect(before(carol).some((line) => line.includes('secret'))).toBe(false);
  });

  it('/me relays an action', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    alice.write('/me waves\n');
    expect(await lineMatching(bob, 'waves')).toBe('* alice waves');
  });

  it('/quit closes the connection and tells the room why', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    const gone = nextEvent<[Peer, string]>(hub, 'disconnect');
    alice.write('/quit off to lunch\n');
    await alice.waitClosed();
    const [peer, reason] = await gone;
    expect(peer.nick).toBe('alice');
    expect(reason).toBe('client-closed');
    expect(await lineMatching(bob, 'left')).toBe('* alice left lobby (off to lunch)');
    // The name is free again.
    const again = await namedPeer(hub, port, 'alice');
    expect(again.closed).toBe(false);
  });

  it('/help lists every command, and unknown commands are refused', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    alice.write('/help\n');
    await lineMatching(alice, 'leading /');
    const help = linesOf(alice).filter((line) => line.startsWith('* /'));
    expect(help.map((line) => line.split(' ')[1])).toEqual(['/ban', '/bans', '/help', '/join', '/kick', '/leave', '/me', '/msg', '/mute', '/nick', '/oper', '/quit', '/rooms', '/topic', '/unban', '/unmute', '/who']);
    alice.write('/dance\n');
    expect(await lineMatching(alice, 'unknown')).toBe('! unknown command /dance; /help lists the commands');
  });

  it('// sends a message that starts with a slash', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    alice.write('//nick is a command\n');
    expect(await lineMatching(bob, 'is a command')).toBe('alice: /nick is a command');
  });

  it('lets built-in commands be replaced and removed, and new ones added', async () => {
    const { hub, port } = await hubOn({ chat: true });
    hub.command('me', (ctx, { argText }) => {
      ctx.hub.relayMessage(ctx.peer, `(${argText})`, { action: true });
    });
    hub.command('quit', null);
    expect(hub.removeCommand('msg')).toBe(true);
    hub.command('roll', (ctx) => {
      ctx.reply('you rolled 4');
    }, { usage: 'NdM', description: 'roll dice' });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    alice.write('/me waves\n/quit\n/msg bob hi\n/roll\n/help\n');
    expect(await lineMatching(bob, 'waves')).toBe('* alice (waves)');
    expect(await lineMatching(alice, 'unknown command /quit')).toBe('! unknown command /quit; /help lists the commands');
    expect(await lineMatching(alice, 'unknown command /msg')).toBe('! unknown command /msg; /help lists the commands');
    // Bob heard none of them after the action: a refused command is not relayed as text.
    await settle([bob], hub);
    const heard = before(bob);
    expect(heard.slice(heard.indexOf('* alice (waves)'))).toEqual(['* alice (waves)']);
    expect(await lineMatching(alice, 'rolled')).toBe('* you rolled 4');
    expect(await lineMatching(alice, '/roll')).toBe('* /roll NdM - roll dice');
    expect(alice.closed).toBe(false);
  });

  it('can start without built-in commands', async () => {
    const { hub } = await hubOn({ chat: { builtinCommands: false } });
    expect(hub.commands).toEqual([]);
  });
});
