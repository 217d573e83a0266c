// Shared helpers for the config tests: temp files that clean up after themselves.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { loadConfig, type CliFlags, type LoadResult } from '../src/config/load.js';
import type { FairwayConfig } from '../src/config/types.js';

const dir = mkdtempSync(join(tmpdir(), 'fairway-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;

/** Writes `text` to a fresh file with the given extension and returns its path. */
export function writeConfig(text: string, ext = 'yaml'): string {
  const file = join(dir, `config-${++counter}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/** Loads and expects success; fails the test with the formatted problems otherwise. */
export function loadOk(input: { file?: string; env?: NodeJS.ProcessEnv; flags?: CliFlags }): FairwayConfig {
  const result = loadConfig({ env: {}, ...input });
  if (!result.ok) {
    throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`);
  }
  return result.config;
}

/** Loads and expects failure; returns the problems as `path: message` lines. */
export function loadErrors(input: { file?: string; env?: NodeJS.ProcessEnv; flags?: CliFlags }): string[] {
  const result: LoadResult = loadConfig({ env: {}, ...input });
  if (result.ok) throw new Error('expected problems, but the config was accepted');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}
