import { parseArgs } from 'node:util';
import { hashOperatorPassword } from '../internals.js';
import { UsageError, type InfoCommand } from './flags.js';
import type { Terminal } from './terminal.js';

/** `hash-password`: read an operator password, print its hash for `serve --operator NAME=HASH`. */
export interface HashPasswordCommand {
  readonly command: 'hash-password';
}

/** Longest password read, in characters: far beyond any real one, short of a pasted file. */
const MAX_PASSWORD_LENGTH = 1024;

/** Parses `broadcast-chat hash-password`: no arguments, only `--help` and `--version`. */
export function parseHashPasswordArgs(argv: readonly string[]): HashPasswordCommand | InfoCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new UsageError(message, 'hash-password');
  }
  if (parsed.values.help === true) return { command: 'help', topic: 'hash-password' };
  if (parsed.values.version === true) return { command: 'version' };
  // A password on the command line would stay in the shell's history and in `ps`: it is read instead.
  if (parsed.positionals.length > 0) throw new UsageError('hash-password reads the password from the terminal (or one line of standard input), never from its arguments', 'hash-password');
  return { command: 'hash-password' };
}

/**
 * Reads a password and prints its hash (`scrypt$...`, from the library's
 * `hashOperatorPassword`) on standard output, alone, so that `$(broadcast-chat hash-password)`
 * captures it. At a terminal the password is typed twice without echo, the prompts on standard
 * error; otherwise the first line of standard input is the password. Resolves with the exit
 * code: 0 when printed, 1 when there was no password (empty, the two differ, or input ended).
 */
export async function runHashPassword(terminal: Terminal): Promise<number> {
  const { input } = terminal;
  let password: string | undefined;
  if (input.isTTY === true && typeof (input as { setRawMode?: unknown }).setRawMode === 'function') {
    password = await readHidden(terminal, 'Password: ');
    if (password !== undefined && password !== '') {
      const again = await readHidden(terminal, 'Again: ');
      if (again !== password) {
        terminal.errors.write(again === undefined ? 'No password: nothing printed.\n' : 'The two passwords differ: nothing printed.\n');
        return 1;
      }
    }
  } else {
    password = await readLine(input);
  }
  if (password === undefined || password === '') {
    terminal.errors.write('No password given: nothing printed.\n');
    return 1;
  }
  terminal.output.write(`${await hashOperatorPassword(password)}\n`);
  return 0;
}

/** The first line of a stream that is no terminal (without its line ending); `undefined` when it ends with nothing. */
function readLine(input: Terminal['input']): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (line: string | undefined): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end !== -1) finish(text.slice(0, end).replace(/\r$/, ''));
      else if (text.length > MAX_PASSWORD_LENGTH) finish(undefined);
    };
    const onEnd = (): void => {
      finish(text === '' ? undefined : text.replace(/\r$/, ''));
    };
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onEnd);
    input.resume();
  });
}

/**
 * Reads one line at a terminal with echo off (raw mode): Enter ends it, Backspace erases,
 * Ctrl-U starts over, Ctrl-C and Ctrl-D (on an empty line) give up. Nothing typed is shown.
 */
function readHidden(terminal: Terminal, prompt: string): Promise<string | undefined> {
  const input = terminal.input as Terminal['input'] & { setRawMode(mode: boolean): void };
  // Echo off before the prompt shows: what is typed as soon as it appears must not be echoed (nor Ctrl-C be a signal).
  input.setRawMode(true);
  terminal.errors.write(prompt);
  return new Promise((resolve) => {
    let typed = '';
    const finish = (line: string | undefined): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      terminal.errors.write('\n');
      resolve(line);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') {
          finish(typed);
          return;
        }
        if (char === '\u0003' || (char === '\u0004' && typed === '')) {
          finish(undefined);
          return;
        }
        // Backspace takes back one code point: a surrogate pair is one character typed.
        if (char === '\u007f' || char === '\b') typed = typed.replace(/[\s\S]$/u, '');
        else if (char === '\u0015') typed = '';
        else if (char >= ' ' && typed.length < MAX_PASSWORD_LENGTH) typed += char;
      }
    };
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
