import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ROOMS_PER_PEER, type Peer } from '../src/index.js';
import { before, closeAll, hubOn, lineMatching, linesOf, namedPeer, rawPeer, settle } from './helpers/chat.js';
import { eventually, nextEvent } from './helpers/sockets.js';

afterEach(closeAll);

describe('rooms', () => {
  it('start everyone in the default room, so everyone hears everyone', async () => {
    const { hub, port } = await hubOn();
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    expect(hub.defaultRoom).toBe('lobby');
    for (const peer of hub.clients) {
      expect(peer.room).toBe('lobby');
      expect([...peer.rooms]).toEqual(['lobby']);
    }
    expect(hub.rooms.get('lobby')?.size).toBe(2);
    a.write('hi\n');
    expect(await b.lines(1)).toEqual(['hi']);
  });

  it("never deliver a room's messages to a non-member", async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    const carol = await namedPeer(hub, port, 'carol');
    alice.write('/join dev\n');
    await lineMatching(alice, 'alice joined dev');
    bob.write('/join dev\n');
    await lineMatching(alice, 'bob joined dev');
    alice.write('dev secret 1\n/me dev secret 2\n');
    bob.write('dev secret 3\n');
    await lineMatching(bob, 'dev secret 2');
    await lineMatching(alice, 'dev secret 3');
    await settle([carol], hub);
    const carolSaw = before(carol);
    expect(carolSaw.filter((line) => line.includes('secret') || line.includes('dev'))).toEqual([]);
    // Carol still hears the lobby, where alice and bob are still members.
    carol.write('lobby talk\n');
    expect(await lineMatching(alice, 'lobby talk')).toBe('carol: lobby talk');
  });

  it('can be addressed by the host with hub.to(room).broadcast()', async () => {
    const { hub, port } = await hubOn();
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const [peerA] = [...hub.clients] as [Peer, Peer];
    peerA.join('ops');
    expect([...hub.to('ops').members]).toEqual([peerA]);
    expect(hub.to('ops').broadcast('ops only')).toBe(1);
    expect(hub.to('nowhere').broadcast('lost')).toBe(0);
    expect(await a.lines(1)).toEqual(['ops only']);
    await settle([b], hub);
    expect(before(b)).toEqual([]);
  });

  it('move peers in and out from the API, with events, falling back to the default room', async () => {
    const { hub, port } = await hubOn({ defaultRoom: 'hall' });
    await rawPeer(hub, port);
    const [peer] = [...hub.clients] as [Peer];
    expect(peer.room).toBe('hall');
    const joined = nextEvent<[Peer, string]>(hub, 'join');
    peer.join('a');
    expect(await joined).toEqual([peer, 'a']);
    peer.join('b');
    expect(peer.room).toBe('b');
    expect([...peer.rooms]).toEqual(['hall', 'a', 'b']);
    const left = nextEvent<[Peer, string]>(hub, 'leave');
    expect(peer.leave('b')).toBe(true);
    expect(await left).toEqual([peer, 'b']);
    expect(peer.room).toBe('a');
    expect(hub.rooms.has('b')).toBe(false);
    expect(peer.leave('hall')).toBe(true);
    expect(peer.leave('a')).toBe(true);
    // Its last room gone, it is back in the default room.
    expect([...peer.rooms]).toEqual(['hall']);
    expect(peer.room).toBe('hall');
    expect(peer.leave('hall')).toBe(false);
    expect(peer.leave('never')).toBe(false);
    expect(() => {
      peer.join('no spaces');
    }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_NAME', kind: 'room' }) as Error);
  });

  it('limit how many rooms one peer may be in', async () => {
    const { hub, port } = await hubOn();
    await rawPeer(hub, port);
    const [peer] = [...hub.clients] as [Peer];
    for (let index = 1; index < MAX_ROOMS_PER_PEER; index += 1) peer.join(`r${index}`);
    expect(() => {
      peer.join('one-too-many');
    }).toThrow(RangeError);
  });

  it('leave every room when a peer disconnects, announced to the rooms', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    alice.write('/join dev\n');
    bob.write('/join dev\n');
    await lineMatching(alice, 'bob joined dev');
    alice.destroy();
    expect(await lineMatching(bob, 'alice left dev')).toBe('* alice left dev');
    expect(await lineMatching(bob, 'alice left lobby')).toBe('* alice left lobby');
    await eventually(() => hub.clients.size === 1);
    expect([...hub.to('dev').members].map((peer) => peer.nick)).toEqual(['bob']);
  });
});

describe('rendering for text and raw peers', () => {
  it('uses a replaceable formatter', async () => {
    const { hub, port } = await hubOn({
      chat: {
        formatter: (event) => (event.type === 'message' ? `<${event.sender}@${event.room}> ${event.text}` : undefined),
      },
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('/nick alice\nhello\n');
    expect(await b.lines(1)).toEqual(['<alice@lobby> hello']);
  });

  it('gives raw peers the bare text byte for byte and no notices', async () => {
    const { hub, port } = await hubOn({ framing: 'auto', chat: true });
    const raw = await rawPeer(hub, port);
    raw.write('rawfirst');
    // `auto` decides raw after a quiet spell with no newline.
    await eventually(() => [...hub.clients].some((peer) => peer.framing === 'raw'));
    const line = await rawPeer(hub, port);
    line.write('/nick alice\n');
    await lineMatching(line, 'known as alice');
    line.write('héllo wörld\n');
    await raw.until((received) => received.toString().includes('wörld'));
    // Raw peers take each message on its own, with no terminator and no sender.
    expect(raw.received.equals(Buffer.from('héllo wörld'))).toBe(true);
    raw.write('rawhello');
    expect(await lineMatching(line, 'rawhello')).toMatch(/^guest-\d+: rawhello$/);
  });

  it('makes control characters in a message harmless for line peers', async () => {
    const { hub, port } = await hubOn({ framing: 'auto', chat: true });
    const line = await namedPeer(hub, port, 'bob');
    const raw = await rawPeer(hub, port);
    raw.write('hi\radmin: forged\u0007');
    expect(await lineMatching(line, 'forged')).toMatch(/^guest-\d+: hi admin: forged $/);
    expect(linesOf(line).some((text) => text.startsWith('admin'))).toBe(false);
  });
});
