import { IRC_MAX_LINE_BYTES } from './irc-line-decoder.js';
import { lineSafe } from './irc-message.js';

/** The parts of the line (or lines) a server writes. */
export interface IrcLineParts {
  /** The tags, already serialized (`time=...`), without the `@`. */
  readonly tags?: string | undefined;
  /** The source, without its `:` (`irc.example.org`, `alice!alice@host`). */
  readonly source?: string | undefined;
  readonly verb: string;
  /** The parameters before the trailing one: single words (see `middleParam`). */
  readonly middle?: readonly string[] | undefined;
  /** The last parameter, always written after a `:`; may hold spaces, and be split over several lines. */
  readonly trailing?: string | undefined;
}

/** What a middle parameter may not hold. */
const UNSAFE_IN_WORD = /[\r\n\0 ]/;

/** Room left in a line for the trailing parameter's text, at the least, however long its head. */
const MIN_TRAILING_BYTES = 32;

/**
 * The wire text of one message, CR LF included. A trailing parameter that would take the
 * line past 512 bytes (tags not counted) is split over as many lines as it needs, each with
 * the same head, between characters (never inside one's UTF-8 bytes) and at a space where one
 * is near. CR, LF and NUL anywhere become spaces: nothing can end a line early.
 */
export function ircLines(parts: IrcLineParts): string {
  const { head, room } = lineHead(parts);
  if (parts.trailing === undefined) return `${head}\r\n`;
  const text = lineSafe(parts.trailing);
  if (Buffer.byteLength(text) <= room) return `${head} :${text}\r\n`;
  let lines = '';
  for (const piece of splitUtf8(text, room)) lines += `${head} :${piece}\r\n`;
  return lines;
}

/** Bytes a trailing parameter may take in one line with these parts (their `trailing` aside). */
export function trailingRoom(parts: IrcLineParts): number {
  return lineHead(parts).room;
}

/** A line's text up to its trailing parameter, and the bytes left for that parameter. */
function lineHead(parts: IrcLineParts): { head: string; room: number } {
  let head = '';
  if (parts.source !== undefined && parts.source !== '') head = `:${middleParam(parts.source)} `;
  head += middleParam(parts.verb);
  if (parts.middle !== undefined) for (const param of parts.middle) head += ` ${middleParam(param)}`;
  // 512 bytes less the head (tags aside), ` :` and CR LF.
  const room = Math.max(MIN_TRAILING_BYTES, IRC_MAX_LINE_BYTES - Buffer.byteLength(head) - 4);
  if (parts.tags !== undefined && parts.tags !== '') head = `@${asWord(parts.tags)} ${head}`;
  return { head, room };
}

/**
 * A word that can stand as a parameter before the trailing one: CR, LF, NUL and spaces become
 * `_`, an empty word `*`, and a leading `:` is escaped with `_`. Names the hub vouches for
 * (nicknames, rooms) are words already and pass unchanged.
 */
export function middleParam(word: string): string {
  if (word === '') return '*';
  const safe = asWord(word);
  return safe.charCodeAt(0) === 0x3a ? `_${safe}` : safe;
}

/** `text` with CR, LF, NUL and spaces turned into `_`. */
function asWord(text: string): string {
  return UNSAFE_IN_WORD.test(text) ? lineSafe(text).replaceAll(' ', '_') : text;
}

/**
 * Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes each, between characters (a
 * surrogate pair is one character), at the last space of a piece when that space is in its
 * second half (the space stays at the end of the piece, so that joining the pieces gives the
 * text back).
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const limit = Math.max(4, Math.floor(maxBytes));
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let bytes = 0;
    let end = start;
    let lastSpace = -1;
    while (end < text.length) {
      const code = text.codePointAt(end) ?? 0;
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (bytes + size > limit) break;
      bytes += size;
      if (code === 0x20) lastSpace = end;
      end += code >= 0x10000 ? 2 : 1;
    }
    if (end < text.length && lastSpace > start + (end - start) / 2) end = lastSpace + 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
