import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parseConnectArgs, parseServeArgs, UsageError } from '../src/cli/args.js';
import { assertCliBuilt, cli, killAll, portOf } from './fixtures/spawned.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';

let dir = '';
let keyFile: string;
let certFile: string;

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-cli-tls-'));
  const { key, cert } = selfSignedCertificate();
  keyFile = join(dir, 'key.pem');
  certFile = join(dir, 'cert.pem');
  writeFileSync(keyFile, key);
  writeFileSync(certFile, cert);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
afterEach(killAll);

needs('openssl').describe('CLI TLS options', () => {
  it('parses --tls-key/--tls-cert for serve and --tls/--tls-ca for connect', () => {
    const serve = parseServeArgs(['--tls-key', keyFile, '--tls-cert', certFile]);
    expect(serve.command === 'serve' && serve.tls?.key.toString()).toContain('PRIVATE KEY');
    const connect = parseConnectArgs(['--tls-ca', certFile]);
    expect(connect.command === 'connect' && connect.tls?.ca?.toString()).toContain('CERTIFICATE');
    const system = parseConnectArgs(['--tls']);
    expect(system.command === 'connect' && system.tls).toEqual({});
    const plain = parseConnectArgs([]);
    expect(plain.command === 'connect' && plain.tls).toBeUndefined();
  });

  it('refuses half a key pair, options of the other command, and unreadable files', () => {
    expect(() => parseServeArgs(['--tls-key', keyFile])).toThrow(UsageError);
    expect(() => parseServeArgs(['--tls'])).toThrow(UsageError);
    expect(() => parseConnectArgs(['--tls-key', keyFile])).toThrow(UsageError);
    expect(() => parseConnectArgs(['--tls-ca', join(dir, 'missing.pem')])).toThrow(/cannot read --tls-ca .*ENOENT/);
  });

  it('serve and connect chat over TLS', async () => {
    const server = cli('server', ['serve', '--host', '127.0.0.1', '--port', '0', '--tls-key', keyFile, '--tls-cert', certFile]);
    const port = await portOf(server);
    const alice = cli('alice', ['connect', '127.0.0.1', String(port), '--tls-ca', certFile]);
    const bob = cli('bob', ['connect', '127.0.0.1', String(port), '--tls-ca', certFile]);
    await alice.waitFor('Connected to the server.');
    await bob.waitFor('Connected to the server.');
    // The server logs each connection; wait for both so that bob is in before alice speaks.
    await server.waitFor(/New connection[^\n]*\n[\s\S]*New connection/);
    alice.type('secret hello\n');
    await bob.waitFor('Message received: secret hello');
    const untrusting = cli('carol', ['connect', '127.0.0.1', String(port), '--tls']);
    await untrusting.waitFor(/Could not connect to server: .*self[- ]signed/i, 'stderr');
  });
});
