/**
 * Programs beside Node that some tests drive as a person would (`nc`, the documented Python
 * chat, `openssl` for throwaway certificates, terminals and browsers). A test that needs one
 * runs when it is installed and is skipped, naming what is missing, when it is not, so that
 * `npm ci && npm test` passes with Node alone. Where tools are required (`REQUIRE_TOOLS=1`, as
 * CI sets, like `REQUIRE_BROKERS=1` for the brokers) a missing one is a failure instead, so that
 * CI can never pass by skipping them.
 */
import { describe as vitestDescribe, it as vitestIt, type TestFunction } from 'vitest';
import { hasCommand } from '../fixtures/spawned.js';

/** Each tool the tests know, with the Debian/Ubuntu package that provides it. */
export const TOOL_PACKAGES = {
  nc: 'netcat-openbsd',
  python3: 'python3',
  openssl: 'openssl',
  tmux: 'tmux',
  chromium: 'chromium',
  irssi: 'irssi',
  'weechat-headless': 'weechat-headless',
} as const;

/** A program some tests need, by its command name. */
export type Tool = keyof typeof TOOL_PACKAGES;

/** Whether a missing tool fails the run rather than skipping its tests. */
export function toolsRequired(): boolean {
  return process.env.REQUIRE_TOOLS === '1';
}

const found = new Map<Tool, boolean>();

function installed(tool: Tool): boolean {
  let present = found.get(tool);
  if (present === undefined) {
    present = hasCommand(tool);
    found.set(tool, present);
  }
  return present;
}

/**
 * Why `tools` cannot all run here, e.g. `nc is not installed (apt-get install netcat-openbsd)`,
 * or `undefined` when they are all on the PATH.
 */
export function missingTools(tools: readonly Tool[]): string | undefined {
  const missing = tools.filter((tool) => !installed(tool));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((tool) => TOOL_PACKAGES[tool]))];
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed (apt-get install ${packages.join(' ')})`;
}

/** Error for a required tool that is missing, as a hook or fixture that runs it should fail. */
export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

/**
 * Throws a `MissingToolError` naming what is missing, for fixtures and hooks that run a tool
 * themselves; the tests around them are skipped (by `needs()`) before they get here unless
 * tools are required.
 */
export function assertTools(...tools: Tool[]): void {
  const missing = missingTools(tools);
  if (missing !== undefined) throw new MissingToolError(toolsRequired() ? `REQUIRE_TOOLS=1 but ${missing}` : missing);
}

// One line per reason and test file, printed while the tests are collected: the default
// reporter shows no skipped test's name, but it shows this.
const announced = new Set<string>();

function announce(tools: readonly Tool[], missing: string): void {
  if (announced.has(missing)) return;
  announced.add(missing);
  console.warn(`skipping the tests that need ${tools.join(', ')}: ${missing}`);
}

/** `it` and `describe` for tests that need some tools. */
export interface ToolGated {
  /** `it(name, fn, timeout)`, run when the tools are installed. */
  it(name: string, fn: TestFunction, timeout?: number): void;
  /** `describe(name, body)`, run when the tools are installed. */
  describe(name: string, body: () => void): void;
}

/**
 * Declares tests that need `tools`: `needs('nc', 'python3').it(...)` or `.describe(...)`.
 * They run when the tools are installed. Otherwise they are skipped with the reason in their
 * title (and one line on stderr), or, under `REQUIRE_TOOLS=1`, replaced by one failing test
 * that names what is missing; skipped or replaced, their hooks do not run.
 */
export function needs(...tools: Tool[]): ToolGated {
  const missing = missingTools(tools);
  if (missing === undefined) {
    return {
      it: (name, fn, timeout) => {
        vitestIt(name, fn, timeout);
      },
      describe: (name, body) => {
        vitestDescribe(name, body);
      },
    };
  }
  const fail = (): never => {
    throw new MissingToolError(`REQUIRE_TOOLS=1 but ${missing}`);
  };
  if (toolsRequired()) {
    return {
      it: (name) => {
        vitestIt(`${name} (needs ${tools.join(', ')})`, fail);
      },
      describe: (name) => {
        vitestDescribe(name, () => {
          vitestIt(`needs ${tools.join(', ')}`, fail);
        });
      },
    };
  }
  return {
    it: (name, fn, timeout) => {
      announce(tools, missing);
      vitestIt.skip(`${name} (skipped: ${missing})`, fn, timeout);
    },
    describe: (name, body) => {
      announce(tools, missing);
      vitestDescribe.skip(`${name} (skipped: ${missing})`, body);
    },
  };
}
