// Debian's chromium driven by playwright-core, for the dashboard's browser
// tests. CI installs it (.ci/run); elsewhere those tests are skipped without it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A reason to skip for node:test's `skip` option, or false; CI=true fails instead of skipping. */
export const skipWithoutChromium: string | false = !existsSync(CHROMIUM) && process.env['CI'] !== 'true' ? `${CHROMIUM} is not installed` : false;

/** A launched browser and the profile directory it was given. */
export interface Chromium {
  readonly context: BrowserContext;
  readonly profileDir: string;
  /** Closes the browser, then removes its profile directory. */
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile directory, 1280 × 800. */
export async function launchChromium(): Promise<Chromium> {
  const profileDir = mkdtempSync(join(tmpdir(), 'fairway-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 800 },
    });
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    profileDir,
    async close() {
      await context.close();
      // The profile is a few MB; left behind, every run would add one to /tmp.
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
