import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: bound on port 0, read, released. For servers
 * that must be told a port (redis-server, nats-server, the CLI); ours listen on port 0.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        if (port === 0) reject(new Error('could not read the bound port'));
        else resolve(port);
      });
    });
  });
}
