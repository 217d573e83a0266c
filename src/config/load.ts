// Loads the configuration: reads and parses the file (the only I/O in
// config/), layers environment and flags on top, and returns either the
// resolved config or every problem found. Never throws for bad input.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { envLayer, flagLayer, type CliFlags } from './overrides.js';
import type { ConfigProblem } from './problems.js';
import { resolveConfig } from './resolve.js';
import { parseConfigData, type FileLayer } from './schema.js';
import { lineCol, substituteEnv } from './substitute.js';
import type { FairwayConfig } from './types.js';

export type { CliFlags } from './overrides.js';
export type { ConfigProblem } from './problems.js';
export { formatProblems } from './problems.js';

export interface LoadInput {
  /** Config file path; YAML unless it ends in .json. */
  file?: string;
  /** Environment for `${VAR}` and overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  flags?: CliFlags;
}

export type LoadResult =
  | { ok: true; config: FairwayConfig; warnings: string[] }
  | { ok: false; errors: ConfigProblem[]; warnings: string[] };

export function loadConfig(input: LoadInput): LoadResult {
  const env = input.env ?? process.env;
  const errors: ConfigProblem[] = [];
  const warnings: string[] = [];

  let layer: FileLayer | undefined = emptyLayer();
  if (input.file !== undefined) {
    const file = readConfigFile(input.file, env, warnings);
    layer = file.layer;
    errors.push(...file.problems);
  }

  const fromEnv = envLayer(env);
  const fromFlags = flagLayer(input.flags ?? {});
  errors.push(...fromEnv.problems, ...fromFlags.problems);

  // Whole-config checks only make sense once the file itself is readable and valid.
  if (layer !== undefined) {
    const resolved = resolveConfig(layer, [fromEnv.layer, fromFlags.layer]);
    warnings.push(...resolved.warnings);
    if (!resolved.ok) errors.push(...resolved.problems);
    else if (errors.length === 0) return { ok: true, config: resolved.config, warnings };
  }
  return { ok: false, errors, warnings };
}

function emptyLayer(): FileLayer {
  return { listen: {}, admin: {}, log: {}, poolDefaults: { healthCheck: {}, timeouts: {} }, backends: [] };
}

function readConfigFile(
  file: string,
  env: NodeJS.ProcessEnv,
  warnings: string[],
): { layer?: FileLayer; problems: ConfigProblem[] } {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    return { problems: [{ path: file, message: `cannot read the config file (${describeReadError(err)})` }] };
  }
  // Unset variables become empty and parsing goes on, so the rest of the file is
  // checked too; the layer is withheld because it lacks those values.
  const substituted = substituteEnv(raw, env, file);
  const problems = substituted.problems;
  const parsed =
    extname(file).toLowerCase() === '.json'
      ? parseJson(substituted.text, file)
      : parseYaml(substituted.text, file, warnings);
  if (!parsed.ok) return { problems: [...problems, ...parsed.problems] };
  const result = parseConfigData(parsed.data);
  if (!result.ok) return { problems: [...problems, ...result.problems] };
  return problems.length > 0 ? { problems } : { layer: result.layer, problems };
}

type Parsed = { ok: true; data: unknown } | { ok: false; problems: ConfigProblem[] };

function parseJson(text: string, file: string): Parsed {
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    const position = /at position (\d+)/.exec(message);
    const where = position ? lineCol(text, Number(position[1])) : undefined;
    const clean = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    return {
      ok: false,
      problems: [{ path: where ? `${file}:${where.line}:${where.col}` : file, message: `invalid JSON: ${clean}` }],
    };
  }
}

function parseYaml(text: string, file: string, warnings: string[]): Parsed {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const w of doc.warnings) warnings.push(`${file}: ${firstLine(w.message)}`);
  if (doc.errors.length > 0) {
    // After the first syntax error the parser mostly reports its consequences;
    // duplicate keys and similar are independent, so keep those too.
    const [first, ...rest] = doc.errors;
    const shown = [first!, ...rest.filter((e) => e.code === 'DUPLICATE_KEY')];
    return {
      ok: false,
      problems: shown.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: pos ? `${file}:${pos.line}:${pos.col}` : file,
          message: `invalid YAML: ${firstLine(e.message)}`,
        };
      }),
    };
  }
  try {
    return { ok: true, data: doc.toJS() as unknown };
  } catch (err) {
    // e.g. an alias bomb exceeding the parser's alias limit.
    return { ok: false, problems: [{ path: file, message: `invalid YAML: ${(err as Error).message}` }] };
  }
}

// prettyErrors appends " at line L, column C:" and a source excerpt; the path carries the position.
function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}
