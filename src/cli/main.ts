import { parseCommandLine, parseConnectArgs, parseServeArgs, UsageError, type CliCommand } from './args.js';
import { startChatConsole } from './chat-console.js';
import type { ConsoleSession } from './console-session.js';
import type { Subcommand } from './flags.js';
import { runHashPassword } from './hash-password.js';
import { ConfigFileError } from './serve-config.js';
import { startServeConsole } from './serve-console.js';
import { onShutdownSignals } from './shutdown-signals.js';
import { processTerminal, type Terminal } from './terminal.js';
import { PROGRAM, usage } from './usage.js';
import { version } from './version.js';

/** Where a command runs: its terminal and environment, `process`'s by default. */
export interface RunOptions {
  readonly terminal?: Terminal;
  readonly env?: NodeJS.ProcessEnv;
  /** How the command is invoked, for usage messages (`examples/server.ts`, say). */
  readonly invocation?: string;
}

/**
 * Runs `broadcast-chat <serve|connect|hash-password> [options]` and resolves with the exit code:
 * 0 on success, 1 when the network fails (no server there, port taken) or no password was
 * given to hash, 2 for a bad command line.
 */
export function runCli(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return run(() => parseCommandLine(argv, options.env ?? process.env), options);
}

/** Runs the server with its operator console, from the options of `broadcast-chat serve`. */
export function runServe(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return run(() => parseServeArgs(argv, options.env ?? process.env), options, 'serve');
}

/** Runs the chat client at the terminal, from the arguments of `broadcast-chat connect`. */
export function runConnect(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return run(() => parseConnectArgs(argv), options, 'connect');
}

async function run(parse: () => CliCommand, options: RunOptions, topic?: Subcommand): Promise<number> {
  const terminal = options.terminal ?? processTerminal();
  const invocation = options.invocation;
  let command: CliCommand;
  try {
    command = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // A config file's mistake is the file's, not the command line's: the usage would only bury it.
    if (error instanceof ConfigFileError) {
      terminal.errors.write(`${invocation ?? PROGRAM}: ${error.message}\n`);
      return 2;
    }
    const shown = error.topic ?? topic;
    terminal.errors.write(`${invocation ?? PROGRAM}: ${error.message}\n\n${usage(shown, invocation)}`);
    return 2;
  }
  switch (command.command) {
    case 'help':
      terminal.output.write(usage(command.topic, invocation));
      return 0;
    case 'version':
      terminal.output.write(`${version}\n`);
      return 0;
    case 'serve':
      return untilDone(startServeConsole({ ...command, terminal }));
    case 'connect':
      return untilDone(startChatConsole({ ...command, terminal }));
    case 'hash-password':
      return runHashPassword(terminal);
  }
}

/** Waits for a session to end, turning SIGINT and SIGTERM into graceful stops meanwhile. */
async function untilDone(session: ConsoleSession): Promise<number> {
  const restoreSignals = onShutdownSignals(() => {
    session.stop();
  });
  try {
    return await session.done;
  } finally {
    restoreSignals();
  }
}
