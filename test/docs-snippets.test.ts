/**
 * Every code block of README.md and docs/*.md, checked as a reader would use it, so that the
 * documentation cannot rot:
 *
 * - `ts` / `js` blocks are complete programs. Each is written to a throwaway project (ESM,
 *   `"type": "module"`, with `broadcast-chat` installed from this checkout's dist/ as `npm test`
 *   builds it), compiled by `tsc --strict` (TypeScript) and run by `node`. It passes when it
 *   exits 0, or, for a server or a client that stays up, when its top level has finished
 *   without error. A block that talks to a hub without starting one gets a chat hub
 *   (`mixed` framing) from the test; the docs' port 8000 becomes a free port, every server a
 *   snippet starts is bound to 127.0.0.1, broker URLs point at the test brokers, and cluster
 *   prefixes get a random suffix. A block marked `<!-- fragment -->` on the line before it is
 *   a deliberate excerpt and is not run.
 * - `json` blocks parse.
 * - `sh` blocks name commands that exist: `broadcast-chat` subcommands and options its
 *   `--help` lists, npm scripts of package.json, `npx` programs of node_modules/.bin, and the
 *   repository files they run. Usage lines (`broadcast-chat serve [--port PORT]`) in other
 *   blocks are held to `--help` the same way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BroadcastHub } from '../src/index.js';
import { CLI, freePort, ROOT } from './fixtures/spawned.js';
import { reachable, sharedBrokerUrl, type BrokerKind } from './helpers/cluster.js';
import { docBlocks, documentationFiles, optionsOf, shellCommands, type DocBlock } from './helpers/doc-blocks.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { missingTools, needs } from './helpers/tools.js';

const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'cjs']);
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
/** How long a snippet may take to finish its top level. */
const EVALUATE_MS = 20_000;
/** How long a snippet that finished its top level gets to fail late (an unhandled rejection) or exit by itself. */
const SETTLE_MS = 500;

const blocks = documentationFiles(ROOT).flatMap((file) => docBlocks(ROOT, file));
const snippets = blocks.filter((block) => CODE_LANGS.has(block.lang) && !block.fragment).map(toSnippet);
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string>; scripts?: Record<string, string> };

/** A code block as it is compiled and run. */
interface Snippet {
  readonly block: DocBlock;
  /** Its file in the throwaway project, relative to the project. */
  readonly source: string;
  /** What `node` runs, relative to the project. */
  readonly program: string;
  /** Starts a hub of its own (otherwise, if it is a client, the test gives it one). */
  readonly ownHub: boolean;
  readonly client: boolean;
  readonly brokers: readonly BrokerKind[];
}

function toSnippet(block: DocBlock): Snippet {
  const base = `${block.file.replace(/^docs\//, '').replace(/\.md$/i, '').toLowerCase()}-${block.line}`;
  const typescript = block.lang === 'ts' || block.lang === 'typescript';
  const commonJs = block.lang === 'cjs' || (!typescript && /\brequire\(/.test(block.code));
  const source = `snippets/${base}.${typescript ? 'ts' : commonJs ? 'cjs' : 'mjs'}`;
  const code = withoutComments(block.code);
  return {
    block,
    source,
    program: typescript ? `build/${base}.js` : source,
    ownHub: /\bnew BroadcastHub\b/.test(code),
    client: /\b(?:ChatClient|JsonChatClient)\b/.test(code),
    brokers: (['redis', 'nats'] as const).filter((kind) => code.includes(`'broadcast-chat/${kind}'`)),
  };
}

function withoutComments(code: string): string {
  return code.replace(/^\s*\/\/.*$/gm, '');
}

/** The snippet as it runs here: the docs' port, host, brokers and prefixes replaced (see the file's header). */
function rewrite(code: string, port: number, prefixSuffix: string): string {
  const nats = sharedBrokerUrl('nats').replace(/^nats:\/\//, '');
  return code
    .replace(/\b8000\b/g, String(port))
    // The other doors' ports (IRC's 6667) become any free port: snippets only listen on them.
    .replace(/(\bport:\s*)6667\b/g, (_match, before: string) => `${before}0`)
    .replace(/redis:\/\/[^'"`\s]+/g, sharedBrokerUrl('redis'))
    .replace(/nats:\/\/[^'"`\s]+/g, `nats://${nats}`)
    .replace(/(\bprefix:\s*)(['"])([^'"]*)\2/g, `$1$2$3-${prefixSuffix}$2`);
}

// Loaded before every snippet: the docs listen on 0.0.0.0 (or the default host), tests never leave loopback.
const LOOPBACK_PRELOAD = `import { Server } from 'node:net';
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  const [first] = args;
  if (first === undefined || typeof first === 'function' || typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first))) {
    const callback = args.find((arg) => typeof arg === 'function');
    return listen.call(this, { port: Number(first ?? 0) || 0, host: '127.0.0.1' }, ...(callback === undefined ? [] : [callback]));
  }
  if (typeof first === 'object' && first !== null && first.path === undefined && first.fd === undefined && first.handle === undefined && first._handle === undefined) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
`;

// Runs one snippet and tells the test, over IPC, once its top level has finished.
const RUNNER = `await import(process.argv[2]);
process.send?.('evaluated');
process.disconnect?.();
`;

let project = '';
let compileErrors = new Map<string, string[]>();
/** Where each snippet's `8000` went: a port that was free when the snippets were written, one per snippet. */
const ports = new Map<string, number>();
const prefixSuffix = `docs-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  // Bounded wait: a build of the package (the package test makes one) may be writing its
  // declarations at this moment.
  for (const file of ['index.js', 'index.cjs', 'index.d.ts']) {
    for (let tries = 0; tries < 100 && !existsSync(join(ROOT, 'dist', file)); tries += 1) await new Promise((resolve) => setTimeout(resolve, 200));
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run 'npx tsup' (npm test does) before this test`);
  }
  project = mkdtempSync(join(tmpdir(), 'broadcast-chat-docs-'));
  mkdirSync(join(project, 'snippets'));
  // The package as a dependency of the reader's project, copied rather than linked so that a
  // rebuild of dist/ while the snippets run cannot pull it away; its optional peers linked.
  const installed = join(project, 'node_modules', 'broadcast-chat');
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'web'), join(installed, 'web'), { recursive: true });
  for (const peer of ['ioredis', 'nats', 'ws']) symlinkSync(join(ROOT, 'node_modules', peer), join(project, 'node_modules', peer), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-snippets', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        rootDir: 'snippets',
        outDir: 'build',
      },
      include: ['snippets/*.ts'],
    }),
  );
  writeFileSync(join(project, 'loopback.mjs'), LOOPBACK_PRELOAD);
  writeFileSync(join(project, 'run.mjs'), RUNNER);
  // key.pem and cert.pem in the working directory, for the TLS snippets.
  if (missingTools(['openssl']) === undefined) {
    const { key, cert } = selfSignedCertificate();
    writeFileSync(join(project, 'key.pem'), key);
    writeFileSync(join(project, 'cert.pem'), cert);
  }
  for (const snippet of snippets) {
    const port = await freePort();
    ports.set(snippet.source, port);
    writeFileSync(join(project, snippet.source), rewrite(snippet.block.code, port, prefixSuffix));
  }
  compileErrors = await compile();
}, 120_000);

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

/** Compiles every TypeScript snippet in one `tsc` run; returns the errors per snippet, at their lines in the docs. */
async function compile(): Promise<Map<string, string[]>> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  const errors = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const match = /^(snippets\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
    const snippet = match === null ? undefined : snippets.find((candidate) => candidate.source === match[1]);
    if (match === null || snippet === undefined) {
      // Anything but a snippet's own error (tsconfig, types of the package) fails every snippet.
      if (line.trim() !== '' && !line.startsWith(' ')) for (const each of snippets) errors.set(each.source, [...(errors.get(each.source) ?? []), line]);
      continue;
    }
    const at = `${snippet.block.file}:${snippet.block.line + Number(match[2])}:${match[3]}`;
    errors.set(snippet.source, [...(errors.get(snippet.source) ?? []), `${at} ${match[4] ?? ''}`]);
  }
  return errors;
}

interface Run {
  /** Its top level finished (or it exited 0 before it could say so). */
  evaluated: boolean;
  /** How it exited, or `undefined` if it was still running and was killed. */
  code: number | null | undefined;
  output: string;
}

/**
 * Runs a program of the throwaway project (a compiled snippet) as the snippets run: until it
 * exits, or until its top level has finished and it has had SETTLE_MS to fail.
 */
function runProgram(path: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', './loopback.mjs', 'run.mjs', pathToFileURL(join(project, path)).href], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const run: Run = { evaluated: false, code: undefined, output: '' };
  child.stdout?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  return new Promise((resolve) => {
    let timer = setTimeout(() => child.kill('SIGKILL'), EVALUATE_MS);
    child.on('message', () => {
      run.evaluated = true;
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), SETTLE_MS);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') run.code = code;
      if (code === 0) run.evaluated = true;
      resolve(run);
    });
  });
}

/** Runs a snippet, with a chat hub that speaks text and JSON for a client that has no hub of its own. */
async function runSnippet(snippet: Snippet): Promise<Run> {
  const hub = snippet.client && !snippet.ownHub ? new BroadcastHub({ chat: true, framing: 'mixed' }) : undefined;
  try {
    try {
      await hub?.listen({ port: ports.get(snippet.source) ?? 0, host: '127.0.0.1' });
    } catch (error) {
      return { evaluated: false, code: 1, output: String(error) };
    }
    return await runProgram(snippet.program);
  } finally {
    await hub?.close({ timeout: 1000 });
  }
}

/** Gives a snippet another free port: its program (compiled or not) has the old one written in it. */
async function moveToFreshPort(snippet: Snippet): Promise<void> {
  const old = ports.get(snippet.source);
  const port = await freePort();
  ports.set(snippet.source, port);
  if (old === undefined) return;
  const program = join(project, snippet.program);
  writeFileSync(program, readFileSync(program, 'utf8').replace(new RegExp(`\\b${old}\\b`, 'g'), String(port)));
}

/** The missing broker a snippet needs, or `undefined`. */
async function missingBroker(snippet: Snippet): Promise<string | undefined> {
  for (const kind of snippet.brokers) {
    const url = sharedBrokerUrl(kind);
    if (!(await reachable(url))) return `no ${kind} server reachable at ${url}`;
  }
  return undefined;
}

describe('code blocks of the documentation', () => {
  it('run with every server they start bound to 127.0.0.1, whatever host they ask for', async () => {
    writeFileSync(
      join(project, 'listens.mjs'),
      `import { createServer } from 'node:net';
const listens = [(server) => server.listen({ port: 0, host: '0.0.0.0' }), (server) => server.listen({ port: 0 }), (server) => server.listen(0)];
for (const listen of listens) {
  const server = createServer();
  await new Promise((resolve) => listen(server).once('listening', resolve));
  console.log(server.address().address);
  server.close();
}
`,
    );
    const run = await runProgram('listens.mjs');
    expect(run.output.trim().split('\n')).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  for (const snippet of snippets) {
    const { block } = snippet;
    // The TLS snippets read key.pem and cert.pem, which openssl makes.
    needs(...(/\.pem\b/.test(block.code) ? (['openssl'] as const) : [])).it(`${block.file}:${block.line} (${block.lang}) compiles and runs`, async (context) => {
      const broker = await missingBroker(snippet);
      if (broker !== undefined) {
        if (process.env.REQUIRE_BROKERS === '1') throw new Error(`REQUIRE_BROKERS=1 but ${broker}`);
        context.skip(broker);
      }
      expect(compileErrors.get(snippet.source) ?? [], 'tsc').toEqual([]);

      // The port was free when the snippets were written; a test running beside this one may
      // have taken it since (a listen on port 0 can land anywhere): then the snippet runs again
      // on another, at most twice more.
      for (let attempt = 1; ; attempt += 1) {
        const run = await runSnippet(snippet);
        const how =
          run.code !== undefined ? `exited with code ${String(run.code)}` : run.evaluated ? 'stayed up' : `did not finish its top level within ${EVALUATE_MS} ms`;
        const passed = run.evaluated && (run.code === undefined || run.code === 0);
        if (!passed && attempt < 3 && run.output.includes('EADDRINUSE')) {
          await moveToFreshPort(snippet);
          continue;
        }
        expect(passed, `${how}: ${block.file}:${block.line}, run as ${snippet.program}:\n${run.output}`).toBe(true);
        break;
      }
    }, 3 * EVALUATE_MS + 10_000);
  }

  const json = blocks.filter((block) => block.lang === 'json');
  it.each(json.map((block) => [`${block.file}:${block.line}`, block] as const))('%s (json) parses', (_, block) => {
    expect(() => JSON.parse(block.code) as unknown).not.toThrow();
  });
});

describe('commands named by the documentation', () => {
  const helps = new Map<string, { status: number | null; text: string }>();
  /** `broadcast-chat [sub] --help`, once per subcommand. */
  const help = (sub: string | undefined): { status: number | null; text: string } => {
    const key = sub ?? '';
    let result = helps.get(key);
    if (result === undefined) {
      const run = spawnSync(process.execPath, [CLI, ...(sub === undefined ? [] : [sub]), '--help'], { encoding: 'utf8', timeout: 10_000 });
      result = { status: run.status, text: `${run.stdout}${run.stderr}` };
      helps.set(key, result);
    }
    return result;
  };

  /** What is wrong with `broadcast-chat ...words` (after the program name). */
  const cliProblems = (words: readonly string[]): string[] => {
    const sub = words[0] !== undefined && !words[0].startsWith('-') ? words[0] : undefined;
    const { status, text } = help(sub);
    if (status !== 0) return [`'broadcast-chat ${sub ?? ''} --help' exited ${String(status)}: ${text.trim()}`];
    return optionsOf(words)
      .filter((option) => !new RegExp(`(^|[\\s,[|])${option}(?![\\w-])`, 'm').test(text))
      .map((option) => `broadcast-chat ${sub ?? ''}: ${option} is not in its --help`);
  };

  /** Repository files a command runs (`examples/server.ts`, `test/x.test.ts`) that do not exist. */
  const missingFiles = (words: readonly string[]): string[] =>
    words
      .filter((word) => /^[\w.][\w./-]*\/[\w.-]+\.(?:ts|mts|js|mjs|cjs|py)$/.test(word))
      .filter((word) => !existsSync(join(ROOT, word)))
      .map((word) => `${word} does not exist`);

  const commandProblems = (words: readonly string[]): string[] => {
    const [command, ...args] = words;
    const problems = missingFiles(args);
    if (command === 'broadcast-chat') return [...problems, ...cliProblems(args)];
    if (command === 'npx') {
      const [program = '', ...rest] = args;
      if (program === 'broadcast-chat') {
        if (packageJson.bin?.['broadcast-chat'] === undefined) problems.push('package.json has no broadcast-chat bin');
        return [...problems, ...cliProblems(rest)];
      }
      if (!existsSync(join(ROOT, 'node_modules', '.bin', program))) problems.push(`npx ${program}: not in node_modules/.bin`);
    }
    if (command === 'npm') {
      const [verb = '', name = ''] = args;
      const script = verb === 'run' || verb === 'run-script' ? name : ['start', 'test', 'stop', 'restart'].includes(verb) ? verb : undefined;
      if (script !== undefined && packageJson.scripts?.[script] === undefined) problems.push(`npm ${verb}: package.json has no "${script}" script`);
    }
    return problems;
  };

  const shells = blocks.filter((block) => SHELL_LANGS.has(block.lang));
  it.each(shells.map((block) => [`${block.file}:${block.line}`, block] as const))('%s (sh) names commands that exist', (_, block) => {
    const commands = shellCommands(block.code);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.flatMap(commandProblems)).toEqual([]);
  });

  // Usage lines and transcripts outside shell blocks: `broadcast-chat serve [--host HOST] [--framing auto|line|raw]`.
  const usages = blocks
    .filter((block) => !SHELL_LANGS.has(block.lang) && !CODE_LANGS.has(block.lang))
    .flatMap((block) =>
      block.code
        .split('\n')
        .map((line, offset) => ({ line: line.replace(/^\$\s+/, '').trim(), at: `${block.file}:${block.line + 1 + offset}` }))
        .filter(({ line }) => /^(?:npx\s+)?broadcast-chat\b/.test(line)),
    );
  it.each(usages.map((usage) => [usage.at, usage.line] as const))('%s usage line matches --help', (_, line) => {
    const words = line.replace(/^npx\s+/, '').split(/\s+/).slice(1);
    const options = [...line.matchAll(/(?:^|[\s[|])(--?[A-Za-z][\w-]*)/g)].map((match) => match[1] ?? '');
    expect(cliProblems([...words.filter((word) => !word.startsWith('-') && !word.startsWith('[')).slice(0, 1), ...options])).toEqual([]);
  });
});
