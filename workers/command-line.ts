/**
 * Mistakes on the command line and in the configuration, said the same way by
 * every tickring command and `npm run bench`: the message (and, for the command
 * line, the command's usage) on stderr, exit code 2, no stack. Exit code 1
 * stays for a run that started and failed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../engine/config/load.js';

/** The exit code of a mistake in what the user gave: the command line or the configuration. */
export const USAGE_EXIT_CODE = 2;

/** A wrong flag, a missing argument or a bad value: the caller's mistake, not the program's. */
export class UsageError extends Error {}

/** parseArgs, strict (an unknown or mistyped flag is a UsageError, never ignored). */
export function parseCommandLine<T extends Omit<ParseArgsConfig, 'strict'>>(config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Runs a command and returns its exit code (null: it keeps running, as `start` does). A UsageError it throws
 * becomes `NAME: message`, the usage and exit code 2; a ConfigError `NAME: message` and exit code 2.
 */
export async function runCommand<T extends number | null>(name: string, usage: string, run: () => T | Promise<T>): Promise<T | number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof UsageError) process.stderr.write(`${name}: ${e.message}\n\n${usage}\n`);
    else if (e instanceof ConfigError) process.stderr.write(`${name}: ${e.message}\n`);
    else throw e;
    return USAGE_EXIT_CODE;
  }
}
