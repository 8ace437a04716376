import { AbortError, ConnectError, describeSocketError, NotConnectedError, OfflineQueueFullError } from '../internals.js';
import type { ConsoleSession } from './console-session.js';
import { JsonChatLink } from './connect-json-link.js';
import type { ChatLink, LinkEvents } from './connect-link.js';
import { ConnectionReport } from './connect-report.js';
import { TextChatLink, type TextLinkOptions } from './connect-text-link.js';
import { LineConsole } from './line-console.js';
import { formatAddress, type Terminal } from './terminal.js';

/** What `startChatConsole` needs: the options of `connect`, and the terminal. */
export interface ChatConsoleOptions extends TextLinkOptions {
  readonly terminal: Terminal;
  /** Speak the JSON protocol (`--json`) rather than `framing`. */
  readonly json?: boolean | undefined;
}

/** `/quit [reason]`: a chat hub's way to leave, which the client takes as `exit`. */
const QUIT = /^\/quit(?:\s|$)/i;

/**
 * The documented client at a terminal, grown into a chat client: connects, then sends each
 * line typed at the prompt and prints what arrives above it (`Message received: <text>`, or
 * `alice: hi` for a chat), keeping what is being typed. A lost connection is taken back with
 * the client's backoff, or when the hub said to come back, with one line for each change;
 * with `reconnect: false` the session ends instead, as the documented client's does.
 *
 * `exit` (any case), `/quit` on a chat hub, the end of input or `stop()` close the connection
 * and end with code 0; a server that cannot be reached ends it with code 1, and one that goes
 * away for good (without `reconnect`, or turning the client away) with 0 (1 if the connection
 * broke rather than closed).
 */
export function startChatConsole(options: ChatConsoleOptions): ConsoleSession {
  const { terminal } = options;
  const connecting = new AbortController();
  let lineConsole: LineConsole | undefined;
  /** Lines that arrived while connecting, shown once the connection is announced. */
  const early: string[] = [];
  let leaving = false;
  /** Whether the user was told that what they type waits for the connection to come back. */
  let toldQueued = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const print = (line: string): void => {
    if (lineConsole === undefined) early.push(line);
    else lineConsole.print(line);
  };
  const report = new ConnectionReport(print);

  const events: LinkEvents = {
    print: (line) => {
      if (!leaving) print(line);
    },
    prompt: (prompt) => {
      lineConsole?.setPrompt(prompt);
    },
    farewell: (bye) => {
      report.farewell(bye);
    },
    disconnect: (reason, error) => {
      if (!leaving) report.disconnected(reason, error);
    },
    reconnecting: (delayMs, error) => {
      if (!leaving) report.reconnecting(delayMs, error);
    },
    reconnect: () => {
      toldQueued = false;
      if (!leaving) report.reconnected();
    },
    unsent: (count) => {
      if (!leaving) print(`(${count} line${count === 1 ? '' : 's'} typed while disconnected could not be sent)`);
    },
    end: (error) => {
      if (leaving) return;
      leaving = true;
      const code = report.ended(error);
      lineConsole?.close();
      finish(code);
    },
  };
  const link: ChatLink = options.json === true ? new JsonChatLink(options, events) : new TextChatLink(options, events);

  const leaveChat = (): void => {
    if (leaving) {
      // Asked twice (or after the end): do not wait for the server to acknowledge the close.
      finish(0);
      return;
    }
    leaving = true;
    lineConsole?.close();
    print('Closing connection...');
    void link.close().then(() => {
      finish(0);
    });
  };

  const send = (line: string): void => {
    try {
      if (!link.send(line) && link.isReconnecting && !toldQueued) {
        toldQueued = true;
        print('(not connected: what you type is sent once the connection is back)');
      }
    } catch (error) {
      if (error instanceof OfflineQueueFullError || error instanceof NotConnectedError) print(`(not sent: ${error.message})`);
      else throw error;
    }
  };

  const chat = async (): Promise<number> => {
    terminal.output.write('Starting client...\n');
    try {
      await link.connect(connecting.signal);
    } catch (error) {
      // Stopped while connecting (Ctrl-C, SIGTERM): however the attempt ended, that is a clean end.
      if (error instanceof AbortError || connecting.signal.aborted) return 0;
      terminal.errors.write(`Could not connect to server: ${connectFailure(error, options)}\n`);
      return 1;
    }
    terminal.output.write('Connected to the server.\nType your messages below:\n');
    const chatConsole = new LineConsole(terminal, link.prompt, {
      line: (line) => {
        if (line.trim().toLowerCase() === 'exit') {
          leaveChat();
          return;
        }
        if (link.isChat && QUIT.test(line.trim())) {
          send(line);
          leaveChat();
          return;
        }
        // An empty line sends nothing, as in the documented client (send(b'') writes no bytes).
        if (line !== '') send(line);
        chatConsole.prompt();
      },
      end: leaveChat,
      interrupt: leaveChat,
    });
    lineConsole = chatConsole;
    for (const line of early.splice(0)) chatConsole.print(line);
    if (leaving) chatConsole.close();
    else if (connecting.signal.aborted) leaveChat();
    else chatConsole.prompt();
    return finished;
  };

  return {
    done: chat(),
    stop: () => {
      if (lineConsole === undefined) connecting.abort();
      else leaveChat();
    },
  };
}

function connectFailure(error: unknown, options: ChatConsoleOptions): string {
  const where = options.path ?? formatAddress(options.host, options.port);
  if (!(error instanceof ConnectError)) return describeSocketError(error);
  // Node words a missing socket file as `connect ENOENT <path>`: the path is said once, below.
  const missing = (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return `${missing ? 'no such socket (ENOENT)' : describeSocketError(error.cause)} at ${where}`;
}
