import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Registers an `afterEach` that closes everything handed to `track()` during a test,
 * newest first, and returns `track`. Call once at the top of a test file.
 */
export function closeAfterEach(): <T>(thing: T, close: (thing: T) => unknown) => T {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  });
  return (thing, close) => {
    closers.push(() => close(thing));
    return thing;
  };
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
