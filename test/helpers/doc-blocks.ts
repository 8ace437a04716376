/**
 * The fenced code blocks of the documentation, and the commands of its shell blocks, for
 * test/docs-snippets.test.ts. Pure text work: nothing here runs anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fenced code block of a markdown file. */
export interface DocBlock {
  /** The file, relative to the repository root (`README.md`, `docs/chat.md`). */
  readonly file: string;
  /** The line of the opening fence, from 1. */
  readonly line: number;
  /** The first word of the info string, lower-cased (`ts`, `sh`...); `''` when there is none. */
  readonly lang: string;
  /** The block's text, without its fences, ending in a newline. */
  readonly code: string;
  /**
   * Marked as deliberately incomplete by `<!-- fragment -->` (or `<!-- fragment: why -->`)
   * on the line before the fence, blank lines between allowed.
   */
  readonly fragment: boolean;
}

/** README.md and every docs/*.md, relative to `root`, in a stable order. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const FRAGMENT = /^<!--\s*fragment\b.*-->$/;

/** The fenced code blocks of `file` (relative to `root`); an unclosed fence runs to the end, as in CommonMark. */
export function docBlocks(root: string, file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
  const blocks: DocBlock[] = [];
  let previous = '';
  for (let index = 0; index < lines.length; index += 1) {
    const open = FENCE.exec(lines[index] ?? '');
    if (open === null) {
      const text = (lines[index] ?? '').trim();
      if (text !== '') previous = text;
      continue;
    }
    const [, indent = '', fence = '```', info = ''] = open;
    const body: string[] = [];
    const start = index;
    for (index += 1; index < lines.length; index += 1) {
      const text = lines[index] ?? '';
      const close = FENCE.exec(text);
      if (close !== null && close[2]?.[0] === fence[0] && (close[2]?.length ?? 0) >= fence.length && close[3]?.trim() === '') break;
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
    }
    blocks.push({
      file,
      line: start + 1,
      lang: (info.trim().split(/\s+/)[0] ?? '').toLowerCase(),
      code: body.length === 0 ? '' : `${body.join('\n')}\n`,
      fragment: FRAGMENT.test(previous),
    });
    previous = '';
  }
  return blocks;
}

/**
 * The simple commands of a shell block, each as its words: continuation lines joined,
 * comments and `VAR=value` prefixes dropped, split at `&&`, `||`, `;`, `|` and `&`, quotes
 * removed. Enough for the one-liners documentation shows, not a shell.
 */
export function shellCommands(code: string): string[][] {
  const commands: string[][] = [];
  for (const line of code.replace(/\\\n/g, ' ').split('\n')) {
    let words: string[] = [];
    let word: string | undefined;
    let quote: string | undefined;
    const endWord = (): void => {
      if (word !== undefined) words.push(word);
      word = undefined;
    };
    const endCommand = (): void => {
      endWord();
      while (words.length > 0 && /^[A-Za-z_]\w*=/.test(words[0] ?? '')) words.shift();
      if (words[0] === '$') words.shift();
      if (words.length > 0) commands.push(words);
      words = [];
    };
    for (let at = 0; at < line.length; at += 1) {
      const char = line[at] ?? '';
      if (quote !== undefined) {
        if (char === quote) quote = undefined;
        else word = (word ?? '') + char;
      } else if (char === "'" || char === '"') {
        quote = char;
        word ??= '';
      } else if (char === '#' && word === undefined) {
        break;
      } else if (/\s/.test(char)) {
        endWord();
      } else if ('&|;'.includes(char)) {
        endCommand();
        if (line[at + 1] === char) at += 1;
      } else {
        word = (word ?? '') + char;
      }
    }
    endCommand();
  }
  return commands;
}

/** The options (`--port`, `-p`) among a command's words, without any `=value`. */
export function optionsOf(words: readonly string[]): string[] {
  return words.filter((word) => /^--?[A-Za-z]/.test(word)).map((word) => word.replace(/=.*$/, ''));
}
