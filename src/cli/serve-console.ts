import type { AddressInfo } from 'node:net';
import { AbortError, describeSocketError, ListenError } from '../errors.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { BroadcastHub } from '../hub/hub.js';
import type { FloodOptions } from '../hub/limits/limit-options.js';
import type { Peer } from '../hub/peer.js';
import type { ConsoleSession } from './console-session.js';
import { LineConsole } from './line-console.js';
import { formatAddress, printable, type Terminal } from './terminal.js';

/** What `startServeConsole` needs. */
export interface ServeConsoleOptions {
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
  readonly terminal: Terminal;
  /** Flood control (`--flood`); off when not given. */
  readonly flood?: FloodOptions | undefined;
  /** Serve over TLS with this PEM key and certificate (`--tls-key`, `--tls-cert`). */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
}

/** Sent to every client before the server closes, so that people know why the chat ended. */
export const SHUTDOWN_NOTICE = 'Server is shutting down.';

/**
 * The documented server with its operator console: a hub on `host:port` that logs who comes
 * and goes and what they say, and broadcasts every line typed on the terminal. `exit`, or
 * `stop()`, closes it gracefully (clients are told, queues flushed, sockets closed) and the
 * session ends with code 0. The end of standard input does not stop it.
 */
export function startServeConsole(options: ServeConsoleOptions): ConsoleSession {
  const { terminal } = options;
  const hub = new BroadcastHub({ framing: options.framing, flood: options.flood, ...(options.tls === undefined ? {} : { tls: { key: options.tls.key, cert: options.tls.cert } }) });
  const listening = new AbortController();
  let operatorConsole: LineConsole | undefined;
  let closing: Promise<void> | undefined;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const log = (text: string): void => {
    if (operatorConsole === undefined) terminal.output.write(`${text}\n`);
    else operatorConsole.print(text);
  };
  const who = (peer: Peer): string => formatAddress(peer.remoteAddress, peer.remotePort);

  const shutdown = (code: number): void => {
    if (closing !== undefined) {
      // Asked twice: stop waiting for clients that are slow to take their last bytes.
      for (const peer of hub.clients) peer.destroy('shutdown');
      return;
    }
    listening.abort();
    log('Shutting down server...');
    hub.broadcast(SHUTDOWN_NOTICE);
    closing = hub.close().then(() => {
      operatorConsole?.close();
      log('Server closed.');
      finish(code);
    });
  };

  hub.on('connect', (peer) => {
    log(`New connection from ${who(peer)}`);
  });
  hub.on('message', (message, peer) => {
    log(`Received message from ${who(peer)}: ${printable(message)}`);
  });
  hub.on('disconnect', (peer, reason) => {
    log(`Connection closed from ${who(peer)} (${reason})`);
  });
  hub.on('clientError', (error, peer) => {
    log(`Trouble with ${who(peer)}: ${error.message}`);
  });
  hub.on('error', (error) => {
    terminal.errors.write(`Server error: ${error.message}\n`);
    shutdown(1);
  });

  const onLine = (line: string): void => {
    if (line.trim().toLowerCase() === 'exit') {
      shutdown(0);
      return;
    }
    if (line !== '' && hub.broadcast(line) === 0) log('(no clients connected)');
    operatorConsole?.prompt();
  };

  const serve = async (): Promise<number> => {
    let address: AddressInfo;
    try {
      address = await hub.listen({ host: options.host, port: options.port, signal: listening.signal });
    } catch (error) {
      if (error instanceof AbortError) return 0;
      const reason = error instanceof ListenError ? describeSocketError(error.cause) : describeSocketError(error);
      terminal.errors.write(`Could not start server on ${formatAddress(options.host, options.port)}: ${reason}\n`);
      return 1;
    }
    log(`Server started on ${formatAddress(address.address, address.port)} (framing: ${options.framing})`);
    log("Type a message to send it to every client; 'exit' stops the server.");
    if (closing === undefined) {
      operatorConsole = new LineConsole(terminal, '', {
        line: onLine,
        end: () => {
          if (closing === undefined) log('Console input closed; still serving (stop with Ctrl-C or SIGTERM).');
        },
        interrupt: () => {
          shutdown(0);
        },
      });
      operatorConsole.prompt();
    }
    return finished;
  };

  return {
    done: serve(),
    stop: () => {
      shutdown(0);
    },
  };
}
