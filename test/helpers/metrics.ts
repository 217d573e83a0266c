// Reading Prometheus text exposition in tests: scrape, find one sample, count series.
import { spawnSync } from 'node:child_process';
import { request } from 'undici';

export interface Scrape {
  status: number;
  contentType: string;
  text: string;
}

export async function scrape(adminUrl: string): Promise<Scrape> {
  const res = await request(`${adminUrl}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text: await res.body.text() };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 ? line.slice(0, brace) : line.slice(0, space);
    const labels: Record<string, string> = {};
    if (brace >= 0) {
      const body = line.slice(brace + 1, line.lastIndexOf('}'));
      for (const m of body.matchAll(LABEL)) labels[m[1]!] = m[2]!;
    }
    out.push({ name, labels, value: Number(line.slice(space + 1)) });
  }
  return out;
}

/** The value of the one sample with this name whose labels include `labels`; undefined if none. */
export function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** Sum over every sample with this name whose labels include `labels`. */
export function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

/** Number of distinct series (lines) whose name starts with `prefix`. */
export function seriesCount(text: string, prefix = 'fairway_'): number {
  return seriesKeys(text, prefix).length;
}

/** Each series (name and labels) whose name starts with `prefix`, one string apiece. */
export function seriesKeys(text: string, prefix = 'fairway_'): string[] {
  return samples(text)
    .filter((s) => s.name.startsWith(prefix))
    .map((s) => `${s.name}${JSON.stringify(s.labels)}`);
}

export interface PromtoolResult {
  code: number | null;
  output: string;
}

/**
 * Runs `promtool check metrics` on an exposition. Throws with a clear
 * message when promtool is not installed, so the check is never skipped.
 */
export function promtoolCheck(text: string): PromtoolResult {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'promtool is not installed: install the Debian package "prometheus" (apt-get install -y --no-install-recommends prometheus); .ci/run does this'
        : `promtool could not run: ${run.error.message}`,
    );
  }
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}
