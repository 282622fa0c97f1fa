import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, installed by scripts/test.sh. */
export const CHROMIUM = process.env.TINTYPE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run. Without chromium they skip with a banner, except in CI (or
 * TEST_SERVERS_STRICT=1), where a missing browser is a failure: the suite must not pass by not running.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const strict =
    process.env.CI === 'true' || process.env.CI === '1' || process.env.TEST_SERVERS_STRICT === '1';
  if (strict)
    throw new Error(`${CHROMIUM} is missing; scripts/test.sh installs it (apt-get install chromium)`);
  console.warn(`\n!!! browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Headless and quiet: no GPU, no sandbox (tests may run as root), and no calls home.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
