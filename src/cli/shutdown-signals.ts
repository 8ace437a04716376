/** The signals that ask a console program to stop gracefully. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** One of `SHUTDOWN_SIGNALS`. */
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/**
 * Calls `onSignal` on every SIGINT or SIGTERM instead of letting Node end the process at
 * once, so the program can close its connections first (a second signal may then force it).
 * Returns the function that restores Node's default behaviour.
 */
export function onShutdownSignals(onSignal: (signal: ShutdownSignal) => void): () => void {
  const listeners = SHUTDOWN_SIGNALS.map((signal) => {
    const listener = (): void => {
      onSignal(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
