import { ChatClient } from '../client/chat-client.js';
import { AbortError, ConnectError, describeSocketError } from '../errors.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import type { ConsoleSession } from './console-session.js';
import { LineConsole } from './line-console.js';
import { formatAddress, printable, type Terminal } from './terminal.js';

/** What `startChatConsole` needs. */
export interface ChatConsoleOptions {
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
  readonly terminal: Terminal;
  /** Connect over TLS (`--tls`), trusting `ca` if given (`--tls-ca`), else the system's CAs. */
  readonly tls?: { readonly ca?: Buffer } | undefined;
}

/**
 * The documented client at a terminal: connects, then sends each line typed at the `You: `
 * prompt and prints what arrives as `Message received: <text>` above the prompt. `exit` (any
 * case), the end of input or `stop()` closes the connection and ends with code 0; a server
 * that cannot be reached ends it with code 1, and a server that goes away with 0 (1 if the
 * connection broke rather than closed).
 */
export function startChatConsole(options: ChatConsoleOptions): ConsoleSession {
  const { terminal } = options;
  const connecting = new AbortController();
  let leave: (() => void) | undefined;

  const chat = async (): Promise<number> => {
    terminal.output.write('Starting client...\n');
    // The documented client ends when the server goes away; it does not wait for it to return.
    const client = new ChatClient({ host: options.host, port: options.port, framing: options.framing, reconnect: false, ...(options.tls === undefined ? {} : { tls: options.tls }) });
    try {
      await client.connect({ signal: connecting.signal });
    } catch (error) {
      if (error instanceof AbortError) return 0;
      terminal.errors.write(`Could not connect to server: ${connectFailure(error)}\n`);
      return 1;
    }
    terminal.output.write('Connected to the server.\nType your messages below:\n');

    return new Promise<number>((resolve) => {
      let leaving = false;
      const chatConsole = new LineConsole(terminal, 'You: ', {
        line: (line) => {
          if (line.trim().toLowerCase() === 'exit') {
            leaveChat();
            return;
          }
          // An empty line sends nothing, as in the documented client (send(b'') writes no bytes).
          if (line !== '' && client.isConnected) client.send(line);
          chatConsole.prompt();
        },
        end: () => {
          leaveChat();
        },
        interrupt: () => {
          leaveChat();
        },
      });
      const leaveChat = (): void => {
        if (leaving) {
          // Asked twice: do not wait for the server to acknowledge the close.
          resolve(0);
          return;
        }
        leaving = true;
        chatConsole.close();
        chatConsole.print('Closing connection...');
        void client.close().then(() => {
          resolve(0);
        });
      };
      client.on('message', (message) => {
        if (!leaving) chatConsole.print(`Message received: ${printable(message)}`);
      });
      client.on('error', (error) => {
        chatConsole.print(`(a message from the server was dropped: ${error.message})`);
      });
      client.on('disconnect', (reason) => {
        if (leaving) return;
        leaving = true;
        chatConsole.close();
        chatConsole.print('Disconnected from the server.');
        // The server closing the connection, with or without saying why, is a clean end; a broken one is not.
        resolve(reason === 'reset' || reason === 'error' || reason === 'heartbeat' ? 1 : 0);
      });
      leave = leaveChat;
      if (connecting.signal.aborted) leaveChat();
      else chatConsole.prompt();
    });
  };

  return {
    done: chat(),
    stop: () => {
      if (leave === undefined) connecting.abort();
      else leave();
    },
  };
}

function connectFailure(error: unknown): string {
  if (error instanceof ConnectError) return `${describeSocketError(error.cause)} at ${formatAddress(error.host, error.port)}`;
  return describeSocketError(error);
}
