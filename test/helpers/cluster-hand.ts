/**
 * A broker transport driven by the test: it keeps what the adapter publishes, and the test
 * hands the adapter frames (other hubs', or its own coming back) through `handlers()`.
 */
import type { BrokerTransport, TransportHandlers } from '../../src/index.js';

/** A transport whose frames the test writes itself; `publish` may stand in for the broker's refusal. */
export function handTransport(
  maxFrameBytes?: number,
  publish: (frame: string) => boolean = () => true,
): { transport: BrokerTransport; handlers: () => TransportHandlers; published: string[] } {
  let given: TransportHandlers | undefined;
  const published: string[] = [];
  const transport: BrokerTransport = {
    name: 'hand',
    ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
    start: (handlers) => {
      given = handlers;
      return Promise.resolve();
    },
    publish: (frame) => {
      const sent = publish(frame);
      if (sent) published.push(frame);
      return sent;
    },
    claim: () => Promise.resolve(true),
    refresh: () => Promise.resolve(),
    release: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return {
    transport,
    published,
    handlers: () => {
      if (given === undefined) throw new Error('not started');
      return given;
    },
  };
}
