import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastHub, NameError, nickProblem, type Peer } from '../src/index.js';
import { closeAll, hubOn, lineMatching, namedPeer, rawPeer } from './helpers/chat.js';
import { nextEvent } from './helpers/sockets.js';

afterEach(closeAll);

describe('nicknames', () => {
  it('gives every client a distinct guest name on connect, on any hub', async () => {
    const { hub, port } = await hubOn();
    await rawPeer(hub, port);
    await rawPeer(hub, port);
    const nicks = [...hub.clients].map((peer) => peer.nick);
    expect(nicks).toHaveLength(2);
    for (const nick of nicks) expect(nick).toMatch(/^guest-\d+$/);
    expect(new Set(nicks).size).toBe(2);
    expect(hub.findPeer(nicks[0] ?? '')).toBe([...hub.clients][0]);
  });

  it('uses the configured guest prefix', async () => {
    const { hub, port } = await hubOn({ guestPrefix: 'anon' });
    await rawPeer(hub, port);
    expect([...hub.clients][0]?.nick).toMatch(/^anon-\d+$/);
  });

  it('refuses a name someone else has, regardless of case', async () => {
    const { hub, port } = await hubOn({ chat: true });
    await namedPeer(hub, port, 'alice');
    const b = await rawPeer(hub, port, 'welcome');
    b.write('/nick ALICE\n');
    expect(await lineMatching(b, 'taken')).toBe("! nickname 'ALICE' is already taken");
    // One's own name may change case.
    const [a] = [...hub.clients] as [Peer];
    a.setNick('Alice');
    expect(a.nick).toBe('Alice');
    expect(hub.findPeer('ALICE')).toBe(a);
  });

  it('refuses invalid names with a reason', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const a = await rawPeer(hub, port, 'welcome');
    a.write('/nick 9lives\n/nick a-very-long-nickname-indeed-yes\n/nick bad name\n/nick élodie\n');
    expect(await lineMatching(a, "'9lives'")).toBe("! nickname '9lives' must start with a letter and hold only letters, digits, _ and -");
    expect(await lineMatching(a, 'longer')).toBe("! nickname 'a-very-long-nickname-indeed-yes' is longer than 24 characters");
    expect(await lineMatching(a, "'bad name'")).toContain('must start with a letter');
    expect(await lineMatching(a, 'lodie')).toContain('must start with a letter');
    expect([...hub.clients][0]?.nick).toMatch(/^guest-/);
  });

  it('throws a NameError from peer.setNick() and emits nick events', async () => {
    const { hub, port } = await hubOn();
    await rawPeer(hub, port);
    await rawPeer(hub, port);
    const [a, b] = [...hub.clients] as [Peer, Peer];
    const renamed = nextEvent<[Peer, string]>(hub, 'nick');
    const old = a.nick;
    a.setNick('alice');
    expect(await renamed).toEqual([a, old]);
    expect(() => {
      b.setNick('Alice');
    }).toThrow(expect.objectContaining({ code: 'ERR_NAME_TAKEN', kind: 'nickname' }) as NameError);
    expect(() => {
      b.setNick('');
    }).toThrow(NameError);
    expect(hub.findPeer(old)).toBeUndefined();
  });

  it('frees a name when its holder disconnects', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const gone = nextEvent(hub, 'disconnect');
    alice.destroy();
    await gone;
    expect(hub.findPeer('alice')).toBeUndefined();
    await namedPeer(hub, port, 'alice');
  });

  it('explains what is wrong with a name', () => {
    expect(nickProblem('ok_name-1')).toBeUndefined();
    expect(nickProblem('')).toBe('is empty');
    expect(nickProblem('x'.repeat(25))).toBe('is longer than 24 characters');
  });
});

describe('guestPrefix', () => {
  it('refuses a prefix that would hand out invalid guest names', () => {
    expect(() => new BroadcastHub({ chat: true, guestPrefix: 'a b' })).toThrow(/guestPrefix 'a b' must start with a letter/);
    expect(() => new BroadcastHub({ chat: true, guestPrefix: '1abc' })).toThrow(RangeError);
    expect(() => new BroadcastHub({ chat: true, guestPrefix: 'x'.repeat(17) })).toThrow(/longer than 16 characters/);
    expect(() => new BroadcastHub({ chat: true, guestPrefix: 'visitor' })).not.toThrow();
  });
});
