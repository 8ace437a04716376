/**
 * How a benchmark server process says it is ready: one `LISTENING <port>` line on stdout,
 * which the runner waits for. Also makes SIGTERM and SIGINT end the process through
 * `process.exit`, so that `node --cpu-prof` gets to write its profile.
 */
export function announceListening(port: number, close: () => Promise<void>): void {
  process.stdout.write(`LISTENING ${port}\n`);
  const stop = (): void => {
    const timer = setTimeout(() => process.exit(0), 2000);
    timer.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The `--port N` argument (default 0, any free port). */
export function portArgument(): number {
  const at = process.argv.indexOf('--port');
  const value = at === -1 ? '0' : (process.argv[at + 1] ?? '0');
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad --port ${value}`);
  return port;
}

/** The host every benchmark server binds: loopback only. */
export const LOOPBACK = '127.0.0.1';
