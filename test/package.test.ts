/**
 * The built package as a consumer gets it: `tsup` builds it (into a temporary copy of the
 * package root, not ./dist), `npm pack` packs it (what the `files` allowlist lets through),
 * and a throwaway project with the tarball unpacked in its node_modules imports it as ESM and
 * requires it as CommonJS, compiles against its types, and relays one message. publint and
 * attw check the same tarball.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (path: string): string => join(root, 'node_modules', path);
const MANIFEST = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; exports: Record<string, unknown> };
/** The optional peer dependencies, each loaded by an entry point of its own. */
const OPTIONAL_PEERS = Object.keys(MANIFEST.peerDependencies);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with a time limit; never rejects, so that the output reaches the assertion. */
function run(command: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

let temp = '';
let tarball = '';
let consumer = '';
let packed: string[] = [];

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'broadcast-chat-package-'));
  // Build into a copy of the package root, not ./dist, which other test files may be running from.
  const pkg = join(temp, 'pkg');
  await mkdir(pkg);
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    await copyFile(join(root, file), join(pkg, file)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || file === 'package.json') throw error;
    });
  }
  // The chat page's static files ship as they are, beside dist/.
  await cp(join(root, 'web'), join(pkg, 'web'), { recursive: true });
  const build = await run(process.execPath, [bin('tsup/dist/cli-default.js'), '--silent', '--out-dir', join(pkg, 'dist')], root, 120_000);
  expect(build.code, `tsup build failed:\n${build.stdout}${build.stderr}`).toBe(0);
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', temp], pkg);
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(temp, info.filename);
  packed = info.files.map((file) => file.path);
  await rm(pkg, { recursive: true });
  consumer = join(temp, 'consumer');
  const installed = join(consumer, 'node_modules', 'broadcast-chat');
  await mkdir(installed, { recursive: true });
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const untar = await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], temp);
  expect(untar.code, untar.stderr).toBe(0);
  // The optional peer dependencies of the cluster entry points, as a consumer who wants them installs them.
  for (const peer of OPTIONAL_PEERS) await symlink(join(root, 'node_modules', peer), join(consumer, 'node_modules', peer), 'dir');
}, 180_000);

afterAll(async () => {
  if (temp !== '') await rm(temp, { recursive: true, force: true });
});

/** Starts a hub, connects two clients, relays one message, closes everything; prints what arrived. */
const relayScript = (load: string): string => `
${load}
const hub = new BroadcastHub();
const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
const a = new ChatClient({ host: '127.0.0.1', port });
const b = new ChatClient({ host: '127.0.0.1', port });
await a.connect();
await b.connect();
while (hub.clients.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
const got = new Promise((resolve) => b.once('message', resolve));
a.send('relayed through the package');
console.log(await got);
await a.close();
await b.close();
await hub.close();
`;

// Subprocesses (tsc above all) are slow when the rest of the suite shares the two cores.
describe('the packed package', { timeout: 60_000 }, () => {
  it('ships the built files and no sources, tests or runtime dependencies', async () => {
    const entries = ['index', 'redis', 'nats'].flatMap((entry) => ['js', 'cjs', 'd.ts', 'd.cts'].map((ext) => `dist/${entry}.${ext}`));
    expect(packed).toEqual(expect.arrayContaining(['package.json', ...entries]));
    expect(packed.filter((path) => path.startsWith('src/') || path.startsWith('test/') || path.startsWith('node_modules/'))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(consumer, 'node_modules/broadcast-chat/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    // The integrations' packages are optional peers, loaded by their own entry points only, never by the core.
    expect(manifest.peerDependenciesMeta).toEqual(Object.fromEntries(OPTIONAL_PEERS.map((peer) => [peer, { optional: true }])));
    for (const file of ['index.js', 'index.cjs']) {
      const code = await readFile(join(consumer, 'node_modules/broadcast-chat/dist', file), 'utf8');
      expect(code, file).not.toMatch(new RegExp(`(from |require\\()['"](${OPTIONAL_PEERS.join('|')})['"]`));
    }
    // typed-emitter is a devDependency: its types must be inlined, not imported.
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const declarations = await readFile(join(consumer, 'node_modules/broadcast-chat/dist', file), 'utf8');
      expect(declarations, file).not.toMatch(/from ['"]typed-emitter['"]/);
      expect(declarations, file).not.toMatch(/['"]rxjs['"]/);
    }
  });

  it('works when imported as ESM', async () => {
    const result = await run(process.execPath, ['--input-type=module', '-e', relayScript("import { BroadcastHub, ChatClient } from 'broadcast-chat';")], consumer, 20_000);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('relayed through the package');
    expect(result.code).toBe(0);
  });

  it('works when required as CommonJS', async () => {
    const script = `(async () => {${relayScript("const { BroadcastHub, ChatClient } = require('broadcast-chat');")}})().catch((error) => { console.error(error); process.exit(1); });`;
    const result = await run(process.execPath, ['--input-type=commonjs', '-e', script], consumer, 20_000);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('relayed through the package');
    expect(result.code).toBe(0);
    const resolved = await run(process.execPath, ['-p', "require.resolve('broadcast-chat')"], consumer);
    expect(resolved.stdout.trim()).toMatch(/dist[\\/]index\.cjs$/);
  });

  it('loads the cluster adapters from broadcast-chat/redis and broadcast-chat/nats, as ESM and CommonJS', async () => {
    const probe = 'console.log([typeof RedisAdapter, typeof NatsAdapter, new RedisAdapter({ redis: { lazyConnect: true } }).hubId.length > 0].join(" "));';
    const esm = await run(process.execPath, ['--input-type=module', '-e', `import { RedisAdapter } from 'broadcast-chat/redis'; import { NatsAdapter } from 'broadcast-chat/nats'; ${probe}`], consumer, 20_000);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function function true');
    const cjs = await run(process.execPath, ['--input-type=commonjs', '-e', `const { RedisAdapter } = require('broadcast-chat/redis'); const { NatsAdapter } = require('broadcast-chat/nats'); ${probe}`], consumer, 20_000);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('function function true');
  });

  it('shares one copy of the core classes between the entry points, as ESM and CommonJS', async () => {
    // An adapter error thrown inside broadcast-chat/redis (or /nats) is an instance of the core's
    // classes, and a hub answers `/nick` with it when the broker is unreachable (a Redis that
    // hangs up on every connection), instead of failing the handler.
    const probe = `
const net = await import('node:net');
const results = [];
for (const adapter of [new RedisAdapter({ redis: { lazyConnect: true } }), new NatsAdapter()]) {
  const error = await adapter.claimNick('bob').then(() => undefined, (caught) => caught);
  results.push(adapter instanceof BrokerAdapter, error instanceof ClusterUnavailableError, error instanceof BroadcastChatError, error?.code);
}
const refuser = net.createServer((socket) => socket.destroy());
await new Promise((resolve) => refuser.listen(0, '127.0.0.1', resolve));
const hub = new BroadcastHub({ chat: true, adapter: new RedisAdapter({ redis: 'redis://127.0.0.1:' + refuser.address().port }) });
hub.on('adapterError', () => undefined);
const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
const socket = net.connect(port, '127.0.0.1');
let text = '';
socket.setEncoding('utf8').on('data', (chunk) => { text += chunk; });
socket.write('/nick bob\\n');
for (let waited = 0; waited < 5000 && !text.includes('\\n!'); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
results.push(text.split('\\n').find((line) => line.startsWith('!')));
socket.destroy();
await hub.close();
refuser.close();
console.log(results.join(' '));
`;
    const expected = "true true true ERR_CLUSTER_UNAVAILABLE true true true ERR_CLUSTER_UNAVAILABLE ! redis: cannot check nickname 'bob' with the other hubs: the broker is unreachable";
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { BroadcastChatError, BroadcastHub, BrokerAdapter, ClusterUnavailableError } from 'broadcast-chat'; import { RedisAdapter } from 'broadcast-chat/redis'; import { NatsAdapter } from 'broadcast-chat/nats';\n${probe}`,
      ],
      consumer,
      20_000,
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe(expected);
    const cjs = await run(
      process.execPath,
      [
        '--input-type=commonjs',
        '-e',
        `const { BroadcastChatError, BroadcastHub, BrokerAdapter, ClusterUnavailableError } = require('broadcast-chat'); const { RedisAdapter } = require('broadcast-chat/redis'); const { NatsAdapter } = require('broadcast-chat/nats');\n(async () => {${probe}})().catch((error) => { console.error(error); process.exit(1); });`,
      ],
      consumer,
      20_000,
    );
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe(expected);
  });

  it('keeps the shared code in chunks that every entry imports, and the broker clients out of the core', async () => {
    const dist = join(consumer, 'node_modules/broadcast-chat/dist');
    const files = await readdir(dist);
    const chunks = files.filter((file) => /^chunk-.*\.(c?js)$/.test(file));
    expect(chunks.some((file) => file.endsWith('.js')) && chunks.some((file) => file.endsWith('.cjs'))).toBe(true);
    for (const file of ['redis.js', 'redis.cjs', 'nats.js', 'nats.cjs']) {
      const code = await readFile(join(dist, file), 'utf8');
      // No class of its own: BrokerAdapter and the errors come from a shared chunk.
      expect(code, file).toMatch(/(from |require\()['"]\.\/chunk-/);
      expect(code, file).not.toMatch(/class \w*(BrokerAdapter|BroadcastChatError|ClusterUnavailableError)\b|var (BrokerAdapter|BroadcastChatError|ClusterUnavailableError) = class/);
    }
    for (const file of chunks) expect(await readFile(join(dist, file), 'utf8'), file).not.toMatch(/(from |require\()['"](ioredis|nats)['"]/);
  });

  it('type-checks for ESM and CommonJS consumers under node16 resolution', async () => {

    const source = (load: string): string => `${load}
const hub = new BroadcastHub<string, { nick: string }>({ framing: 'line' });
hub.on('message', (message: string, peer) => { peer.data.nick = message.toUpperCase(); });
const binary = new ChatClient<Buffer>({ framing: 'length' });
binary.on('message', (message: Buffer) => message.length);
// @ts-expect-error a text hub cannot take binary framing
new BroadcastHub<string>({ framing: 'length' });
export const errors: MessageTooLargeError[] = [];
export const clustered = [new BroadcastHub({ chat: true, adapter: new RedisAdapter({ prefix: 'app' }) }), new BroadcastHub({ adapter: new NatsAdapter({ servers: 'nats:4222' }) })];
`;
    await writeFile(
      join(consumer, 'esm.mts'),
      source("import { BroadcastHub, ChatClient, MessageTooLargeError } from 'broadcast-chat';\nimport { RedisAdapter } from 'broadcast-chat/redis';\nimport { NatsAdapter } from 'broadcast-chat/nats';"),
    );
    // What a CommonJS TypeScript file compiles to a require() of the package.
    await writeFile(
      join(consumer, 'cjs.cts'),
      source(
        "import chat = require('broadcast-chat');\nconst { BroadcastHub, ChatClient } = chat;\ntype MessageTooLargeError = chat.MessageTooLargeError;\nimport { RedisAdapter } from 'broadcast-chat/redis';\nimport { NatsAdapter } from 'broadcast-chat/nats';",
      ),
    );
    const args = [
      bin('typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--types',
      'node',
      '--typeRoots',
      bin('@types'),
      'esm.mts',
      'cjs.cts',
    ];
    const result = await run(process.execPath, args, consumer);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('passes publint', async () => {
    const result = await run(process.execPath, [bin('publint/src/cli.js'), 'run', tarball, '--strict'], temp);
    expect(result.stdout + result.stderr).not.toMatch(/Errors:|Warnings:/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('passes attw under the node16 profile', async () => {
    // `broadcast-chat/browser` is for pages: an ES module with no CommonJS build, by design.
    const result = await run(process.execPath, [bin('@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'node16', '--format', 'ascii', '--exclude-entrypoints', './browser'], temp);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Every entry point resolves for node16 (CJS and ESM) and bundlers. node10 cannot see the
    // subpaths (`broadcast-chat/redis`): it predates `exports`, and the profile ignores it.
    const resolutions = result.stdout.split('\n').filter((line) => /^(node16|bundler)/.test(line));
    const entryPoints = Object.keys(MANIFEST.exports).filter((entry) => entry !== './browser');
    expect(resolutions).toHaveLength(3 * entryPoints.length);
    expect(resolutions.filter((line) => !line.includes('🟢'))).toEqual([]);
  });

  it('leaves nothing but the tarball and the consumer behind', async () => {
    expect((await readdir(temp)).sort()).toEqual(['consumer', tarball.slice(temp.length + 1)].sort());
  });
});
