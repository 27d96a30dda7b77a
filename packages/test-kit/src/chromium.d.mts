import type { BrowserContext, BrowserContextOptions } from 'playwright-core';

/** Where Chromium or Chrome usually lives, in the order they are tried after `CHROMIUM_PATH`. */
export declare const CHROMIUM_CANDIDATES: readonly string[];
/** Flags for a headless Chromium on a machine with no network. */
export declare const CHROMIUM_ARGS: readonly string[];
/** The one line that tells a person how to get a browser for the tests. */
export declare const CHROMIUM_HINT: string;

/** A Chromium executable, or why there is none. */
export type ChromiumLookup = { path: string } | { path: undefined; reason: string };

/** `CHROMIUM_PATH` when set (it must exist), else the first candidate that exists. */
export declare function findChromium(env?: NodeJS.ProcessEnv): ChromiumLookup;
/** Finds Chromium, installing Debian's package where that needs no prompt (root + apt). */
export declare function ensureChromium(options?: { log?: (line: string) => void }): ChromiumLookup;
/** Headless Chromium in a fresh profile; `close()` also deletes the profile. */
export declare function launchChromium(
  options?: BrowserContextOptions,
): Promise<{ context: BrowserContext; close: () => Promise<void> }>;
