// Writes a benchmark's markdown into a file between its two markers
// (`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`), leaving the rest
// of the file as it is: a file without them gets a new section at its end.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ResultsSection {
  /** The markers' name: `compare`, `idle`. */
  name: string;
  /** The heading of the section a file without the markers gets. */
  heading: string;
}

export function writeResults(file: string, section: ResultsSection, body: string): void {
  const start = `<!-- bench:${section.name}:start -->`;
  const end = `<!-- bench:${section.name}:end -->`;
  const block = `${start}\n${body}\n${end}`;
  let text: string;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    const a = old.indexOf(start);
    const b = old.indexOf(end);
    text = a !== -1 && b > a ? old.slice(0, a) + block + old.slice(b + end.length) : `${old.trimEnd()}\n\n## ${section.heading}\n\n${block}\n`;
  } else {
    mkdirSync(dirname(file), { recursive: true });
    text = `# Benchmarks\n\n## ${section.heading}\n\n${block}\n`;
  }
  writeFileSync(file, text);
}
