import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FlushScheduler } from '../src/transport/flush-scheduler.js';
import { MAX_JOINED_BYTES } from '../src/transport/frame-journal.js';
import { OutboundQueue } from '../src/transport/outbound-queue.js';

/**
 * A socket's write side with no socket behind it: it records every chunk the queue writes
 * and, while `holding`, completes none of them, so its buffer fills and `write()` reports
 * backpressure past `highWaterMark` as a socket's does. `release()` completes them, and
 * Writable emits 'drain' as it would for a socket whose peer caught up.
 */
class HeldWritable extends Writable {
  /** Every chunk written, in order, one entry per write that reached the stream (a vectored write is one, joined). */
  readonly writes: Buffer[] = [];
  /** The buffers of each vectored write, as the stream was handed them: shared, not copied. */
  readonly vectors: Buffer[][] = [];
  holding = false;
  private held: (() => void)[] = [];

  constructor(highWaterMark = 64) {
    // Not destroyed by ending, as a socket whose read side is still open: a write after
    // end() then fails the stream with an 'error', as it would the socket.
    super({ highWaterMark, autoDestroy: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(chunk);
    if (this.holding) this.held.push(callback);
    else callback();
  }

  // As a socket does: what was written while corked reaches it as one vectored write.
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map(({ chunk }) => chunk);
    this.vectors.push(buffers);
    this._write(Buffer.concat(buffers), 'utf8', callback);
  }

  /**
   * Completes what was held, so the stream drains; unless `holdAgain`, it holds nothing from
   * then on. With `holdAgain`, what is written in answer to the drain is held in turn.
   */
  release(holdAgain = false): void {
    this.holding = holdAgain;
    for (const done of this.held.splice(0)) done();
  }

  /** Everything written so far, as text. */
  get text(): string {
    return Buffer.concat(this.writes).toString();
  }
}

/** A queue writing to `sink`, flushed by `scheduler`. */
function queueOn(sink: HeldWritable, scheduler = new FlushScheduler(), coalesce = true): OutboundQueue {
  return new OutboundQueue(sink, scheduler, coalesce);
}

/** Lets the scheduler's end-of-turn flush run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const frame = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('OutboundQueue: one write per turn', () => {
  it('writes nothing at once, then everything queued in the turn as one write, in order', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink);
    queue.enqueue(frame('one\n'));
    queue.enqueue(frame('two\n'));
    queue.enqueue(frame('three\n'));
    expect(sink.writes).toEqual([]);
    expect(queue.queuedBytes).toBe(14);
    await turn();
    expect(sink.writes.map(String)).toEqual(['one\ntwo\nthree\n']);
    expect(queue.queuedBytes).toBe(0);
    expect(queue.isBlocked).toBe(false);
  });

  it('writes each turn separately', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink);
    queue.enqueue(frame('a\n'));
    await turn();
    queue.enqueue(frame('b\n'));
    queue.enqueue(frame('c\n'));
    await turn();
    expect(sink.writes.map(String)).toEqual(['a\n', 'b\nc\n']);
  });

  it('writes a single frame as it is, with no copy', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink);
    const only = frame('only\n');
    queue.enqueue(only);
    await turn();
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]).toBe(only);
  });

  it('without coalescing (raw framing), writes every frame on its own', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink, new FlushScheduler(), false);
    queue.enqueue(frame('no'));
    queue.enqueue(frame('delimiters'));
    expect(sink.writes).toEqual([]);
    await turn();
    expect(sink.writes.map(String)).toEqual(['no', 'delimiters']);
  });
});

describe('OutboundQueue: frames shared between receivers', () => {
  it('gives receivers of the same frames in a turn the same joined buffer', async () => {
    const scheduler = new FlushScheduler();
    const sinks = [new HeldWritable(), new HeldWritable(), new HeldWritable()];
    const [a, b, c] = sinks.map((sink) => queueOn(sink, scheduler)) as [OutboundQueue, OutboundQueue, OutboundQueue];
    // Two broadcasts to all three, as the hub queues them: one frame for one receiver after another.
    for (const text of ['first\n', 'second\n']) {
      const shared = frame(text);
      for (const queue of [a, b, c]) queue.enqueue(shared);
    }
    // Then one frame for `c` alone.
    c.enqueue(frame('just c\n'));
    await turn();
    const [sa, sb, sc] = sinks as [HeldWritable, HeldWritable, HeldWritable];
    expect(sa.writes.map(String)).toEqual(['first\nsecond\n']);
    expect(sb.writes[0]).toBe(sa.writes[0]);
    expect(sc.text).toBe('first\nsecond\njust c\n');
    expect(sc.writes[0]).not.toBe(sa.writes[0]);
  });

  it('keeps order when a frame comes after its turn ended but before this queue was flushed', async () => {
    const scheduler = new FlushScheduler();
    const sink = new HeldWritable();
    const queue = queueOn(sink, scheduler);
    // Flushed just before `queue` in the same end-of-turn run, it queues one more frame: by
    // then the turn's journal is closed, and the new frame starts the next one.
    scheduler.schedule({
      flush: () => {
        queue.enqueue(frame('two\n'));
        queue.enqueue(frame('three\n'));
      },
    });
    queue.enqueue(frame('one\n'));
    await turn();
    expect(sink.text).toBe('one\ntwo\nthree\n');
    expect(queue.queuedBytes).toBe(0);
  });
});

describe('OutboundQueue: backpressure', () => {
  it('stops writing while the socket asks it to, keeps what comes meanwhile, and writes it in one go on drain', async () => {
    const sink = new HeldWritable(16);
    sink.holding = true;
    const queue = queueOn(sink);
    queue.enqueue(frame(`${'x'.repeat(20)}\n`));
    await turn();
    // The socket took the write but asked for no more (20 bytes over a 16-byte mark).
    expect(sink.writes).toHaveLength(1);
    expect(queue.isBlocked).toBe(true);
    for (const text of ['b\n', 'c\n']) {
      queue.enqueue(frame(text));
      await turn();
    }
    queue.enqueue(frame('d\n'));
    await turn();
    expect(sink.writes).toHaveLength(1);
    // What waits here plus what the socket holds unsent.
    expect(queue.queuedBytes).toBe(6 + 21);
    sink.release();
    await turn();
    expect(queue.isBlocked).toBe(false);
    expect(sink.writes.map(String)).toEqual([`${'x'.repeat(20)}\n`, 'b\nc\nd\n']);
    expect(queue.queuedBytes).toBe(0);
    // Flowing again: the next frame is written at the end of its own turn.
    queue.enqueue(frame('e\n'));
    await turn();
    expect(sink.text.endsWith('b\nc\nd\ne\n')).toBe(true);
    expect(sink.writes).toHaveLength(3);
  });

  it('stays blocked through a drain that leaves it over the mark again', async () => {
    const sink = new HeldWritable(16);
    sink.holding = true;
    const queue = queueOn(sink);
    queue.enqueue(frame(`${'1'.repeat(20)}\n`));
    await turn();
    queue.enqueue(frame(`${'2'.repeat(20)}\n`));
    await turn();
    // The drain writes the waiting frame, which the socket again holds: blocked again.
    sink.release(true);
    await turn();
    expect(sink.writes.map(String)).toEqual([`${'1'.repeat(20)}\n`, `${'2'.repeat(20)}\n`]);
    expect(queue.isBlocked).toBe(true);
    queue.enqueue(frame('3\n'));
    await turn();
    expect(sink.writes).toHaveLength(2);
    sink.release();
    await turn();
    expect(sink.text).toBe(`${'1'.repeat(20)}\n${'2'.repeat(20)}\n3\n`);
    expect(queue.isBlocked).toBe(false);
  });

  it('without coalescing, writes the frames that waited one by one', async () => {
    const sink = new HeldWritable(4);
    sink.holding = true;
    const queue = queueOn(sink, new FlushScheduler(), false);
    queue.enqueue(frame('12345'));
    await turn();
    expect(queue.isBlocked).toBe(true);
    queue.enqueue(frame('ab'));
    queue.enqueue(frame('cd'));
    await turn();
    sink.release();
    await turn();
    expect(sink.writes.map(String)).toEqual(['12345', 'ab', 'cd']);
  });
});

describe('OutboundQueue: going away', () => {
  it('discard() drops what waits, so nothing of it is written', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink);
    queue.enqueue(frame('never\n'));
    queue.discard();
    expect(queue.queuedBytes).toBe(0);
    await turn();
    expect(sink.writes).toEqual([]);
  });

  it('discard() drops frames for good: what is queued after it in the same turn goes out alone', async () => {
    const sink = new HeldWritable();
    const queue = queueOn(sink);
    queue.enqueue(frame('dropped\n'));
    queue.discard();
    queue.enqueue(frame('kept\n'));
    await turn();
    expect(sink.text).toBe('kept\n');
  });

  it('drops what waits for a socket that has ended, writing nothing after the end', async () => {
    const sink = new HeldWritable();
    const errors: Error[] = [];
    sink.on('error', (error) => errors.push(error));
    const queue = queueOn(sink);
    queue.enqueue(frame('too late\n'));
    sink.end();
    expect(sink.writable).toBe(false);
    await turn();
    expect(sink.writes).toEqual([]);
    expect(queue.queuedBytes).toBe(0);
    // A write after end() would have failed the stream with ERR_STREAM_WRITE_AFTER_END.
    expect(errors).toEqual([]);
  });
});

describe('OutboundQueue: what receivers share', () => {
  it('hands large frames of a broadcast to every receiver as the same buffers, in one vectored write each', async () => {
    const scheduler = new FlushScheduler();
    const sinks = [new HeldWritable(1 << 20), new HeldWritable(1 << 20), new HeldWritable(1 << 20)];
    const queues = sinks.map((sink) => queueOn(sink, scheduler));
    // Three senders of large lines at once: each receiver gets the two it did not send, so
    // every receiver's run of frames differs from the others'.
    const frames = [0, 1, 2].map((sender) => frame(`${String(sender).repeat(MAX_JOINED_BYTES)}\n`));
    for (const [sender, big] of frames.entries()) {
      for (const [receiver, queue] of queues.entries()) if (receiver !== sender) queue.enqueue(big);
    }
    await turn();
    for (const [receiver, sink] of sinks.entries()) {
      const expected = frames.filter((_, sender) => sender !== receiver);
      expect(sink.vectors).toHaveLength(1);
      // The very buffers that were queued: no receiver holds a copy of its own.
      expect(sink.vectors[0]?.length).toBe(2);
      sink.vectors[0]?.forEach((buffer, index) => {
        expect(buffer).toBe(expected[index]);
      });
    }
  });

  it('keeps what a blocked receiver is owed as the same buffers other receivers got', async () => {
    const scheduler = new FlushScheduler();
    const slow = new HeldWritable(16);
    slow.holding = true;
    const queue = queueOn(slow, scheduler);
    queue.enqueue(frame('first, to block it\n'));
    await turn();
    expect(queue.isBlocked).toBe(true);
    const shared = [frame('one\n'), frame('two\n')];
    for (const item of shared) queue.enqueue(item);
    slow.release();
    await turn();
    expect(slow.vectors.at(-1)?.[0]).toBe(shared[0]);
    expect(slow.vectors.at(-1)?.[1]).toBe(shared[1]);
  });
});
