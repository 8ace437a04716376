import { FrameReader } from '../frame-reader.js';
import { writePayload } from '../payload.js';
import { connectTcp, endAndWait, type Member, type Transport, type TransportContext } from '../transport.js';

const LF = 0x0a;

/** Newline-delimited text over TCP: the hub's default framing, and the `net` baseline relays. */
export function lineTransport({ target, template, log }: TransportContext): Transport {
  const payloadBytes = template.length;
  const frameBytes = payloadBytes + 1;
  // A cluster of hubs: connections go to its hubs in turn, so the sender shares a hub with a third of the receivers.
  const ports = target.ports ?? [target.port];
  let connections = 0;
  const nextPort = (): number => {
    connections += 1;
    return ports[(connections - 1) % ports.length] ?? target.port;
  };
  return {
    async connect({ inbox }): Promise<Member> {
      const socket = await connectTcp(target, nextPort());
      let closing = false;
      socket.on('error', (error) => {
        if (!closing) log.fail(`line socket: ${error.message}`);
      });
      if (inbox === undefined) {
        socket.resume();
      } else {
        const reader = new FrameReader(
          { frameBytes, payloadOffset: 0, firstByte: -1, lastByte: LF },
          (source, offset) => {
            inbox.accept(source, offset);
          },
          (line) => {
            log.fail(`unexpected line ${JSON.stringify(line)}`);
          },
          (message) => {
            log.fail(message);
          },
        );
        socket.on('data', (chunk: Buffer) => {
          reader.push(chunk);
        });
      }
      return {
        send(sender, firstSeq, count) {
          const batch = Buffer.allocUnsafe(count * frameBytes);
          for (let i = 0; i < count; i += 1) {
            writePayload(batch, i * frameBytes, template, sender, firstSeq + i);
            batch[i * frameBytes + payloadBytes] = LF;
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
      await endAndWait(await connectTcp(target, nextPort()));
    },
  };
}
