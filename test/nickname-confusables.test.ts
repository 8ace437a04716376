import { describe, expect, it } from 'vitest';
import { NameError } from '../src/index.js';
import { NicknameRegistry } from '../src/hub/nicknames.js';
import { nickSkeleton } from '../src/protocol/names.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

// Issue 15, item 5: `aIice` (capital i) sat next to `alice`.

const track = closeAfterEach();

describe('nickSkeleton', () => {
  it('folds case and the ASCII look-alikes of UTS #39: I, l, 1 (and i); O, 0; m, rn', () => {
    const alike = [
      ['alice', 'Alice', 'ALICE', 'aIice', 'a1ice', 'AL1CE', 'alIce'],
      ['bob', 'B0B', 'bOb', 'b0b'],
      ['emma', 'ernrna', 'EMMA', 'ernma'],
      ['l1Il', 'iiii', 'LLLL', '1111'],
    ];
    for (const group of alike) {
      const skeleton = nickSkeleton(group[0] ?? '');
      for (const nick of group) expect(nickSkeleton(nick), nick).toBe(skeleton);
    }
  });

  it('keeps names apart that do not look alike', () => {
    const distinct = ['alice', 'alicia', 'a_lice', 'a-lice', 'bob', 'bab', 'rob', 'nm', 'mn', 'S5', 'SS', 'Z2', 'ZZ', 'B8', 'BB', 'guest-7', 'guest-8'];
    expect(new Set(distinct.map(nickSkeleton)).size).toBe(distinct.length);
  });
});

describe('NicknameRegistry', () => {
  it('refuses a look-alike of a name in use, saying which, and lets its holder take any look of it', () => {
    const names = new NicknameRegistry<string>();
    names.rename('peer-a', '', 'alice');
    for (const nick of ['Alice', 'aIice', 'a1ice', 'ALICE']) {
      const error = renameError(names, 'peer-b', nick);
      expect(error).toBeInstanceOf(NameError);
      expect(error).toMatchObject({ code: 'ERR_NAME_TAKEN', kind: 'nickname', value: nick });
    }
    expect(renameError(names, 'peer-b', 'Alice')?.message).toBe("nickname 'Alice' is already taken");
    expect(renameError(names, 'peer-b', 'aIice')?.message).toBe("nickname 'aIice' looks too much like 'alice', which is taken");
    expect(names.find('A1ice')).toBe('peer-a');

    // Its holder may change the case or the look of its own name; the name then answers to its new spelling.
    names.rename('peer-a', 'alice', 'AIice');
    expect(names.find('alice')).toBe('peer-a');
    expect(renameError(names, 'peer-b', 'alice')?.message).toBe("nickname 'alice' looks too much like 'AIice', which is taken");

    // Released, every look of it is free again.
    names.release('peer-a', 'AIice');
    expect(names.find('alice')).toBeUndefined();
    names.rename('peer-b', '', 'a1ice');
    expect(names.find('ALICE')).toBe('peer-b');
  });

  it('hands out guest names that no user name looks like', () => {
    const names = new NicknameRegistry<string>();
    names.rename('user', '', 'guest-l'); // the look of guest-1
    expect(names.claimGuest('guest')).toBe('guest-2');
    expect(names.find('guest-1')).toBe('user');
  });
});

describe('a chat hub', () => {
  it('refuses /nick aIice next to alice, with a reply that says so, and lets alice become aIice', async () => {
    const { hub, port } = await startHub(track, { chat: true });
    const alice = track(await RawPeer.connect(port), (peer) => {
      peer.destroy();
    });
    const mallory = track(await RawPeer.connect(port), (peer) => {
      peer.destroy();
    });
    await eventually(() => hub.clients.size === 2, 2000, 'both peers');
    alice.write('/nick alice\n');
    await alice.until((received) => received.toString().includes('is now known as alice'));
    mallory.write('/nick aIice\n');
    await mallory.until((received) => received.toString().includes("nickname 'aIice'"));
    expect(mallory.text).toContain("! nickname 'aIice' looks too much like 'alice', which is taken\n");
    expect([...hub.clients].map((peer) => peer.nick)).toContain('alice');
    expect([...hub.clients].map((peer) => peer.nick)).not.toContain('aIice');
    // peer.setNick() applies the same rule.
    const mallorysPeer = [...hub.clients].find((peer) => peer.nick !== 'alice');
    expect(() => mallorysPeer?.setNick('ALICE')).toThrow(NameError);

    alice.write('/nick aIice\n');
    await alice.until((received) => received.toString().includes('alice is now known as aIice'));
    expect(hub.findPeer('alice')?.nick).toBe('aIice');
  });
});

/** What taking `nick` (from no name) throws for `owner`, if anything. */
function renameError(names: NicknameRegistry<string>, owner: string, nick: string): Error | undefined {
  try {
    names.rename(owner, '', nick);
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
