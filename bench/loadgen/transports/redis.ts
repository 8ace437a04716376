import type { Socket } from 'node:net';
import { FrameReader } from '../frame-reader.js';
import { writePayload } from '../payload.js';
import { connectTcp, endAndWait, readThrough, type Member, type Transport, type TransportContext } from '../transport.js';

const CHANNEL = 'bench';
const SUBSCRIBE = `*2\r\n$9\r\nSUBSCRIBE\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n`;
const SUBSCRIBED = `*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`;

/**
 * Redis pub/sub spoken in raw RESP, so that the load generator parses pushes as cheaply as
 * it parses the hub's lines (a client library would cap the measurement below the
 * server's rate). A member that both sends and receives needs two connections, since a
 * subscribed connection cannot publish.
 */
export function redisTransport({ target, template, log }: TransportContext): Transport {
  const payloadBytes = template.length;
  const pushHeader = Buffer.from(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${payloadBytes}\r\n`, 'latin1');
  const publishHeader = Buffer.from(`*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${payloadBytes}\r\n`, 'latin1');
  const commandBytes = publishHeader.length + payloadBytes + 2;

  async function subscriber(onPayload: (source: Buffer, offset: number) => void): Promise<Socket> {
    const socket = await connectTcp(target);
    socket.write(SUBSCRIBE);
    const rest = await readThrough(socket, SUBSCRIBED);
    const reader = new FrameReader(
      { frameBytes: pushHeader.length + payloadBytes + 2, payloadOffset: pushHeader.length, firstByte: 0x2a, lastByte: 0x0a },
      onPayload,
      (line) => {
        log.fail(`redis: unexpected ${JSON.stringify(line)}`);
      },
      (message) => {
        log.fail(`redis: ${message}`);
      },
    );
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
    });
    if (rest.length > 0) reader.push(rest);
    socket.resume();
    return socket;
  }

  async function publisher(): Promise<Socket> {
    const socket = await connectTcp(target);
    // Replies are `:<subscribers>\r\n`; an error reply starts with '-'.
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(0x2d)) log.fail(`redis: error reply ${JSON.stringify(chunk.toString('latin1', 0, 80))}`);
    });
    return socket;
  }

  return {
    async connect({ inbox, sends }): Promise<Member> {
      const sockets: Socket[] = [];
      let closing = false;
      const watch = (socket: Socket): void => {
        socket.on('error', (error) => {
          if (!closing) log.fail(`redis socket: ${error.message}`);
        });
        sockets.push(socket);
      };
      if (inbox !== undefined) {
        watch(
          await subscriber((source, offset) => {
            inbox.accept(source, offset);
          }),
        );
      }
      const out = sends ? await publisher() : undefined;
      if (out !== undefined) watch(out);
      return {
        send(sender, firstSeq, count) {
          if (out === undefined) throw new Error('this redis member does not publish');
          const batch = Buffer.allocUnsafe(count * commandBytes);
          for (let i = 0; i < count; i += 1) {
            const at = i * commandBytes;
            publishHeader.copy(batch, at);
            writePayload(batch, at + publishHeader.length, template, sender, firstSeq + i);
            batch[at + commandBytes - 2] = 0x0d;
            batch[at + commandBytes - 1] = 0x0a;
          }
          out.write(batch);
        },
        close() {
          closing = true;
          for (const socket of sockets) socket.destroy();
        },
      };
    },
    async churnOnce() {
      await endAndWait(await connectTcp(target));
    },
  };
}
