import { isUtf8 } from 'node:buffer';
import type { Decoder, InvalidUtf8Policy } from './codec.js';

/** Most bytes of one IRC line, its CR LF included, tags not counted (RFC 1459 2.3). */
export const IRC_MAX_LINE_BYTES = 512;
/** Most bytes of a line's tags, the leading `@` and the space after them included (IRCv3 message-tags). */
export const IRC_MAX_TAG_BYTES = 8191;
/** Most bytes of a line without its line ending and tags. */
const MAX_BODY_BYTES = IRC_MAX_LINE_BYTES - 2;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const AT = 0x40;

/** Where an `IrcLineDecoder` reports. Called as methods of this object. */
export interface IrcLineSink {
  /** `replace` (default) substitutes U+FFFD for bytes that are not UTF-8; `reject` drops the line. */
  readonly invalidUtf8?: InvalidUtf8Policy | undefined;
  /** One line, without its line ending; never empty. */
  onLine(line: string): void;
  /**
   * A line went past the limits (512 bytes, or 8191 bytes of tags and 512 more): it is
   * dropped, reported once, and its bytes are skipped up to the next line end. `bytes` is how
   * much of it had arrived when it was found too long.
   */
  onTooLong(bytes: number): void;
  /** A line was not valid UTF-8 and the policy is `reject`: it is dropped. */
  onInvalidUtf8(): void;
  /** The connection is gone (see `Decoder.dispose`). */
  onDispose?(): void;
}

/**
 * Splits a byte stream into IRC lines. A line ends at CR or LF (so `\r\n`, `\n`, and a bare
 * `\r` too: a CR inside a line can never reach anyone as part of a message); empty lines are
 * skipped. At most one line's limit is ever held: a line without tags may have 510 bytes
 * before its line ending, one with tags 8191 bytes of tags and 510 more; a longer line is
 * found out as soon as it passes the limit, reported, and skipped, and the lines after it are
 * read as usual. Bytes are only decoded as UTF-8 once a whole line has arrived, so no chunk
 * boundary can split a character.
 */
export class IrcLineDecoder implements Decoder {
  private readonly sink: IrcLineSink;
  private readonly maxBytes: number;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Inside a line that was too long: drop bytes until the next line end. */
  private skipping = false;
  /** The line being read starts with `@`: it has tags. */
  private tagged = false;
  /** Bytes of its tags with the space after them, once known; -1 until then. */
  private tagBytes = -1;

  /** `maxBytes` lowers the limit of a whole line (the hub's `maxMessageBytes`, when it is smaller). */
  constructor(sink: IrcLineSink, maxBytes: number = IRC_MAX_TAG_BYTES + MAX_BODY_BYTES) {
    this.sink = sink;
    this.maxBytes = Math.max(1, Math.min(maxBytes, IRC_MAX_TAG_BYTES + MAX_BODY_BYTES));
  }

  get bufferedBytes(): number {
    return this.heldBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const end = nextLineEnd(chunk, start);
      if (end === -1) {
        this.hold(chunk, start, chunk.length);
        return;
      }
      if (this.skipping) this.skipping = false;
      else if (this.hold(chunk, start, end)) this.endLine();
      start = end + 1;
    }
  }

  end(): void {
    // The peer's last line had no line ending; it is still what they sent.
    if (!this.skipping && this.heldBytes > 0) this.endLine();
    this.release();
    this.skipping = false;
  }

  dispose(): void {
    this.release();
    this.sink.onDispose?.();
  }

  /** Adds `chunk[start, end)` to the line being read; returns `false` once the line is too long. */
  private hold(chunk: Buffer, start: number, end: number): boolean {
    if (this.skipping) return false;
    if (end === start) return true;
    if (this.heldBytes === 0) {
      this.tagged = chunk[start] === AT;
      this.tagBytes = -1;
    }
    // Where the tags end, once that has arrived.
    if (this.tagged && this.tagBytes === -1) {
      const space = chunk.subarray(start, end).indexOf(SPACE);
      if (space !== -1) this.tagBytes = this.heldBytes + space + 1;
    }
    const size = this.heldBytes + end - start;
    if (size > this.limit()) {
      this.release();
      this.skipping = true;
      this.sink.onTooLong(size);
      return false;
    }
    // Copy, so a few held bytes do not pin a whole socket chunk in memory.
    this.held.push(Buffer.from(chunk.subarray(start, end)));
    this.heldBytes = size;
    return true;
  }

  /** How long the line being read may be: 510 bytes, or with tags as long as its tags (at most 8191) and 510 more. */
  private limit(): number {
    if (!this.tagged) return Math.min(MAX_BODY_BYTES, this.maxBytes);
    if (this.tagBytes === -1) return Math.min(IRC_MAX_TAG_BYTES, this.maxBytes);
    if (this.tagBytes > IRC_MAX_TAG_BYTES) return 0;
    return Math.min(this.tagBytes + MAX_BODY_BYTES, this.maxBytes);
  }

  private endLine(): void {
    if (this.heldBytes === 0) return;
    const line = this.held.length === 1 ? (this.held[0] ?? Buffer.alloc(0)) : Buffer.concat(this.held, this.heldBytes);
    this.release();
    if (this.sink.invalidUtf8 === 'reject' && !isUtf8(line)) {
      this.sink.onInvalidUtf8();
      return;
    }
    // Node replaces each invalid sequence with U+FFFD.
    this.sink.onLine(line.toString('utf8'));
  }

  private release(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}

/** The index of the next CR or LF at or after `from`, or -1. */
function nextLineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  const cr = chunk.indexOf(CR, from);
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}
