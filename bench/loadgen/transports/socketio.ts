import { io, type Socket } from 'socket.io-client';
import { writePayload } from '../payload.js';
import type { Member, Transport, TransportContext } from '../transport.js';

const EVENT = 'm';

/** socket.io events carrying the payload as a string, WebSocket transport only. */
export function socketioTransport({ target, template, log }: TransportContext): Transport {
  const url = `http://${target.host}:${target.port}`;
  const payloadBytes = template.length;

  function open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000 });
      socket.once('connect', () => {
        socket.off('connect_error', reject);
        resolve(socket);
      });
      socket.once('connect_error', reject);
    });
  }

  return {
    async connect({ inbox }): Promise<Member> {
      const socket = await open();
      let closing = false;
      socket.on('disconnect', (reason) => {
        if (!closing) log.fail(`socket.io disconnected: ${reason}`);
      });
      if (inbox !== undefined) {
        socket.on(EVENT, (message: string) => {
          const bytes = Buffer.from(message, 'latin1');
          if (bytes.length !== payloadBytes) log.fail(`socket.io: message of ${bytes.length} bytes`);
          else inbox.accept(bytes, 0);
        });
      }
      const scratch = Buffer.allocUnsafe(payloadBytes);
      return {
        send(sender, firstSeq, count) {
          for (let i = 0; i < count; i += 1) {
            writePayload(scratch, 0, template, sender, firstSeq + i);
            socket.emit(EVENT, scratch.toString('latin1'));
          }
        },
        close() {
          closing = true;
          socket.disconnect();
        },
      };
    },
    async churnOnce() {
      const socket = await open();
      await new Promise<void>((resolve) => {
        socket.io.engine.once('close', () => {
          resolve();
        });
        socket.disconnect();
      });
    },
  };
}
