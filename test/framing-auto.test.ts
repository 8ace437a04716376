import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  autoCodec,
  InvalidUtf8Error,
  lineCodec,
  MessageTooLargeError,
  mixedCodec,
  rawCodec,
  type BroadcastHub,
  type Codec,
  type Decoder,
  type Peer,
} from '../src/index.js';
import { AUTO_DETECT_TIMEOUT_MS } from '../src/protocol/auto-codec.js';
import { killAll, pythonClient } from './fixtures/spawned.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { byteByByte, chunksOf, decodeChunks, everySplit } from './helpers/decode.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { needs } from './helpers/tools.js';

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const MULTIBYTE = 'é ß € 中文 😀';
const DEFAULT_MAX = 64 * 1024;

/** A decoder of `codec` that records what it reports; the caller pushes, ends and disposes. */
function recorder(codec: Codec<string> = autoCodec, maxMessageBytes = DEFAULT_MAX) {
  const detected: Codec<string>[] = [];
  const messages: string[] = [];
  const errors: unknown[] = [];
  let maxBuffered = 0;
  const decoder: Decoder = codec.createDecoder({
    maxMessageBytes,
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error),
    onFramingDetected: (found) => detected.push(found),
  });
  const push = (...chunks: Buffer[]): void => {
    for (const chunk of chunks) {
      decoder.push(chunk);
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    }
  };
  return { decoder, push, detected, messages, errors, maxBuffered: () => maxBuffered };
}

/** `chunks` pushed one at a time, then `end()`: no time passes, so only newlines and the end decide. */
function detect(chunks: Buffer[], maxMessageBytes = DEFAULT_MAX) {
  const run = recorder(autoCodec, maxMessageBytes);
  run.push(...chunks);
  run.decoder.end();
  return { detected: run.detected, messages: run.messages, errors: run.errors, maxBuffered: run.maxBuffered() };
}

/** How many ref'd timers this process holds: an unref'd one is not counted. */
function refTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

describe('auto framing: deciding at the first newline', () => {
  it('speaks line to a peer whose first chunk holds a newline, and reports it once', () => {
    const { detected, messages } = detect([utf8('one\ntw'), utf8('o\nthree')]);
    expect(detected).toEqual([lineCodec]);
    expect(messages).toEqual(['one', 'two', 'three']);
  });

  it('waits for the newline however the first line is cut: `hel`, then `lo\\n`, is one message', () => {
    const { detected, messages } = detect([utf8('hel'), utf8('lo\n')]);
    expect(detected).toEqual([lineCodec]);
    expect(messages).toEqual(['hello']);
  });

  it('takes a first line fed byte by byte for one line', () => {
    const run = recorder();
    run.push(...byteByByte(utf8(`hello ${MULTIBYTE}\r\nworld\n`)));
    expect(run.detected).toEqual([lineCodec]);
    expect(run.messages).toEqual([`hello ${MULTIBYTE}`, 'world']);
    run.decoder.dispose?.();
  });

  it('decodes the same at every split of the first line, multi-byte characters included', () => {
    const bytes = utf8(`hi ${MULTIBYTE}\n${MULTIBYTE}\r\nlast`);
    for (const [at, chunks] of everySplit(bytes)) {
      const { messages, detected } = detect(chunks);
      expect(detected, `split at ${at}`).toEqual([lineCodec]);
      expect(messages, `split at ${at}`).toEqual([`hi ${MULTIBYTE}`, MULTIBYTE, 'last']);
    }
  });

  it('counts what it holds undecided in bufferedBytes, and ignores empty reads', () => {
    const run = recorder();
    run.push(Buffer.alloc(0));
    expect(run.decoder.bufferedBytes).toBe(0);
    run.push(utf8('abc'), Buffer.alloc(0), utf8('de'));
    expect(run.decoder.bufferedBytes).toBe(5);
    expect(run.detected).toEqual([]);
    run.push(utf8('\n'));
    expect(run.decoder.bufferedBytes).toBe(0);
    expect(run.messages).toEqual(['abcde']);
    run.decoder.dispose?.();
  });

  it('takes a peer that sends more than maxMessageBytes with no newline for line, and refuses that line whole', () => {
    const max = 16;
    const run = recorder(autoCodec, max);
    run.push(...chunksOf(Buffer.alloc(10_000, 'x'), 5));
    // Decided as soon as the held bytes would pass the limit, never holding more.
    expect(run.detected).toEqual([lineCodec]);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toBeInstanceOf(MessageTooLargeError);
    expect(run.maxBuffered()).toBeLessThanOrEqual(max);
    run.push(utf8('\nafter\n'));
    expect(run.messages).toEqual(['after']);
    expect(run.errors).toHaveLength(1);
  });

  it('accepts a first line of exactly maxMessageBytes, in any cut', () => {
    const max = 16;
    const line = Buffer.alloc(max, 'y');
    for (const [at, chunks] of everySplit(Buffer.concat([line, utf8('\r\n')]))) {
      const { messages, errors } = detect(chunks, max);
      expect(errors, `split at ${at}`).toEqual([]);
      expect(messages, `split at ${at}`).toEqual([line.toString()]);
    }
  });

  it('delivers what a peer sent with no newline when it ends, as raw', () => {
    const { detected, messages } = detect([utf8('bye'), utf8(' now')]);
    expect(detected).toEqual([rawCodec]);
    expect(messages).toEqual(['bye now']);
    expect(detect([Buffer.alloc(0)]).detected).toEqual([]);
  });

  it('applies the invalid UTF-8 policy of the detected framing', () => {
    const bad = Buffer.concat([utf8('a'), Buffer.from([0xff]), utf8('\nfine\n')]);
    expect(detect([bad]).messages).toEqual(['a\uFFFD', 'fine']);
    const rejected = decodeChunks(autoCodec, [bad], { invalidUtf8: 'reject' });
    expect(rejected.messages).toEqual(['fine']);
    expect(rejected.errors[0]).toBeInstanceOf(InvalidUtf8Error);
  });

  it('encodes as line', () => {
    expect(autoCodec.encode('hi')).toEqual(utf8('hi\n'));
    expect(decodeChunks(autoCodec, [autoCodec.encode(MULTIBYTE)]).messages).toEqual([MULTIBYTE]);
  });

  it('holds its timer unref\'d, so an undecided peer never keeps a process alive', () => {
    const run = recorder();
    const before = refTimers();
    run.push(utf8('no newline yet'));
    expect(refTimers()).toBe(before);
    run.decoder.dispose?.();
  });
});

describe('auto framing: deciding raw after a quiet spell (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes a peer quiet for the timeout with no newline for raw, and delivers what it held as one message', () => {
    const run = recorder();
    run.push(utf8('hel'), utf8('lo'));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS - 1);
    expect(run.detected).toEqual([]);
    expect(run.messages).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(run.detected).toEqual([rawCodec]);
    expect(run.messages).toEqual(['hello']);
    expect(run.decoder.bufferedBytes).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // From then on each read is a message at once, and newlines still end messages.
    run.push(utf8('again'), utf8('a\nb'));
    expect(run.messages).toEqual(['hello', 'again', 'a', 'b']);
  });

  it('counts the quiet from the last bytes, so a first line in slow pieces is still one line', () => {
    const run = recorder();
    const step = AUTO_DETECT_TIMEOUT_MS - 50;
    for (const piece of ['he', 'll', 'o ', 'wo', 'rl', 'd']) {
      run.push(utf8(piece));
      vi.advanceTimersByTime(step);
    }
    expect(run.detected).toEqual([]);
    run.push(utf8('\n'));
    expect(run.detected).toEqual([lineCodec]);
    expect(run.messages).toEqual(['hello world']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a multi-byte character cut between reads whole in the raw message', () => {
    const run = recorder();
    run.push(...byteByByte(utf8(MULTIBYTE)));
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    expect(run.detected).toEqual([rawCodec]);
    expect(run.messages).toEqual([MULTIBYTE]);
  });

  it('keeps a multi-byte character whole 2 by 2 after deciding raw', () => {
    const run = recorder();
    run.push(utf8('first'));
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    run.push(...chunksOf(utf8(MULTIBYTE), 2));
    run.decoder.end();
    expect(run.messages[0]).toBe('first');
    expect(run.messages.slice(1).join('')).toBe(MULTIBYTE);
  });

  it('holds a raw first message of exactly maxMessageBytes, and delivers it after the quiet', () => {
    const max = 16;
    const run = recorder(autoCodec, max);
    run.push(...chunksOf(Buffer.alloc(max, 'r'), 5));
    expect(run.decoder.bufferedBytes).toBe(max);
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    expect(run.detected).toEqual([rawCodec]);
    expect(run.messages).toEqual(['r'.repeat(max)]);
    expect(run.errors).toEqual([]);
  });

  it('refuses a raw read over the limit once raw, and goes on', () => {
    const max = 16;
    const run = recorder(autoCodec, max);
    run.push(utf8('ok'));
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    run.push(Buffer.alloc(max + 1, 'y'), utf8('after'));
    expect(run.messages).toEqual(['ok', 'after']);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toBeInstanceOf(MessageTooLargeError);
  });

  it('clears its timer when the peer ends', () => {
    const run = recorder();
    run.push(utf8('bye'));
    run.decoder.end();
    expect(vi.getTimerCount()).toBe(0);
    expect(run.detected).toEqual([rawCodec]);
    expect(run.messages).toEqual(['bye']);
  });

  it('starts no timer for a peer that has sent nothing, nor once it is decided', () => {
    const run = recorder();
    run.push(Buffer.alloc(0));
    expect(vi.getTimerCount()).toBe(0);
    run.push(utf8('line\n'), utf8('no newline'));
    expect(vi.getTimerCount()).toBe(0);
    run.decoder.dispose?.();
  });

  it('on dispose, stops the timer and delivers nothing more', () => {
    const run = recorder();
    run.push(utf8('hel'));
    run.decoder.dispose?.();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10 * AUTO_DETECT_TIMEOUT_MS);
    run.push(utf8('lo\n'));
    run.decoder.end();
    expect(run.detected).toEqual([]);
    expect(run.messages).toEqual([]);
    expect(run.decoder.bufferedBytes).toBe(0);
  });

  it('mixed: a text peer is decided like auto, and disposing stops the timer', () => {
    const line = recorder(mixedCodec);
    line.push(utf8('  hel'), utf8('lo\n'));
    expect(line.detected).toEqual([lineCodec]);
    expect(line.messages).toEqual(['  hello']);

    const raw = recorder(mixedCodec);
    raw.push(utf8('hel'), utf8('lo'));
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    expect(raw.detected).toEqual([rawCodec]);
    expect(raw.messages).toEqual(['hello']);

    const gone = recorder(mixedCodec);
    gone.push(utf8('hel'));
    expect(vi.getTimerCount()).toBe(1);
    gone.decoder.dispose?.();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(AUTO_DETECT_TIMEOUT_MS);
    expect(gone.messages).toEqual([]);
  });
});

describe('auto framing on a live hub', () => {
  const track = closeAfterEach();

  async function autoHub(): Promise<{ hub: BroadcastHub; port: number; heard: string[]; errors: Error[] }> {
    const { hub, port } = await startHub(track, { framing: 'auto' }, { close: { timeout: 1000 } });
    const heard: string[] = [];
    const errors: Error[] = [];
    hub.on('message', (message) => heard.push(message));
    hub.on('clientError', (error) => errors.push(error));
    return { hub, port, heard, errors };
  }

  async function peer(port: number): Promise<RawPeer> {
    const socket = await RawPeer.connect(port);
    return track(socket, (opened) => {
      opened.destroy();
    });
  }

  /** The hub's side of `socket`. */
  function peerOf(hub: BroadcastHub, socket: RawPeer): Peer | undefined {
    return [...hub.clients].find((candidate) => candidate.remotePort === socket.socket.localPort);
  }

  it('relays `hel`, then `lo\\n`, as one message `hello`', async () => {
    const { hub, port, heard } = await autoHub();
    const sender = await peer(port);
    const receiver = await peer(port);
    await eventually(() => hub.clients.size === 2, 5000, 'both connections');
    sender.write('hel');
    // The hub has read `hel` on its own before the rest is sent.
    await eventually(() => peerOf(hub, sender)?.bytesIn === 3, 5000, 'the hub to read `hel`');
    sender.write('lo\n');
    sender.write('and more\n');
    expect(await receiver.lines(2)).toEqual(['hello', 'and more']);
    expect(heard).toEqual(['hello', 'and more']);
    expect(peerOf(hub, sender)?.framing).toBe('line');
  });

  it('refuses a 70,000-byte first line whole with the default limit, never relaying a piece of it', async () => {
    const { hub, port, heard, errors } = await autoHub();
    const sender = await peer(port);
    const receiver = await peer(port);
    await eventually(() => hub.clients.size === 2, 5000, 'both connections');
    sender.write(`${'x'.repeat(70_000)}\n`);
    await eventually(() => errors.length > 0, 5000, 'the oversized line to be reported');
    sender.write('after\n');
    expect(await receiver.lines(1)).toEqual(['after']);
    expect(receiver.text).toBe('after\n');
    expect(heard).toEqual(['after']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError);
    expect(peerOf(hub, sender)?.framing).toBe('line');
  });

  it('takes a peer that sends more than the limit and no newline for line, and refuses that line', async () => {
    const { hub, port, heard, errors } = await autoHub();
    const sender = await peer(port);
    const receiver = await peer(port);
    await eventually(() => hub.clients.size === 2, 5000, 'both connections');
    sender.write('x'.repeat(70_000));
    await eventually(() => errors.length > 0, 5000, 'the oversized line to be reported');
    expect(peerOf(hub, sender)?.framing).toBe('line');
    expect(peerOf(hub, sender)?.bytesBuffered).toBe(0);
    sender.write('\nafter\n');
    expect(await receiver.lines(1)).toEqual(['after']);
    expect(receiver.text).toBe('after\n');
    expect(heard).toEqual(['after']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError);
  });

  it('still relays a raw client (bare text, then waiting) after the timeout, and answers it in raw', async () => {
    const { hub, port, heard } = await autoHub();
    const raw = await peer(port);
    const line = await peer(port);
    await eventually(() => hub.clients.size === 2, 5000, 'both connections');
    raw.write('hello');
    expect(await line.lines(1)).toEqual(['hello']);
    expect(peerOf(hub, raw)?.framing).toBe('raw');
    // Once raw, each read is relayed at once...
    raw.write('again');
    expect(await line.lines(2)).toEqual(['hello', 'again']);
    // ...and what it is sent comes bare.
    line.write('hi raw\n');
    await raw.until((received) => received.toString().includes('hi raw'));
    expect(raw.text).toBe('hi raw');
    expect(heard).toEqual(['hello', 'again', 'hi raw']);
  });

  needs('python3').it('keeps the documented Python client working: it speaks raw and is answered in raw', async () => {
    const { hub, port, heard } = await autoHub();
    const line = await peer(port);
    const python = pythonClient(port);
    try {
      await python.waitFor('Connected to the server.\nType your messages below:\n');
      python.type('hi from python\n');
      expect(await line.lines(1)).toEqual(['hi from python']);
      const pythonPeer = [...hub.clients].find((client) => client !== peerOf(hub, line));
      expect(pythonPeer?.framing).toBe('raw');
      line.write('hi from nc\n');
      await python.waitFor('Message received: hi from nc\n');
      // Bare text: a newline sent to it would show as an empty line after the message.
      expect(python.searched('stdout')).not.toMatch(/\n\n/);
      expect(heard).toEqual(['hi from python', 'hi from nc']);
      python.type('exit\n');
      expect(await python.waitExit()).toEqual({ code: 0, signal: null });
    } finally {
      await killAll();
    }
  }, 20_000);
});
