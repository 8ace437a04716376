/**
 * The pieces of moderation without sockets: ban targets read and bounded, masks matched, lists
 * bounded with expiry, durations, operator password hashes, and the expensive commands'
 * own allowance.
 */
import { describe, expect, it, vi } from 'vitest';
import { BanList } from '../src/hub/moderation/ban-list.js';
import { BanRule, MAX_MASK_LENGTH } from '../src/hub/moderation/ban-rule.js';
import { formatRemaining, parseDuration } from '../src/hub/moderation/duration.js';
import { hashOperatorPassword, parseOperatorHash, verifyOperatorPassword } from '../src/hub/moderation/operator-password.js';
import { CommandRate, commandOf } from '../src/hub/limits/command-rate.js';
import { EnvelopeError, parseEnvelope, type BroadcastHub, type HubOptions, type Peer } from '../src/index.js';

describe('ban targets', () => {
  it('reads nicknames, masks, addresses and networks into their normal form', () => {
    expect(BanRule.parse('bob')).toMatchObject({ kind: 'mask', mask: 'bob!*@*' });
    expect(BanRule.parse('spam*')).toMatchObject({ kind: 'mask', mask: 'spam*!*@*' });
    expect(BanRule.parse('*@10.0.0.*')).toMatchObject({ kind: 'mask', mask: '*!*@10.0.0.*' });
    expect(BanRule.parse('a!b@HOST')).toMatchObject({ kind: 'mask', mask: 'a!b@host' });
    expect(BanRule.parse('203.0.113.7')).toMatchObject({ kind: 'address', mask: '203.0.113.7' });
    expect(BanRule.parse('::ffff:203.0.113.7')).toMatchObject({ kind: 'address', mask: '203.0.113.7' });
    expect(BanRule.parse('2001:DB8::1')).toMatchObject({ kind: 'address', mask: '2001:db8::1' });
    expect(BanRule.parse('10.0.0.0/8')).toMatchObject({ kind: 'cidr', mask: '10.0.0.0/8' });
  });

  it('matches nick!nick@address, without regard to case, and networks by address', () => {
    const subject = { nick: 'Bob', address: '::ffff:10.1.2.3' };
    expect(BanRule.parse('bob').matches(subject)).toBe(true);
    expect(BanRule.parse('*!*@10.1.2.*').matches(subject)).toBe(true);
    expect(BanRule.parse('*!*@10.1.3.*').matches(subject)).toBe(false);
    expect(BanRule.parse('10.0.0.0/8').matches(subject)).toBe(true);
    expect(BanRule.parse('10.1.2.3').matches(subject)).toBe(true);
    expect(BanRule.parse('2001:db8::/32').matches({ nick: 'x', address: '2001:db8::5' })).toBe(true);
    expect(BanRule.parse('2001:db8::/32').matches(subject)).toBe(false);
    // At the door only the address is known: a mask that names a nick waits for the nick.
    expect(BanRule.parse('bob').matchesAddress('10.1.2.3')).toBe(false);
    expect(BanRule.parse('*!*@10.1.*').matchesAddress('::ffff:10.1.2.3')).toBe(true);
  });

  it('refuses what is not a target, or is too big to match cheaply', () => {
    for (const bad of ['', 'a b', 'a,b', 'a\r\nb', 'a\u0000', '10.0.0.0/33', 'x/8', '1bad', `${'a'.repeat(MAX_MASK_LENGTH)}*`, '*?*?*?*?*', 'a!b!c@d', 'a@b@c']) {
      expect(() => BanRule.parse(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_BAD_MASK' }) as Error);
    }
    // The worst allowed mask against a subject of the longest allowed kind: bounded work.
    const rule = BanRule.parse('*a*a*a*a*a*a*a*b');
    const started = performance.now();
    for (let index = 0; index < 10_000; index += 1) rule.matches({ nick: 'a'.repeat(24), address: 'aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('bans of everyone', () => {
  it('knows a target that matches every name and address from one that does not', () => {
    // Every name, and every address, or every one of a family.
    for (const everyone of ['*', '*!*@*', '*@*', '**!*@*', '*?*!*@*', '?*', '*!*@??*', '*!*@???*', '*!*@????*', '*!*@*.*', '*!*@*:*', '*!*@*.*.*.*', '@?*.?*.?*.?*', '0.0.0.0/0', '::/0', '10.0.0.0/0']) {
      expect(BanRule.parse(everyone).matchesEveryone, everyone).toBe(true);
    }
    // A host with `!` is no address: `*!*@*!*` matches nobody, and is no ban of everyone.
    // Nor are hosts that match only some addresses, or none: more dots than IPv4 has, `::` that a full IPv6 form lacks.
    for (const some of ['bob', '*!*@10.*', 'a*', '?', '??*', '*!*@*.example', '*!*@*!*', '*!*@*1*', '*!*@*.*.*.*.*', '*!*@*::*', '*!*@*:*:*:*', '*!*@.*', '0.0.0.0/1', '::/1', '10.0.0.0/10', '10.0.0.1']) {
      expect(BanRule.parse(some).matchesEveryone, some).toBe(false);
    }
  });
});

describe('ban lists', () => {
  it('hold at most their bound, replace the same mask, and drop expired bans as they meet them', () => {
    let now = 1000;
    const list = new BanList(2, () => now);
    const entry = (mask: string, expiresAt?: number) => ({ mask, kind: 'mask' as const, room: undefined, reason: '', by: 'op', setAt: now, expiresAt });
    list.add(BanRule.parse('a'), entry('a!*@*', 2000));
    list.add(BanRule.parse('b'), entry('b!*@*'));
    list.add(BanRule.parse('B'), entry('b!*@*'));
    expect(list.size).toBe(2);
    expect(() => list.add(BanRule.parse('c'), entry('c!*@*'))).toThrow(expect.objectContaining({ code: 'ERR_TOO_MANY_BANS' }) as Error);
    expect(list.find({ nick: 'a', address: '1.2.3.4' })?.mask).toBe('a!*@*');
    now = 2000;
    expect(list.find({ nick: 'a', address: '1.2.3.4' })).toBeUndefined();
    expect(list.list().map((ban) => ban.mask)).toEqual(['b!*@*']);
    list.add(BanRule.parse('c'), entry('c!*@*'));
    expect(list.remove('C!*@*')?.mask).toBe('c!*@*');
    expect(list.remove('c!*@*')).toBeUndefined();
  });
});

describe('durations', () => {
  it('reads 30s, 10m, 2h, 7d, 1w and milliseconds; refuses zero, more than a year and anything else', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration(250)).toBe(250);
    for (const bad of ['0s', '10', '10 m', '1y', '-5m', '999999w', 0, -1, Number.NaN]) {
      expect(() => parseDuration(bad), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_BAD_DURATION' }) as Error);
    }
    expect([formatRemaining(400), formatRemaining(599_000), formatRemaining(3_600_000), formatRemaining(90_000_000)]).toEqual(['1s', '10m', '1h', '2d']);
  });
});

describe('operator passwords', () => {
  it('hashes with a fresh salt, verifies the password, refuses others and malformed hashes', async () => {
    const one = await hashOperatorPassword('s3cret');
    const two = await hashOperatorPassword('s3cret');
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(one).not.toBe(two);
    expect(await verifyOperatorPassword(one, 's3cret')).toBe(true);
    expect(await verifyOperatorPassword(two, 's3cret')).toBe(true);
    expect(await verifyOperatorPassword(one, 's3cret ')).toBe(false);
    expect(await verifyOperatorPassword('s3cret', 's3cret')).toBe(false);
    // A hash that would make scrypt take gigabytes is no hash.
    expect(parseOperatorHash(one.replace('$16384$', '$1048576$'))).toBeUndefined();
    await expect(hashOperatorPassword('')).rejects.toThrow(TypeError);
  });
});

describe('expensive commands', () => {
  it('spend an allowance of their own: /who past it is dropped while cheap commands go on', () => {
    vi.useFakeTimers();
    try {
      const warnings: string[] = [];
      const rate = new CommandRate<unknown>({ warn: (_peer, text) => warnings.push(text) }, { burst: 40, rate: 4, expensive: { burst: 3, rate: 0.5 } });
      // Only its identity matters: it is a key of the allowances.
      const peer = Object.create(null) as Peer<unknown>;
      const who = Array.from({ length: 10 }, () => rate.admit(peer, '/who lobby'));
      expect(who).toEqual([true, true, true, false, false, false, false, false, false, false]);
      expect(rate.admit(peer, '/me still here')).toBe(true);
      expect(rate.admit(peer, { v: 1, type: 'nick', nick: 'x' })).toBe(false);
      // Told once per run of refusals: the /me in between ended the first run.
      expect(warnings).toEqual(['too many /who-like commands: more than 3 at once, then one every 2 s, are dropped', 'too many /nick-like commands: more than 3 at once, then one every 2 s, are dropped']);
      vi.advanceTimersByTime(2000);
      expect(rate.admit(peer, '/HELP')).toBe(true);
      expect(rate.admit(peer, '/rooms')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
    expect([commandOf('/who'), commandOf('/Nick bob'), commandOf('//who'), commandOf('who'), commandOf({ type: 'oper' }), commandOf({ type: 'join' })]).toEqual(['who', 'nick', '', '', 'oper', '']);
  });
});

describe('moderation envelopes', () => {
  it('are validated before the hub reads them: bounded, no spaces in targets, durations as words', () => {
    expect(parseEnvelope('{"v":1,"type":"ban","target":"*!*@10.0.0.*","room":"dev","duration":"2h","reason":"spam"}', 'client')).toEqual({ v: 1, type: 'ban', target: '*!*@10.0.0.*', room: 'dev', duration: '2h', reason: 'spam' });
    expect(parseEnvelope('{"v":1,"type":"topic","room":"dev","text":""}', 'client')).toEqual({ v: 1, type: 'topic', room: 'dev', text: '' });
    expect(parseEnvelope('{"v":1,"type":"leave","nick":"bob","room":"dev","ts":1,"kicked":true,"by":"ada"}', 'hub')).toMatchObject({ kicked: true, by: 'ada' });
    for (const bad of [
      '{"v":1,"type":"ban","target":"a b"}',
      '{"v":1,"type":"ban","target":"x","duration":"2 hours"}',
      `{"v":1,"type":"ban","target":"${'a'.repeat(101)}"}`,
      `{"v":1,"type":"oper","name":"root","password":"${'p'.repeat(257)}"}`,
      '{"v":1,"type":"oper","name":"ro ot","password":"x"}',
      '{"v":1,"type":"kick","nick":"bad nick"}',
      `{"v":1,"type":"kick","nick":"bob","reason":"${'r'.repeat(201)}"}`,
      `{"v":1,"type":"topic","room":"dev","text":"${'t'.repeat(301)}"}`,
      '{"v":1,"type":"mute","nick":"bob","duration":5}',
    ]) {
      expect(() => parseEnvelope(bad, 'client'), bad.slice(0, 60)).toThrow(EnvelopeError);
    }
  });
});

describe('types', () => {
  it('types the moderation events and options (checked by tsc)', () => {
    const check = (hub: BroadcastHub, peer: Peer): void => {
      hub.on('kick', (peer, room, by, reason) => [peer.nick, room.length, by.length, reason.length]);
      hub.on('ban', (entry) => [entry.mask, entry.room ?? 'hub', entry.expiresAt ?? 0]);
      hub.on('topic', (room, topic, by) => [room, topic?.text, by]);
      hub.on('operator', (peer, operator) => [peer.operator, operator]);
      // @ts-expect-error -- a kick listener gets the room as a string, not a number
      hub.on('kick', (_peer, room: number) => room);
      // @ts-expect-error -- a ban's duration is a string such as '10m' or milliseconds
      hub.moderation.ban('x', { duration: true });
      // @ts-expect-error -- operator status is the hub's to grant: peer.operator is read-only
      peer.operator = true;
    };
    const options: HubOptions = { moderation: { operators: { root: 'scrypt$...' }, maxBans: 10 }, authenticate: () => ({ nick: 'ada', operator: true }) };
    expect(typeof check).toBe('function');
    expect(options.moderation?.maxBans).toBe(10);
  });
});
