import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { farewellAtEnd, farewellOf } from '../protocol/websocket-json.js';
import { CLOSE_ABNORMAL, CLOSE_NORMAL, clientCloseReason, closeFrameFor, type CloseFrame } from '../protocol/websocket-close.js';

/** `WebSocket.OPEN` and `WebSocket.CLOSING`, without loading `ws` for two numbers. */
const OPEN = 1;
const CLOSING = 2;

/**
 * How long a WebSocket whose close handshake the hub started may take to finish it once the hub
 * is done with it, before its TCP connection is cut (ws would wait 30 s).
 */
const CLOSE_HANDSHAKE_GRACE_MS = 1000;

/** The error code of ws for a message over `maxPayload` (it has closed with 1009 already). */
const TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** Options for `new WebSocketStream()`. */
export interface WebSocketStreamOptions {
  /**
   * The client sent a message over `maxPayload`; ws has closed with 1009. Default: the stream
   * fails with ws's error. `attachWebSocket` closes the peer with reason `too-large` instead.
   */
  readonly onTooLarge?: (() => void) | undefined;
  /**
   * The upgraded connection under the WebSocket (the socket `handleUpgrade` was given). When
   * set, every chunk written must be whole server-to-client frames, as a `framed`
   * `createWebSocketJsonProtocol` writes them, and they go to this connection as they are:
   * framed once per broadcast and joined per turn by the hub, not framed by ws per receiver.
   * ws still writes its pings, pongs and close frame there, each a whole frame in order with
   * these. Default: each chunk is one message, which ws frames.
   */
  readonly rawSocket?: Duplex | undefined;
}

/**
 * One WebSocket as the stream a hub peer reads and writes: each WebSocket message is one chunk
 * read (object mode, so chunks are never joined), each chunk written goes out as one text
 * message, or with `rawSocket` as the whole frames it already is. Written chunks stay counted
 * in `writableLength` until they have been handed to the kernel, which is what ws counts in
 * `bufferedAmount`: the hub's output cap and slow-consumer policy see a browser that stops
 * reading as they see a TCP client that does.
 *
 * Ending the stream closes the WebSocket, with the code and reason for the goodbye the hub sent
 * last (a `bye` of `websocketJsonProtocol`, framed or not), or 1000. Destroying it cuts the
 * connection. A close frame from the client ends what is read; a connection lost without one
 * fails the stream with an `ECONNRESET` error, as a reset TCP socket does.
 */
export class WebSocketStream extends Duplex {
  /** The WebSocket underneath. */
  readonly socket: WebSocket;
  /** The close code the client sent (1006 when none came), once the WebSocket is closed. */
  closeCode: number | undefined;
  private readonly onTooLarge: (() => void) | undefined;
  /** Where pre-framed chunks go, when they are. */
  private readonly raw: Duplex | undefined;
  /** The close frame for the goodbye written last, sent when the stream ends. */
  private closeFrame: CloseFrame | undefined;
  /**
   * The frames written last with `rawSocket`: read for a goodbye only when the stream ends, not
   * on every write. Mostly a run the hub shares between every WebSocket of a broadcast.
   */
  private lastFrames: Buffer | undefined;
  private finishClose: (() => void) | undefined;

  constructor(socket: WebSocket, options: WebSocketStreamOptions = {}) {
    // Not half-open: a client that closed its WebSocket can be sent nothing more.
    super({ readableObjectMode: true, allowHalfOpen: false });
    this.socket = socket;
    this.onTooLarge = options.onTooLarge;
    this.raw = options.rawSocket;
    socket.on('message', this.onMessage);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** What the WebSocket says, one message per chunk; pauses it when the reader is behind. */
  private readonly onMessage = (data: RawData): void => {
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!this.push(chunk)) this.socket.pause();
  };

  private readonly onClose = (code: number): void => {
    this.closeCode = code;
    const finish = this.finishClose;
    if (finish !== undefined) {
      // The hub closed it: whatever code came back, this is the end it asked for.
      finish();
      this.push(null);
      return;
    }
    if (code === CLOSE_ABNORMAL && !this.destroyed) {
      const reset = new Error('the WebSocket connection was lost without a close frame (1006)') as NodeJS.ErrnoException;
      reset.code = 'ECONNRESET';
      this.destroy(reset);
      return;
    }
    if (clientCloseReason(code) === 'error' && !this.destroyed) {
      this.destroy(new Error(`the client closed the WebSocket with code ${code}`));
      return;
    }
    this.push(null);
  };

  /** ws reports what it caught in the client's frames; it has started closing with the right code already. */
  private readonly onError = (error: Error): void => {
    if ((error as NodeJS.ErrnoException).code === TOO_LARGE && this.onTooLarge !== undefined) {
      this.onTooLarge();
      return;
    }
    if (!this.destroyed) this.destroy(error);
  };

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.raw === undefined) this.send(chunk, callback);
    else this.writeFrames(this.raw, chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const raw = this.raw;
    if (raw !== undefined) {
      if (chunks.length === 1) {
        this.writeFrames(raw, chunks[0]?.chunk ?? Buffer.alloc(0), callback);
        return;
      }
      raw.cork();
      const last = chunks.length - 1;
      for (let index = 0; index < last; index += 1) this.writeFrames(raw, chunks[index]?.chunk ?? Buffer.alloc(0), undefined);
      this.writeFrames(raw, chunks[last]?.chunk ?? Buffer.alloc(0), callback);
      raw.uncork();
      return;
    }
    const last = chunks.length - 1;
    for (let index = 0; index < last; index += 1) this.send(chunks[index]?.chunk ?? Buffer.alloc(0), undefined);
    this.send(chunks[last]?.chunk ?? Buffer.alloc(0), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.socket.readyState !== OPEN) {
      callback();
      return;
    }
    // A goodbye is the last frame the hub writes, maybe joined to the frames queued before it.
    const farewell = this.lastFrames === undefined ? undefined : farewellAtEnd(this.lastFrames);
    if (farewell !== undefined) this.closeFrame = closeFrameFor(farewell);
    const { code, reason } = this.closeFrame ?? { code: CLOSE_NORMAL, reason: '' };
    // Finished once the client has answered the close frame: the hub's close timeout bounds the wait.
    this.finishClose = () => {
      this.finishClose = undefined;
      callback();
    };
    this.socket.close(code, reason);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.finishClose = undefined;
    const socket = this.socket;
    if (socket.readyState === OPEN) {
      socket.terminate();
    } else if (socket.readyState === CLOSING) {
      // The close handshake is under way: give it a moment, not ws's 30 s.
      setTimeout(() => {
        socket.terminate();
      }, CLOSE_HANDSHAKE_GRACE_MS).unref();
    }
    callback(error);
  }

  /**
   * Whole frames, written to the connection under the WebSocket as they are; the callback runs
   * once they are with the kernel. Only while the WebSocket is open: once ws has started the
   * close handshake, nothing may follow its close frame.
   */
  private writeFrames(raw: Duplex, frames: Buffer, callback: ((error?: Error | null) => void) | undefined): void {
    this.lastFrames = frames;
    if (this.socket.readyState !== OPEN || !raw.writable) {
      // The client is gone or going: what is still written has nowhere to go, as after a FIN.
      callback?.();
      return;
    }
    raw.write(frames, callback);
  }

  /** One frame, one text message; the callback runs once ws has handed it to the kernel. */
  private send(frame: Buffer, callback: ((error?: Error | null) => void) | undefined): void {
    const farewell = farewellOf(frame);
    if (farewell !== undefined) this.closeFrame = closeFrameFor(farewell);
    if (this.socket.readyState !== OPEN) {
      // The client is gone or going: what is still written has nowhere to go, as after a FIN.
      callback?.();
      return;
    }
    this.socket.send(frame, { binary: false }, callback === undefined ? undefined : (error) => {
      callback(error ?? null);
    });
  }
}
