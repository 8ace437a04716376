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
 * Reads lines typed at a prompt while other output keeps arriving. On a terminal, lines
 * printed while the user is typing go above the prompt, and the prompt and the partial
 * input are redrawn below them, so that neither garbles the other and no printed line is
 * ever erased, whatever the length of the input and the width of the terminal. Elsewhere
 * (pipes, files, `TERM=dumb`) the output stays plain lines, with no escape sequences.
 */
export class LineConsole {
  private readonly terminal: Terminal;
  private promptText: string;
  private readonly tty: boolean;
  private readonly rl: Interface;
  /** The prompt is on screen and the cursor is in it. */
  private prompting = false;
  private closed = false;
  /** Lines printed this turn of the event loop, written together at its end. */
  private pendingOutput = '';
  private flushScheduled = false;

  constructor(terminal: Terminal, prompt: string, handlers: LineConsoleHandlers) {
    this.terminal = terminal;
    this.promptText = prompt;
    // A dumb terminal has a TTY but understands no cursor movement: treat it as a pipe.
    this.tty = terminal.input.isTTY === true && terminal.output.isTTY === true && process.env.TERM !== 'dumb';
    // Off a terminal readline gets no output: it would only echo prompts we write ourselves.
    this.rl = this.tty
      ? createInterface({ input: terminal.input, output: terminal.output, prompt, terminal: true })
      : createInterface({ input: terminal.input, terminal: false });
    this.rl.on('line', (line) => {
      if (this.closed) return;
      // On a terminal readline has moved to a fresh row; elsewhere nothing echoed the Enter:
      // end the prompt's line ourselves. Lines printed meanwhile then go out as plain lines.
      if (this.prompting && !this.tty && this.promptText !== '') terminal.output.write('\n');
      this.prompting = false;
      this.flushOutput();
      handlers.line(line);
    });
    this.rl.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.endPromptLine();
      this.flushOutput();
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

  /** Changes the prompt; one on a terminal is redrawn at once, with what was typed so far. */
  setPrompt(prompt: string): void {
    if (prompt === this.promptText || this.closed) return;
    this.flushOutput();
    // Where the cursor is, measured with the prompt on screen.
    const rows = this.tty ? this.rl.getCursorPos().rows : 0;
    this.promptText = prompt;
    this.rl.setPrompt(prompt);
    if (this.prompting && this.tty) this.redrawPrompt(rows);
  }

  /**
   * Prints one line of output (more if `text` holds newlines) above the prompt, then redraws
   * the prompt and what was typed. Lines printed in one turn of the event loop are written
   * together at its end: a busy chat or server log then costs one redraw, not one per line.
   */
  print(text: string): void {
    if (this.closed) {
      this.terminal.output.write(`${text}\n`);
      return;
    }
    this.pendingOutput += `${text}\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushOutput);
    }
  }

  /** Stops reading: takes the prompt off the screen and gives the terminal back. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endPromptLine();
    this.flushOutput();
    this.rl.close();
    // A paused pipe on standard input still keeps the process alive; nothing reads it now.
    this.terminal.input.destroy();
  }

  private readonly flushOutput = (): void => {
    this.flushScheduled = false;
    if (this.pendingOutput === '') return;
    const text = this.pendingOutput;
    this.pendingOutput = '';
    if (!this.prompting || this.closed) {
      this.terminal.output.write(text);
      return;
    }
    const rows = this.clearPrompt();
    this.terminal.output.write(text);
    // readline redraws its prompt by going up to where it thinks the prompt starts, `rows`
    // above the cursor: give it `rows` blank rows below the lines just printed, so that what
    // it clears is never one of them.
    if (rows > 0) this.terminal.output.write('\n'.repeat(rows));
    this.redrawPrompt(rows);
  };

  /** Removes the prompt so that the next output starts on a clean line. */
  private endPromptLine(): void {
    if (this.prompting) this.clearPrompt();
    this.prompting = false;
  }

  /**
   * Takes the prompt and the input off the screen, leaving the cursor at the start of the
   * row where the prompt began. Returns the row of the input the cursor was on (0 for the
   * prompt's first), which is how far up that was.
   */
  private clearPrompt(): number {
    const output = this.terminal.output;
    if (!this.tty) {
      if (this.promptText !== '') output.write('\n');
      return 0;
    }
    // The input may wrap over several rows (readline measures them in display width, so wide
    // and multi-byte characters count right): go up to the prompt's first row and clear down.
    const { rows } = this.rl.getCursorPos();
    if (rows > 0) moveCursor(output, 0, -rows);
    cursorTo(output, 0);
    clearScreenDown(output);
    return rows;
  }

  /**
   * Draws the prompt and what was typed so far, with the cursor where it was in the input,
   * from `rows` rows above the cursor down.
   */
  private redrawPrompt(rows: number): void {
    if (!this.tty) {
      if (this.promptText !== '') this.terminal.output.write(this.promptText);
      return;
    }
    // readline's redraw goes up as many rows as the cursor was down the input when it last
    // drew it (`prevRows`), and goes wrong when that is out of date: input that arrives in one
    // chunk (a paste, fast typing) is echoed without updating it, even when it wraps. Then
    // it would clear one row too few (leaving a stale row) or too many (erasing a printed
    // line). How far up the prompt starts is known: tell readline, so that its redraw starts there.
    const rl = this.rl as Interface & { prevRows?: unknown };
    if (typeof rl.prevRows === 'number') rl.prevRows = rows;
    rl.prompt(true);
  }
}
