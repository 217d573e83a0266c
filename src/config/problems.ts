// Problems are values: each names where it is (a path into the file, an env
// variable or a flag) and what is accepted there. Nothing here throws.
import type { core } from 'zod';
import { show } from './fields.js';

export interface ConfigProblem {
  /** `pools[0].backends[1].url`, `env PORT`, `--port`, or `file.yaml:3:7`. */
  path: string;
  message: string;
}

/** Joins a path like ['pools', 0, 'url'] into `pools[0].url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

const KIND: Record<string, string> = { array: 'a list', object: 'an object (key: value mapping)' };

/** Turns zod issues into problems; unknown keys become one problem per key. */
export function problemsFromIssues(issues: readonly core.$ZodIssue[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // The schema's error function wrote one message line per key, in order.
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        out.push({ path: formatPath([...issue.path, key]), message: lines[i] ?? lines[0] ?? 'unknown key' });
      });
    } else if (issue.code === 'invalid_type') {
      const input = (issue as { input?: unknown }).input;
      const expected = KIND[issue.expected] ?? issue.expected;
      out.push({
        path: formatPath(issue.path),
        message: input === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${show(input)}`,
      });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** Where each issue is, as key paths; an unknown key's path ends in that key. */
export function issuePaths(issues: readonly core.$ZodIssue[]): (string | number)[][] {
  const keys = (path: readonly PropertyKey[]): (string | number)[] =>
    path.map((part) => (typeof part === 'number' ? part : String(part)));
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...keys(issue.path), key]) : [keys(issue.path)],
  );
}

/** One line per problem: `path: message`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

/** The candidate closest to a misspelt word, if it is plausibly a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

// Optimal string alignment distance: edits plus swaps of neighbours ("prot" -> "port").
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[a.length][b.length];
}
