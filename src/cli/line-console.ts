import { clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from 'node:readline';
import type { Terminal } from './terminal.js';

/** What a `LineConsole` reports. */
export interface LineConsoleHandlers {
  /** The user entered a line. */
  line: (line: string) => void;
  /** Standard input ended (Ctrl-D, or a closed pipe). */
  end: () => void;
  /** Ctrl-C on a terminal, where readline takes it before it becomes a SIGINT. */
  interrupt: () => void;
}

/**
 * Reads lines typed at a prompt while other output keeps arriving. On a terminal, a line
 * printed while the user is typing goes above the prompt, and the prompt and the partial
 * input are redrawn below it, so neither garbles the other. Elsewhere (pipes, files) the
 * output stays plain lines, with no escape sequences.
 */
export class LineConsole {
  private readonly terminal: Terminal;
  private readonly promptText: string;
  private readonly tty: boolean;
  private readonly rl: Interface;
  /** The prompt is on screen and the cursor is on its line. */
  private prompting = false;
  private closed = false;
  /** Lines printed off a terminal this turn of the event loop, written together at its end. */
  private pendingOutput = '';
  private flushScheduled = false;

  constructor(terminal: Terminal, prompt: string, handlers: LineConsoleHandlers) {
    this.terminal = terminal;
    this.promptText = prompt;
    this.tty = terminal.input.isTTY === true && terminal.output.isTTY === true;
    // Off a terminal readline gets no output: it would only echo prompts we write ourselves.
    this.rl = this.tty
      ? createInterface({ input: terminal.input, output: terminal.output, prompt, terminal: true })
      : createInterface({ input: terminal.input, terminal: false });
    this.rl.on('line', (line) => {
      if (this.closed) return;
      this.flushOutput();
      // Off a terminal nothing echoed the Enter: end the prompt's line ourselves.
      if (this.prompting && !this.tty && prompt !== '') terminal.output.write('\n');
      this.prompting = false;
      handlers.line(line);
    });
    this.rl.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.endPromptLine();
      handlers.end();
    });
    this.rl.on('SIGINT', () => {
      handlers.interrupt();
    });
  }

  /** Shows the prompt and waits for a line. */
  prompt(): void {
    if (this.closed) return;
    this.flushOutput();
    this.prompting = true;
    if (this.tty) {
      this.rl.prompt();
    } else if (this.promptText !== '') {
      this.terminal.output.write(this.promptText);
    }
  }

  /** Prints one line of output above the prompt, then redraws the prompt and what was typed. */
  print(text: string): void {
    if (!this.prompting) {
      if (this.tty) {
        this.terminal.output.write(`${text}\n`);
        return;
      }
      // A busy server logs a line per message: one write per event-loop turn, not per line,
      // keeps the log from costing the chat its throughput.
      this.pendingOutput += `${text}\n`;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushOutput);
      }
      return;
    }
    this.flushOutput();
    this.clearPrompt();
    this.terminal.output.write(`${text}\n`);
    if (this.tty) {
      this.rl.prompt(true);
    } else if (this.promptText !== '') {
      this.terminal.output.write(this.promptText);
    }
  }

  /** Stops reading: takes the prompt off the screen and gives the terminal back. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flushOutput();
    this.closed = true;
    this.endPromptLine();
    this.rl.close();
    // A paused pipe on standard input still keeps the process alive; nothing reads it now.
    this.terminal.input.destroy();
  }

  private readonly flushOutput = (): void => {
    this.flushScheduled = false;
    if (this.pendingOutput === '') return;
    const text = this.pendingOutput;
    this.pendingOutput = '';
    this.terminal.output.write(text);
  };

  /** Removes the prompt line so that the next output starts on a clean line. */
  private endPromptLine(): void {
    if (this.prompting) this.clearPrompt();
    this.prompting = false;
  }

  private clearPrompt(): void {
    const output = this.terminal.output;
    if (!this.tty) {
      if (this.promptText !== '') output.write('\n');
      return;
    }
    // The input may wrap over several rows: go up to the prompt's first row and clear down.
    const { rows } = this.rl.getCursorPos();
    if (rows > 0) moveCursor(output, 0, -rows);
    cursorTo(output, 0);
    clearScreenDown(output);
  }
}
