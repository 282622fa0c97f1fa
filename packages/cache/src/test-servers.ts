/**
 * Where the tests find the real storage servers: the variables that
 * scripts/storage-servers/servers.sh writes to .test-servers/env.sh.
 */
import { describe, it } from 'vitest';

/**
 * The named variables, or undefined when one is missing. A backend whose server is missing must
 * not pass silently: locally its suite is skipped with a loud warning; with CI=true it fails.
 * Use as `const env = serverEnv(...); describe.skipIf(!env)(...)`.
 */
export function serverEnv<K extends string>(
  backend: string,
  names: readonly K[],
  /** For extras the project's scripts do not start (Keystone): skipped loudly, even on CI. */
  options: { optional?: boolean } = {},
): Record<K, string> | undefined {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length === 0)
    return Object.fromEntries(names.map((n) => [n, process.env[n]])) as Record<K, string>;
  const why =
    `${backend} storage tests have no server: ${missing.join(', ')} unset. ` +
    'Run `bash scripts/storage-servers/servers.sh start && source .test-servers/env.sh` first.';
  // Same rule as servers.sh: CI=true (or 1) means every backend must run.
  if (!options.optional && (process.env.CI === 'true' || process.env.CI === '1')) {
    describe(`${backend} test server`, () => {
      it('is configured (CI runs every backend)', () => {
        throw new Error(why);
      });
    });
  } else {
    const bar = '!'.repeat(100);
    console.warn(`\n${bar}\n!! SKIPPED: ${why}\n${bar}\n`);
  }
  return undefined;
}
