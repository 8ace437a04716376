// A named import lets the bundler inline this one field rather than the whole package.json.
import { version as packageVersion } from '../../package.json';

/** The package's version, as `--version` prints it. Inlined into the CLI at build time. */
export const version: string = packageVersion;
