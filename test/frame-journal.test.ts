import { describe, expect, it } from 'vitest';
import { FrameJournal, MAX_JOINED_BYTES } from '../src/transport/frame-journal.js';

const frame = (text: string): Buffer => Buffer.from(text, 'utf8');

/** What a receiver whose run is [start, end) writes. */
function partsOf(journal: FrameJournal, start: number, end: number): Buffer[] {
  const parts: Buffer[] = [];
  journal.appendParts(start, end, parts);
  return parts;
}

/** A run small enough to be joined: its one buffer. */
function joined(journal: FrameJournal, start: number, end: number): Buffer {
  const parts = partsOf(journal, start, end);
  expect(parts).toHaveLength(1);
  return parts[0] ?? Buffer.alloc(0);
}

describe('FrameJournal.indexOf', () => {
  it('gives a frame queued for one receiver after another the same index', () => {
    const journal = new FrameJournal();
    const hello = frame('hello\n');
    // A broadcast to three receivers queues the same Buffer three times in a row.
    expect([journal.indexOf(hello), journal.indexOf(hello), journal.indexOf(hello)]).toEqual([0, 0, 0]);
    const next = frame('next\n');
    expect([journal.indexOf(next), journal.indexOf(next)]).toEqual([1, 1]);
  });

  it('gives a new index to a frame that is equal but not the same Buffer, and to one queued again later', () => {
    const journal = new FrameJournal();
    const a = frame('same\n');
    const b = frame('same\n');
    const c = frame('other\n');
    expect(journal.indexOf(a)).toBe(0);
    expect(journal.indexOf(b)).toBe(1);
    expect(journal.indexOf(c)).toBe(2);
    // `a` again, after others: only the last entry is reused, so it is a new one.
    expect(journal.indexOf(a)).toBe(3);
  });
});

describe('FrameJournal.appendParts', () => {
  it('returns a single frame itself, with no copy', () => {
    const journal = new FrameJournal();
    const only = frame('only\n');
    journal.indexOf(only);
    expect(joined(journal, 0, 1)).toBe(only);
  });

  it('joins a run of frames into their bytes, in order', () => {
    const journal = new FrameJournal();
    for (const text of ['zero\n', 'one\n', 'two\n', 'three\n']) journal.indexOf(frame(text));
    expect(joined(journal, 0, 4).toString()).toBe('zero\none\ntwo\nthree\n');
    expect(joined(journal, 1, 3).toString()).toBe('one\ntwo\n');
    expect(joined(journal, 2, 4).toString()).toBe('two\nthree\n');
    expect(joined(journal, 3, 4).toString()).toBe('three\n');
  });

  it('joins multi-byte frames to the right length', () => {
    const journal = new FrameJournal();
    for (const text of ['é€\n', '😀\n', 'x\n']) journal.indexOf(frame(text));
    const whole = joined(journal, 0, 3);
    expect(whole.length).toBe(Buffer.byteLength('é€\n😀\nx\n'));
    expect(whole.toString()).toBe('é€\n😀\nx\n');
    expect(joined(journal, 1, 3).toString()).toBe('😀\nx\n');
  });

  it('joins each run once, however many receivers ask for it', () => {
    const journal = new FrameJournal();
    for (const text of ['a\n', 'b\n', 'c\n']) journal.indexOf(frame(text));
    const first = joined(journal, 0, 3);
    expect(joined(journal, 0, 3)).toBe(first);
    // A different run is a different buffer, joined once too.
    const tail = joined(journal, 1, 3);
    expect(tail).not.toBe(first);
    expect(joined(journal, 1, 3)).toBe(tail);
    expect(tail.toString()).toBe('b\nc\n');
  });

  it('keeps runs that differ only in where they end apart', () => {
    const journal = new FrameJournal();
    for (const text of ['a\n', 'b\n', 'c\n']) journal.indexOf(frame(text));
    expect(joined(journal, 0, 2).toString()).toBe('a\nb\n');
    expect(joined(journal, 0, 3).toString()).toBe('a\nb\nc\n');
    expect(joined(journal, 0, 2).toString()).toBe('a\nb\n');
  });
});

describe('FrameJournal.appendParts: large runs', () => {
  it('gives a run past MAX_JOINED_BYTES as the frames themselves, so receivers share them', () => {
    const journal = new FrameJournal();
    const big = [frame('a'.repeat(MAX_JOINED_BYTES)), frame('b'.repeat(10)), frame('c'.repeat(MAX_JOINED_BYTES))];
    for (const item of big) journal.indexOf(item);
    const parts = partsOf(journal, 0, 3);
    expect(parts).toHaveLength(3);
    parts.forEach((part, index) => {
      expect(part).toBe(big[index]);
    });
  });

  it('joins a run of exactly MAX_JOINED_BYTES', () => {
    const journal = new FrameJournal();
    journal.indexOf(frame('a'.repeat(MAX_JOINED_BYTES - 1)));
    journal.indexOf(frame('b'));
    expect(joined(journal, 0, 2).length).toBe(MAX_JOINED_BYTES);
  });
});

describe('FrameJournal.appendParts: many small frames', () => {
  it('joins a long run of small frames into one buffer, as a fan-out of chat lines is', () => {
    const journal = new FrameJournal();
    for (let index = 0; index < 1000; index += 1) journal.indexOf(frame(`${String(index).padStart(63, '.')}\n`));
    const parts = partsOf(journal, 0, 1000);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.length).toBe(64_000);
  });
});
