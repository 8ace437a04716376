import type { MessageContext } from './message-context.js';

/** A slash command as typed: `/msg bob hi there` has name `msg`, args `['bob', 'hi', 'there']`, argText `bob hi there`. */
export interface CommandInvocation {
  /** The command's name, lower-cased, without the slash. */
  readonly name: string;
  /** The arguments, split on whitespace. */
  readonly args: readonly string[];
  /** Everything after the name, trimmed: for commands whose last argument is free text. */
  readonly argText: string;
}

/**
 * Runs a slash command. The message that invoked it is dropped (not relayed) unless the
 * handler relays something itself, e.g. with `ctx.hub.relayMessage()`. May be async.
 */
export type CommandHandler<T = string, D = Record<string, unknown>> = (ctx: MessageContext<T, D>, command: CommandInvocation) => void | Promise<void>;

/** What `/help` shows for a command. */
export interface CommandOptions {
  /** Arguments, for `/help`: e.g. `NAME text`. */
  usage?: string;
  /** One line on what it does. */
  description?: string;
}

/** A registered command. */
export interface CommandEntry<T, D> extends CommandOptions {
  readonly name: string;
  readonly handler: CommandHandler<T, D>;
}

const COMMAND_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const INVOCATION = /^\/([A-Za-z][A-Za-z0-9_-]*)(?:\s+([\s\S]*))?$/;

/** Normalises and checks a command name (`'/Roll'` becomes `'roll'`); throws a `TypeError` if it is not one. */
export function commandName(name: string): string {
  const normal = (name.startsWith('/') ? name.slice(1) : name).toLowerCase();
  if (!COMMAND_NAME.test(normal)) throw new TypeError(`invalid command name '${name}': use letters, digits, _ and -, starting with a letter`);
  return normal;
}

/**
 * Reads `/name args` out of a message. Returns `undefined` for anything else, including
 * text starting with `//` (the escape for a message that begins with a slash).
 */
export function parseCommand(text: string): CommandInvocation | undefined {
  if (text.charCodeAt(0) !== 0x2f || text.charCodeAt(1) === 0x2f) return undefined;
  const match = INVOCATION.exec(text.trimEnd());
  if (match === null) return undefined;
  const argText = (match[2] ?? '').trim();
  return { name: (match[1] ?? '').toLowerCase(), args: argText === '' ? [] : argText.split(/\s+/), argText };
}

/** The slash commands of one hub, by name. */
export class CommandRegistry<T, D> {
  private readonly entries = new Map<string, CommandEntry<T, D>>();

  /** How many commands are registered. */
  get size(): number {
    return this.entries.size;
  }

  /** Registers or replaces `name`. */
  set(name: string, handler: CommandHandler<T, D>, options: CommandOptions = {}): void {
    const normal = commandName(name);
    this.entries.set(normal, { ...pick(options), name: normal, handler });
  }

  /** Removes `name`; returns whether it was registered. */
  delete(name: string): boolean {
    return this.entries.delete(commandName(name));
  }

  /** The command called `name`, if any. */
  get(name: string): CommandEntry<T, D> | undefined {
    return this.entries.get(name);
  }

  /** Every command, sorted by name. */
  list(): CommandEntry<T, D>[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function pick(options: CommandOptions): CommandOptions {
  const picked: CommandOptions = {};
  if (options.usage !== undefined) picked.usage = options.usage;
  if (options.description !== undefined) picked.description = options.description;
  return picked;
}
