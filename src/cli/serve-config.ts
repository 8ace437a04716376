import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './flags.js';
import { SERVE_SETTINGS, SETTING_KEYS, type ServeSettings } from './serve-settings.js';

/**
 * A config file that cannot be used: unreadable, not JSON, or with a key or value that is
 * wrong. The CLI prints it without the usage, which would only hide it.
 */
export class ConfigFileError extends UsageError {
  constructor(message: string) {
    super(message, 'serve');
    this.name = 'ConfigFileError';
  }
}

/**
 * Reads `serve --config FILE`: a JSON object whose keys are the settings' config keys
 * (`maxClients`, `idleTimeout`, `chat`...), each value checked as its flag's is. An unknown
 * key is refused by name (with the key it was probably meant to be), so that a typo cannot
 * silently leave a limit at its default. File names in it (`tlsKey`, `tlsCert`) are relative
 * to the file's directory.
 */
export function readConfigFile(file: string): ServeSettings {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`cannot read --config ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new ConfigFileError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigFileError(`${file} must hold a JSON object of settings, such as { "maxClients": 100 }`);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Object.hasOwn(SERVE_SETTINGS, key)) {
      const near = closest(key);
      throw new ConfigFileError(`${file}: unknown key '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`);
    }
    const setting = SERVE_SETTINGS[key as keyof ServeSettings];
    try {
      const read = setting.read(value, `${key} in ${file}`) as unknown;
      settings[key] = setting.file === true && typeof read === 'string' ? resolve(dirname(file), read) : read;
    } catch (error) {
      if (error instanceof UsageError) throw new ConfigFileError(error.message);
      throw error;
    }
  }
  return settings;
}

/** The config key nearest to a misspelt one, if one is near enough to be a likely typo. */
function closest(key: string): string | undefined {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of SETTING_KEYS) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
