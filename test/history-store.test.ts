import { describe, expect, it } from 'vitest';
import type { MessageEnvelope } from '../src/index.js';
import { HISTORY_ENTRY_OVERHEAD_BYTES, resolveHistory } from '../src/hub/history/history-options.js';
import type { HistoryPage } from '../src/cluster/history-store.js';
import { MemoryHistoryStore } from '../src/hub/history/memory-history-store.js';

let next = 0;
function message(room: string, text: string): MessageEnvelope {
  next += 1;
  return { v: 1, type: 'message', id: `t-${next}`, sender: 'alice', room, text, ts: 0 };
}

function texts(page: HistoryPage): string[] {
  if (!('events' in page)) throw new Error(`missing: ${page.missing}`);
  return page.events.map((event) => event.text);
}

/** What one message of `text` is counted as, with sender `alice`, a room of `room` and an id like `t-12`. */
function cost(text: string, room: string, id: string): number {
  return Buffer.byteLength(text) + 'alice'.length + room.length + id.length + HISTORY_ENTRY_OVERHEAD_BYTES;
}

describe('MemoryHistoryStore', () => {
  it('keeps the last messages of each stream, in order, and answers after an id with what follows', () => {
    const store = new MemoryHistoryStore({ messages: 3 });
    const sent = ['a', 'b', 'c', 'd', 'e'].map((text) => message('dev', text));
    for (const event of sent) store.append('dev', event);
    store.append('ops', message('ops', 'x'));
    expect(texts(store.read('dev', { limit: 10 }))).toEqual(['c', 'd', 'e']);
    expect(texts(store.read('dev', { limit: 2 }))).toEqual(['d', 'e']);
    expect(texts(store.read('dev', { limit: 0 }))).toEqual([]);
    expect(texts(store.read('dev', { limit: 1, after: sent[2]?.id ?? '' }))).toEqual(['d', 'e']);
    expect(texts(store.read('dev', { limit: 1, after: sent[4]?.id ?? '' }))).toEqual([]);
    // Dropped from a stream that has let messages go: too old. Never seen in a fresh one: unknown.
    expect(store.read('dev', { limit: 1, after: sent[0]?.id ?? '' })).toEqual({ missing: 'too-old' });
    expect(store.read('ops', { limit: 1, after: 'elsewhere-1' })).toEqual({ missing: 'unknown' });
    expect(store.read('nowhere', { limit: 5 })).toEqual({ events: [] });
    expect(store.size()).toEqual({ streams: 2, rooms: 2, messages: 4, bytes: expect.any(Number) as number });
  });

  it('keeps each stream within its byte cap, counting text, names, id and the overhead', () => {
    const first = message('dev', 'x'.repeat(100));
    const one = cost(first.text, 'dev', first.id);
    const store = new MemoryHistoryStore({ bytes: one * 2 + 10 });
    store.append('dev', first);
    const second = message('dev', 'y'.repeat(100));
    store.append('dev', second);
    expect(store.size().bytes).toBe(one + cost(second.text, 'dev', second.id));
    store.append('dev', message('dev', 'z'.repeat(100)));
    expect(texts(store.read('dev', { limit: 10 })).map((text) => text[0])).toEqual(['y', 'z']);
    // One message bigger than the cap is not kept at all.
    store.append('dev', message('dev', 'w'.repeat(one * 3)));
    expect(texts(store.read('dev', { limit: 10 }))).toEqual([]);
    expect(store.size()).toMatchObject({ streams: 0, messages: 0, bytes: 0 });
  });

  it('keeps the whole history within totalBytes, dropping the oldest message of any stream first', () => {
    const probe = message('aa', 'm');
    const one = cost('m', 'aa', probe.id) + 2; // ids grow by a digit or two over the test
    const store = new MemoryHistoryStore({ totalBytes: one * 4 });
    store.append('aa', probe);
    store.append('bb', message('bb', 'm'));
    store.append('aa', message('aa', 'm'));
    store.append('bb', message('bb', 'm'));
    expect(store.size().messages).toBe(4);
    const fifth = message('cc', 'm');
    store.append('cc', fifth);
    // The oldest of all (aa's first) went; every stream keeps the rest.
    expect(store.size().messages).toBe(4);
    expect(store.size().bytes).toBeLessThanOrEqual(one * 4);
    expect(texts(store.read('aa', { limit: 10 }))).toHaveLength(1);
    expect(store.read('aa', { limit: 1, after: probe.id })).toEqual({ missing: 'too-old' });
    expect(texts(store.read('cc', { limit: 10 }))).toHaveLength(1);
  });

  it('drops messages older than maxAge', async () => {
    const store = new MemoryHistoryStore({ maxAge: 30 });
    store.append('dev', message('dev', 'old'));
    await new Promise((resolve) => setTimeout(resolve, 80));
    store.append('dev', message('dev', 'new'));
    expect(texts(store.read('dev', { limit: 10 }))).toEqual(['new']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(texts(store.read('dev', { limit: 10 }))).toEqual([]);
    expect(store.size()).toMatchObject({ messages: 0, bytes: 0 });
  });

  it('forgets a deleted stream and stays consistent through many drops', () => {
    const store = new MemoryHistoryStore({ messages: 5, totalBytes: 50_000 });
    for (let index = 0; index < 3000; index += 1) {
      const room = `r${index % 7}`;
      store.append(room, message(room, `m${index}`));
      if (index % 500 === 0) store.append('@dm-1', message('@dm-1', `d${index}`));
    }
    store.delete('@dm-1');
    const size = store.size();
    expect(size.streams).toBe(7);
    expect(size.rooms).toBe(7);
    expect(size.messages).toBe(35);
    let counted = 0;
    for (let room = 0; room < 7; room += 1) {
      const kept = texts(store.read(`r${room}`, { limit: 100 }));
      expect(kept).toHaveLength(5);
      counted += kept.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    }
    expect(size.bytes).toBeGreaterThan(counted);
  });
});

describe('the history option', () => {
  it('is off unless asked, on with defaults for true, tuned with an object', () => {
    expect(resolveHistory(undefined)).toBeUndefined();
    expect(resolveHistory(false)).toBeUndefined();
    expect(resolveHistory(true)).toMatchObject({ messages: 100, bytes: 256 * 1024, totalBytes: 64 * 1024 * 1024, recoveryWindow: 120_000, replayOnJoin: 10 });
    expect(resolveHistory({ messages: 5, replayOnJoin: 50 })).toMatchObject({ messages: 5, replayOnJoin: 5 });
  });

  it('names the option that is wrong', () => {
    expect(() => resolveHistory({ messages: 0 })).toThrow(/history\.messages/);
    expect(() => resolveHistory({ maxAge: -1 })).toThrow(/history\.maxAge/);
    expect(() => resolveHistory({ recoveryWindow: 1.5 })).toThrow(/history\.recoveryWindow/);
    expect(() => resolveHistory({ store: {} as never })).toThrow(/history\.store/);
    expect(() => resolveHistory('yes' as never)).toThrow(TypeError);
  });
});
