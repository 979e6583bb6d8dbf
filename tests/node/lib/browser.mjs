//! Headless Chromium for Guichet's browser tests: Debian's /usr/bin/chromium (installed by
//! infra/setup.sh) driven by playwright-core, whose own browser download cannot work here.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without these Chromium reaches for the network (updates, sync, QUIC probes) and for a GPU.
// Playwright already gives it a fresh temporary --user-data-dir for each launch().
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 30000,
    ...options,
  });
}
