import { UsageError, type InfoCommand } from './flags.js';
import { parseConnectArgs, type ConnectCommand } from './connect-args.js';
import { parseHashPasswordArgs, type HashPasswordCommand } from './hash-password.js';
import { parseServeArgs, type ServeCommand } from './serve-args.js';

/** What the command line asks for. */
export type CliCommand = ServeCommand | ConnectCommand | HashPasswordCommand | InfoCommand;

/**
 * Parses `broadcast-chat <serve|connect|hash-password> [options]`. Throws a `UsageError` for an unknown
 * subcommand or flag, a missing value, or a bad port or framing.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  const [first, ...rest] = argv;
  if (first === 'serve') return parseServeArgs(rest, env);
  if (first === 'connect') return parseConnectArgs(rest);
  if (first === 'hash-password') return parseHashPasswordArgs(rest);
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-v') return { command: 'version' };
  if (first === undefined) throw new UsageError('missing command');
  throw new UsageError(`unknown command '${first}'`);
}

export { UsageError, parseConnectArgs, parseServeArgs };
export type { ConnectCommand, HashPasswordCommand, InfoCommand, ServeCommand };
