// Finds a Chromium to drive with playwright-core, and launches it the one way
// every browser test in this repository does. Plain JavaScript so the test
// command (scripts/test.mjs) can use the same lookup before any build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTool, findTool } from './systemTool.mjs';

/** Where Chromium or Chrome usually lives, in the order they are tried after `CHROMIUM_PATH`. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/**
 * Flags for a headless Chromium on a machine with no network: without the
 * background-networking ones it keeps trying to reach Google's hosts.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium executable to use: `CHROMIUM_PATH` when set (it must exist),
 * else the first of {@link CHROMIUM_CANDIDATES} that exists.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function findChromium(env = process.env) {
  return findTool(
    { envVar: 'CHROMIUM_PATH', candidates: CHROMIUM_CANDIDATES, label: 'Chromium or Chrome' },
    env,
  );
}

/** The one line that tells a person how to get a browser for the tests. */
export const CHROMIUM_HINT =
  'The browser tests need Chromium: install it (Debian/Ubuntu: `sudo apt-get install chromium`, macOS: `brew install --cask chromium`) or set CHROMIUM_PATH to a Chromium or Chrome executable.';

/**
 * Finds Chromium and, where that is possible without asking (root on Debian
 * or Ubuntu), installs Debian's `chromium` package (see systemTool.mjs). Never throws.
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function ensureChromium({ log = console.log } = {}) {
  return ensureTool({
    envVar: 'CHROMIUM_PATH',
    aptPackage: 'chromium',
    label: 'Chromium',
    find: findChromium,
    log,
  });
}

/**
 * Launches headless Chromium in a fresh, throw-away profile (Playwright's
 * persistent context; it rejects `--user-data-dir` in `args`). `close()`
 * closes the browser and deletes the profile.
 *
 * @param {import('playwright-core').BrowserContextOptions} [options]
 */
export async function launchChromium(options = {}) {
  const found = findChromium();
  if (!found.path) throw new Error(`${found.reason}. ${CHROMIUM_HINT}`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'x-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: found.path,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
