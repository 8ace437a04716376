import { afterAll, afterEach, beforeAll } from 'vitest';

/** Registers `thing` to be closed with `close` when the test's cleanup runs, and returns it. */
export type Track = <T>(thing: T, close: (thing: T) => unknown) => T;

/**
 * What a test opened, and how to close each: `closeAll()` closes them newest first (so a
 * socket goes before the hub it talks to) and reports every failure at once.
 */
export class Closer {
  private readonly closers: (() => unknown)[] = [];

  /** Adds `thing` to what `closeAll()` closes. */
  readonly track: Track = (thing, close) => {
    this.closers.push(() => close(thing));
    return thing;
  };

  /** Closes everything tracked so far, newest first; throws one AggregateError if any close failed. */
  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }
}

/**
 * Registers an `afterEach` that closes everything handed to `track()` during a test,
 * newest first, and returns `track`. Call once at the top of a test file.
 */
export function closeAfterEach(): Track {
  const closer = new Closer();
  afterEach(() => closer.closeAll());
  return closer.track;
}

/** TCP handles (servers and sockets) this process holds open right now. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap' || name === 'TCPSocketWrap').length;
}

/**
 * Collects every uncaught exception and unhandled rejection while the file's tests run, so a
 * test can assert there were none (vitest would report them, but not fail the test that caused them).
 */
export function recordUncaught(): unknown[] {
  const troubles: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    troubles.push(error);
  };
  beforeAll(() => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });
  return troubles;
}
