/**
 * The IRC codec against the public parser test data of the ircdocs project (ircdocs/parser-tests,
 * in ../shared/irc-parser-tests/): every case of msg-split, msg-join, mask-match, userhost-split
 * and validate-hostname. A missing file fails the run: these cases are the contract.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isValidHostname, matchMask, splitUserhost } from '../src/protocol/irc-mask.js';
import { parseIrcLine, serializeIrcMessage } from '../src/protocol/irc-message.js';
import { ROOT } from './fixtures/spawned.js';

const DATA = join(ROOT, '..', 'shared', 'irc-parser-tests');

interface Atoms {
  tags?: Record<string, string | null>;
  source?: string;
  verb: string;
  params?: string[];
}

function load<T>(file: string): T[] {
  const document = parse(readFileSync(join(DATA, file), 'utf8')) as { tests: T[] };
  expect(document.tests.length).toBeGreaterThan(0);
  return document.tests;
}

const splits = load<{ input: string; atoms: Atoms }>('msg-split.yaml');
const joins = load<{ desc?: string; atoms: Atoms; matches: string[] }>('msg-join.yaml');
const masks = load<{ mask: string; matches: string[]; fails: string[] }>('mask-match.yaml');
const userhosts = load<{ source: string; atoms: { nick?: string; user?: string; host?: string } }>('userhost-split.yaml');
const hostnames = load<{ host: string; valid: boolean }>('validate-hostname.yaml');

/** Tags as the test data writes them: a tag without a value is `''` (the YAML may say null). */
function tagsOf(atoms: Atoms): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(atoms.tags ?? {})) tags[key] = value ?? '';
  return tags;
}

describe('msg-split: every line splits into its atoms', () => {
  it.each(splits.map((test) => [JSON.stringify(test.input), test] as const))('%s', (_name, test) => {
    const message = parseIrcLine(test.input);
    expect(message).toBeDefined();
    if (message === undefined) return;
    expect({ ...message.tags }).toEqual(tagsOf(test.atoms));
    expect(message.source).toBe(test.atoms.source);
    expect(message.verb).toBe(test.atoms.verb);
    expect(message.params).toEqual(test.atoms.params ?? []);
  });

  it('covers every case of the file', () => {
    expect(splits.length).toBe(35);
  });
});

describe('msg-join: every set of atoms joins into one of its lines', () => {
  it.each(joins.map((test) => [test.desc ?? JSON.stringify(test.atoms), test] as const))('%s', (_name, test) => {
    const line = serializeIrcMessage({ tags: tagsOf(test.atoms), source: test.atoms.source, verb: test.atoms.verb, params: test.atoms.params ?? [] });
    expect(test.matches).toContain(line);
    // And what it joined splits back into the same atoms.
    const again = parseIrcLine(line);
    expect(again?.verb).toBe(test.atoms.verb);
    expect(again?.params).toEqual(test.atoms.params ?? []);
    expect({ ...again?.tags }).toEqual(tagsOf(test.atoms));
  });

  it('covers every case of the file', () => {
    expect(joins.length).toBe(18);
  });
});

describe('mask-match: masks match what they should and nothing else', () => {
  it.each(masks.map((test) => [test.mask, test] as const))('%s', (_mask, test) => {
    for (const subject of test.matches) expect(matchMask(test.mask, subject), `${test.mask} should match ${subject}`).toBe(true);
    for (const subject of test.fails) expect(matchMask(test.mask, subject), `${test.mask} should not match ${subject}`).toBe(false);
  });

  it('covers every case of the file', () => {
    expect(masks.length).toBe(6);
  });
});

it('reads every case of the other two files', () => {
  expect(userhosts.length).toBe(7);
  expect(hostnames.length).toBe(19);
});

describe('userhost-split and validate-hostname', () => {
  it.each(userhosts.map((test) => [JSON.stringify(test.source), test] as const))('splits %s', (_name, test) => {
    expect(splitUserhost(test.source)).toEqual({ nick: test.atoms.nick ?? '', user: test.atoms.user ?? '', host: test.atoms.host ?? '' });
  });

  it.each(hostnames.map((test) => [JSON.stringify(test.host), test] as const))('judges %s', (_name, test) => {
    expect(isValidHostname(test.host)).toBe(test.valid);
  });
});

describe('what the data does not cover', () => {
  it('never lets CR, LF or NUL into a joined line, and refuses a middle parameter no line could carry', () => {
    const line = serializeIrcMessage({ verb: 'PRIVMSG', params: ['#lobby', 'hi\r\nQUIT :forged\0'] });
    expect(line).toBe('PRIVMSG #lobby :hi  QUIT :forged ');
    expect(() => serializeIrcMessage({ verb: 'PRIVMSG', params: ['two words', 'x'] })).toThrow(TypeError);
    expect(() => serializeIrcMessage({ verb: 'PRIVMSG', params: ['', 'x'] })).toThrow(TypeError);
    expect(() => serializeIrcMessage({ verb: 'BAD VERB' })).toThrow(TypeError);
  });

  it('gives no message for a line without a verb, and never throws', () => {
    for (const line of ['', '   ', '@a=b', '@a=b ', ':src', ':src ', '@a :src ']) expect(parseIrcLine(line)).toBeUndefined();
    const tags = parseIrcLine('@__proto__=x;constructor PING :t')?.tags ?? {};
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.entries(tags)).toEqual([
      ['__proto__', 'x'],
      ['constructor', ''],
    ]);
  });

  it('matches masks in linear time, whatever the stars', () => {
    const mask = `${'*a'.repeat(2000)}b`;
    const subject = 'a'.repeat(5000);
    expect(matchMask(mask, subject)).toBe(false);
    expect(matchMask('*', '')).toBe(true);
    expect(matchMask('?', '')).toBe(false);
    expect(matchMask('A*!*@*', 'alice!x@y')).toBe(true);
  });
});
