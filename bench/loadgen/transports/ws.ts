import { WebSocket } from 'ws';
import { writePayload } from '../payload.js';
import type { Member, Transport, TransportContext } from '../transport.js';

/** WebSocket text messages through the `ws` client. */
export function wsTransport({ target, template, log }: TransportContext): Transport {
  const url = `ws://${target.host}:${target.port}/`;
  const payloadBytes = template.length;

  function open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(ws);
      });
      ws.once('error', reject);
    });
  }

  return {
    async connect({ inbox }): Promise<Member> {
      const ws = await open();
      let closing = false;
      ws.on('error', (error) => {
        if (!closing) log.fail(`ws: ${error.message}`);
      });
      if (inbox !== undefined) {
        ws.on('message', (data) => {
          const bytes = data as Buffer;
          if (bytes.length !== payloadBytes) log.fail(`ws: message of ${bytes.length} bytes`);
          else inbox.accept(bytes, 0);
        });
      }
      return {
        send(sender, firstSeq, count) {
          for (let i = 0; i < count; i += 1) {
            const payload = Buffer.allocUnsafe(payloadBytes);
            writePayload(payload, 0, template, sender, firstSeq + i);
            ws.send(payload, { binary: false });
          }
        },
        close() {
          closing = true;
          ws.terminate();
        },
      };
    },
    async churnOnce() {
      const ws = await open();
      await new Promise<void>((resolve) => {
        ws.once('close', () => {
          resolve();
        });
        ws.on('error', () => undefined);
        ws.close();
      });
    },
  };
}
