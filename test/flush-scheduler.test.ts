import { describe, expect, it } from 'vitest';
import { FlushScheduler } from '../src/transport/flush-scheduler.js';

/** Lets the scheduler's end-of-turn run happen. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FlushScheduler', () => {
  it('flushes what was scheduled at the end of the turn, once each, in the order scheduled', async () => {
    const scheduler = new FlushScheduler();
    const flushed: string[] = [];
    for (const name of ['a', 'b', 'c']) scheduler.schedule({ flush: () => flushed.push(name) });
    expect(flushed).toEqual([]);
    await turn();
    expect(flushed).toEqual(['a', 'b', 'c']);
    await turn();
    expect(flushed).toEqual(['a', 'b', 'c']);
  });

  it('flushes what a flush schedules in a later turn, not never', async () => {
    const scheduler = new FlushScheduler();
    const flushed: string[] = [];
    const late = { flush: () => flushed.push('late') };
    scheduler.schedule({
      flush: () => {
        flushed.push('early');
        scheduler.schedule(late);
      },
    });
    await turn();
    expect(flushed).toEqual(['early']);
    await turn();
    expect(flushed).toEqual(['early', 'late']);
  });

  it('keeps one journal for a turn and starts a new one for the next, so the frames of a turn are let go', async () => {
    const scheduler = new FlushScheduler();
    const first = scheduler.journal();
    expect(scheduler.journal()).toBe(first);
    scheduler.schedule({ flush: () => undefined });
    // During the run, what flushes queue belongs to the next turn already.
    let during: unknown;
    scheduler.schedule({ flush: () => (during = scheduler.journal()) });
    await turn();
    expect(during).not.toBe(first);
    expect(scheduler.journal()).toBe(during);
  });
});
