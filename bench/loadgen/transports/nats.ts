import { FrameReader } from '../frame-reader.js';
import { writePayload } from '../payload.js';
import { connectTcp, endAndWait, readThrough, type Member, type Transport, type TransportContext } from '../transport.js';

const SUBJECT = 'bench';
// echo:false: a member that publishes does not get its own messages back, like the hub.
const CONNECT = `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, echo: false, protocol: 1, lang: 'bench', version: '0' })}\r\n`;

/** NATS core pub/sub spoken in the raw text protocol, for the same reason as Redis (see `redis.ts`). */
export function natsTransport({ target, template, log }: TransportContext): Transport {
  const payloadBytes = template.length;
  const msgHeader = Buffer.from(`MSG ${SUBJECT} 1 ${payloadBytes}\r\n`, 'latin1');
  const pubHeader = Buffer.from(`PUB ${SUBJECT} ${payloadBytes}\r\n`, 'latin1');
  const commandBytes = pubHeader.length + payloadBytes + 2;
  return {
    async connect({ inbox }): Promise<Member> {
      const socket = await connectTcp(target);
      let closing = false;
      socket.on('error', (error) => {
        if (!closing) log.fail(`nats socket: ${error.message}`);
      });
      socket.write(`${CONNECT}${inbox === undefined ? '' : `SUB ${SUBJECT} 1\r\n`}PING\r\n`);
      const rest = await readThrough(socket, 'PONG\r\n');
      const reader = new FrameReader(
        { frameBytes: msgHeader.length + payloadBytes + 2, payloadOffset: msgHeader.length, firstByte: 0x4d, lastByte: 0x0a },
        (source, offset) => {
          if (inbox === undefined) log.fail('nats: message on a connection without a subscription');
          else inbox.accept(source, offset);
        },
        (line) => {
          if (line.startsWith('PING')) socket.write('PONG\r\n');
          else if (line.startsWith('-ERR')) log.fail(`nats: ${line.trim()}`);
        },
        (message) => {
          log.fail(`nats: ${message}`);
        },
      );
      socket.on('data', (chunk: Buffer) => {
        reader.push(chunk);
      });
      if (rest.length > 0) reader.push(rest);
      socket.resume();
      return {
        send(sender, firstSeq, count) {
          const batch = Buffer.allocUnsafe(count * commandBytes);
          for (let i = 0; i < count; i += 1) {
            const at = i * commandBytes;
            pubHeader.copy(batch, at);
            writePayload(batch, at + pubHeader.length, template, sender, firstSeq + i);
            batch[at + commandBytes - 2] = 0x0d;
            batch[at + commandBytes - 1] = 0x0a;
          }
          socket.write(batch);
        },
        close() {
          closing = true;
          socket.destroy();
        },
      };
    },
    async churnOnce() {
      await endAndWait(await connectTcp(target));
    },
  };
}
