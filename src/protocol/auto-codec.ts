import type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './codec.js';
import { textProtocol, type Protocol } from './protocol.js';
import { lineCodec } from './line-codec.js';
import { RawDecoder, rawCodec } from './raw-codec.js';

const LF = 0x0a;

/**
 * How long `auto` waits, after an undecided peer's last bytes, for the newline that would make
 * it a `line` peer before taking it for `raw`.
 *
 * Long enough that a line written in pieces is still seen whole: on a LAN the pieces of one
 * line arrive well within a millisecond of each other, and the longest ordinary gap is Nagle's
 * algorithm holding the rest of a line until the first piece is acknowledged, which a receiver
 * delaying its ACKs does within 200 ms (the Linux and Windows ceiling). Short enough that a
 * person using the documented Python client, which sends bare text and waits for answers,
 * does not notice: the wait applies to the first message of a connection only.
 */
export const AUTO_DETECT_TIMEOUT_MS = 250;

/** What an undecided peer has sent so far: no newline yet, at most `maxMessageBytes`. */
interface Undecided {
  /** Copies, so that a few held bytes do not pin whole socket reads in memory. */
  readonly chunks: Buffer[];
  bytes: number;
  /** Decides `raw` once the peer has been quiet for `AUTO_DETECT_TIMEOUT_MS`; unref'd. */
  readonly timer: NodeJS.Timeout;
}

/** What a disposed decoder becomes: it takes nothing in and gives nothing out. */
const DISPOSED: Decoder = { push: () => undefined, end: () => undefined, bufferedBytes: 0 };

/**
 * Learns the peer's framing from what it sends first: a newline means `line`; bytes followed by
 * `AUTO_DETECT_TIMEOUT_MS` of quiet with no newline mean `raw` (the documented Python client
 * sends bare text, then waits for answers). Until then the bytes are held, never more than
 * `maxMessageBytes`: a peer that sends more with no newline is taken for `line`, and its first
 * line is refused as too long, as a `line` hub would. The choice then holds for the whole
 * connection, and is reported through `onFramingDetected`.
 *
 * A peer taken for `raw` still has its newlines honoured: each chunk is a message, and a
 * newline inside a chunk ends a message too (the newline itself is dropped, and so are empty
 * messages). The documented Python server relays every client's bytes verbatim, so a client
 * facing it receives bare chunks from Python peers and newline-ended ones from `nc` or
 * `ChatClient` peers, sometimes several in one `recv`; this keeps each of them one message.
 *
 * Holds a timer while undecided: call `dispose()` when the connection closes.
 */
export class AutoDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private inner: Decoder | undefined;
  /** Only between the first bytes and the decision: an idle connection pays for none of it. */
  private undecided: Undecided | undefined;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.inner === undefined ? (this.undecided?.bytes ?? 0) : this.inner.bufferedBytes;
  }

  push(chunk: Buffer): void {
    if (this.inner !== undefined) {
      this.inner.push(chunk);
      return;
    }
    if (chunk.length === 0) return;
    const undecided = this.undecided;
    const held = undecided?.bytes ?? 0;
    if (chunk.includes(LF) || held + chunk.length > this.options.maxMessageBytes) {
      // A newline: a line peer. Or more than one message may hold and still no newline: no raw
      // message could be that long either, and as a line it is refused whole, never relayed in
      // pieces. The line decoder reports it and skips it up to its newline.
      this.decide(lineCodec).push(chunk);
      return;
    }
    if (undecided === undefined) {
      const timer = setTimeout(decideAfterQuiet, AUTO_DETECT_TIMEOUT_MS, this);
      timer.unref();
      this.undecided = { chunks: [Buffer.from(chunk)], bytes: chunk.length, timer };
      return;
    }
    undecided.chunks.push(Buffer.from(chunk));
    undecided.bytes += chunk.length;
    // Quiet is counted from the last bytes: a long first line on a slow link comes in many
    // reads, each soon after the one before. The wait still ends: what is held is bounded.
    undecided.timer.refresh();
  }

  end(): void {
    // The peer stopped sending with no newline: what it sent is one raw message, as after a
    // quiet spell.
    if (this.undecided !== undefined) this.decide(rawCodec);
    this.inner?.end();
  }

  /** The connection is gone: stops the timer and drops what is held, undelivered. */
  dispose(): void {
    if (this.undecided !== undefined) clearTimeout(this.undecided.timer);
    this.undecided = undefined;
    this.inner?.dispose?.();
    this.inner = DISPOSED;
  }

  /**
   * The quiet spell ended with no newline.
   * @internal
   */
  decideQuiet(): void {
    if (this.inner === undefined) this.decide(rawCodec);
  }

  /** Settles on `codec`, reports it, hands it what was held, and returns the decoder to go on with. */
  private decide(codec: Codec<string>): Decoder {
    const undecided = this.undecided;
    this.undecided = undefined;
    if (undecided !== undefined) clearTimeout(undecided.timer);
    this.inner = codec === rawCodec ? unterminatedDecoder(this.options) : lineCodec.createDecoder(this.options);
    this.options.onFramingDetected?.(codec);
    // In one push: as raw, what came before the quiet is one message (however many reads it
    // took); as line it makes no difference. Never over the limit (checked as it was held).
    // (`this.inner`, not a local: a callback may have disposed of the decoder meanwhile.)
    if (undecided !== undefined) {
      const only = undecided.chunks.length === 1 ? undecided.chunks[0] : undefined;
      this.inner.push(only ?? Buffer.concat(undecided.chunks, undecided.bytes));
    }
    return this.inner;
  }
}

/** The timer's callback: `setTimeout(decideAfterQuiet, ms, decoder)` needs no closure per decoder. */
function decideAfterQuiet(decoder: AutoDecoder): void {
  decoder.decideQuiet();
}

/** A raw decoder whose messages are also split at newlines, which are then dropped. */
function unterminatedDecoder(options: DecoderOptions<string>): Decoder {
  return new RawDecoder(new NewlineSplitter(options));
}

/**
 * Splits each raw message at its newlines for the caller's options. An object that forwards
 * (the options may keep their callbacks on a prototype, which a spread would not copy).
 */
class NewlineSplitter implements DecoderOptions<string> {
  readonly maxMessageBytes: number;
  readonly invalidUtf8: InvalidUtf8Policy;
  private readonly options: DecoderOptions<string>;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
    this.maxMessageBytes = options.maxMessageBytes;
    this.invalidUtf8 = options.invalidUtf8 ?? 'replace';
  }

  onMessage(text: string): void {
    for (const piece of text.split('\n')) {
      const message = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
      if (message.length > 0) this.options.onMessage(message);
    }
  }

  onError(error: FramingError): void {
    this.options.onError(error);
  }
}

/**
 * Line framing for peers that end their messages with a newline, raw for those that do
 * not, chosen per connection at the peer's first newline, or after a short quiet with none
 * (see `AutoDecoder`); until then it is written to as `line`. Lets `nc`, `ChatClient` and the documented Python
 * programs share one chat. See `docs/protocol.md` for what detection cannot tell apart.
 */
export const autoCodec: Protocol<string> = {
  ...textProtocol,
  name: 'auto',
  delimited: true,
  encode: (message) => lineCodec.encode(message),
  createDecoder: (options) => new AutoDecoder(options),
};
