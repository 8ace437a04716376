import { AbortError } from './errors.js';

/** Throws an `AbortError` when `signal` has already fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(signal.reason);
}

/** Runs `onAbort` once if `signal` fires; returns the function that stops listening. */
export function whenAborted(signal: AbortSignal | undefined, onAbort: (error: AbortError) => void): () => void {
  if (signal === undefined) return noop;
  const listener = (): void => {
    onAbort(new AbortError(signal.reason));
  };
  signal.addEventListener('abort', listener, { once: true });
  return () => {
    signal.removeEventListener('abort', listener);
  };
}

function noop(): void {
  // nothing to undo
}
