/**
 * An entry of the package that `serve` cannot load for a flag it was given: the optional peer
 * dependency that entry needs is not installed, say. Its message is the one line to print.
 */
export class OptionalModuleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OptionalModuleError';
  }
}

/**
 * Imports `specifier`, an entry of this package named by the package's own name
 * (`broadcast-chat/redis`), so that Node resolves it through the package's `exports` from a
 * checkout and from an installation alike, and the bundler leaves it, and the optional package
 * it imports, out of the CLI. Rejects with an `OptionalModuleError` whose message says what to
 * install (`--web needs the ws package, which is not installed: npm install ws`) when
 * `packageName` is missing, or why the entry failed to load otherwise.
 */
export async function importOptional<M>(specifier: string, packageName: string, flag: string): Promise<M> {
  try {
    return (await import(specifier)) as M;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${packageName}'`)) {
      throw new OptionalModuleError(`${flag} needs the ${packageName} package, which is not installed: npm install ${packageName}`, { cause: error });
    }
    throw new OptionalModuleError(`cannot load ${specifier}: ${message.split('\n')[0] ?? message}`, { cause: error });
  }
}
