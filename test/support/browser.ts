/**
 * A real browser for end-to-end tests of the Temporal Web UI: Debian's `chromium` driven by
 * `playwright-core` (which never downloads a browser of its own).
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y --no-install-recommends chromium';

export type BrowserCheck = { run: true } | { run: false; reason: string };

/**
 * Whether browser tests can run here. Without chromium they are skipped, unless
 * KTRDR_REQUIRE_BROWSER=1 (CI) makes a missing browser an error.
 */
export function browserCheck(): BrowserCheck {
  if (fs.existsSync(CHROMIUM_PATH)) return { run: true };
  const reason = `${CHROMIUM_PATH} not found; install it with: ${INSTALL_CHROMIUM}`;
  if (process.env.KTRDR_REQUIRE_BROWSER === '1') {
    throw new Error(`KTRDR_REQUIRE_BROWSER=1 but ${reason}`);
  }
  return { run: false, reason };
}

/** A headless chromium with a fresh profile, quiet on the network (no updates, sync or QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // --no-sandbox: the test machines run as root, where chromium's sandbox refuses to start.
    args: [
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
