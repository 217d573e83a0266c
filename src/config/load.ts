// Loads the configuration: reads and parses the file (the only I/O in
// config/), layers environment and flags on top, and returns either the
// resolved config or every problem found. Never throws for bad input.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { isWithin } from './invalid-paths.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { envLayer, flagLayer, type CliFlags, type EnvIgnored, type EnvSource } from './overrides.js';
import { formatPath, type ConfigProblem } from './problems.js';
import { resolveConfig } from './resolve.js';
import { salvageLayer, type KeyPath } from './salvage.js';
import { emptyFileLayer, parseConfigData, type FileLayer } from './schema.js';
import { lineCol, substituteEnv, type UnsetReference } from './substitute.js';
import type { FairwayConfig } from './types.js';

export type { CliFlags, EnvIgnored, EnvSource } from './overrides.js';
export type { ConfigProblem } from './problems.js';
export { formatProblems } from './problems.js';

export interface LoadInput {
  /** Config file path; YAML unless it ends in .json. */
  file?: string;
  /** Environment for `${VAR}` and overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  flags?: CliFlags;
}

/** Which settings the environment gave, and which variables were passed over. */
export interface EnvironmentReport {
  sources: EnvSource[];
  ignored: EnvIgnored[];
}

export type LoadResult =
  | { ok: true; config: FairwayConfig; warnings: string[]; environment: EnvironmentReport }
  | { ok: false; errors: ConfigProblem[]; warnings: string[]; environment: EnvironmentReport };

export function loadConfig(input: LoadInput): LoadResult {
  const env = input.env ?? process.env;
  const errors: ConfigProblem[] = [];
  const warnings: string[] = [];

  let layer: FileLayer | undefined = emptyFileLayer();
  let invalid: string[] = [];
  if (input.file !== undefined) {
    const file = readConfigFile(input.file, env, warnings);
    layer = file.layer;
    invalid = file.invalid;
    errors.push(...file.problems);
  }

  const fromEnv = envLayer(env);
  const fromFlags = flagLayer(input.flags ?? {});
  errors.push(...fromEnv.problems, ...fromFlags.problems);
  invalid.push(...fromEnv.invalid, ...fromFlags.invalid);
  const environment = { sources: fromEnv.sources, ignored: fromEnv.ignored };

  // The checks across settings run on whatever is valid, skipping what is not,
  // so they are reported together with the field errors (and never as their echo).
  if (layer !== undefined) {
    const resolved = resolveConfig(layer, [fromEnv.layer, fromFlags.layer], invalid);
    warnings.push(...resolved.warnings);
    if (!resolved.ok) errors.push(...resolved.problems);
    else if (errors.length === 0) return { ok: true, config: resolved.config, warnings, environment };
  }
  return { ok: false, errors, warnings, environment };
}

interface FileRead {
  /** What the file says; partial when it has problems, undefined when nothing usable is left. */
  layer?: FileLayer;
  problems: ConfigProblem[];
  /** Paths left out of the layer because they are invalid or use an unset variable. */
  invalid: string[];
}

function readConfigFile(file: string, env: NodeJS.ProcessEnv, warnings: string[]): FileRead {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    return { problems: [{ path: file, message: `cannot read the config file (${describeReadError(err)})` }], invalid: [] };
  }
  const json = extname(file).toLowerCase() === '.json';
  const substituted = substituteEnv(raw, env, file, { json });
  const parsed = json ? parseJson(substituted.text, file) : parseYaml(substituted.text, file, warnings);
  if (!parsed.ok) {
    const unset = substituted.unset.map((u) => unsetProblem(u, []));
    return { problems: [...substituted.problems, ...unset, ...parsed.problems], invalid: [] };
  }

  // Where each unset variable ended up; one that is nowhere sat in a comment.
  const unset = substituted.unset
    .map((u) => ({ ref: u, paths: pathsOf(parsed.data, u.placeholder) }))
    .filter((u) => u.paths.length > 0);
  const unsetPaths = unset.flatMap((u) => u.paths);
  const unsetAt = unsetPaths.map(formatPath);
  const problems = [...substituted.problems, ...unset.map((u) => unsetProblem(u.ref, u.paths))];

  const result = parseConfigData(parsed.data);
  if (result.ok && unset.length === 0) return { layer: result.layer, problems, invalid: [] };
  // A value holding an unset variable is reported as that variable, not as a bad value.
  if (!result.ok) problems.push(...result.problems.filter((p) => !unsetAt.some((at) => isWithin(p.path, at))));
  const salvaged = salvageLayer(parsed.data, [...unsetPaths, ...(result.ok ? [] : result.at)]);
  return { layer: salvaged.layer, problems, invalid: salvaged.dropped };
}

function unsetProblem(ref: UnsetReference, paths: readonly KeyPath[]): ConfigProblem {
  const place = (p: KeyPath): string => {
    const path = formatPath(p).replace(ref.placeholder, `\${${ref.name}}`);
    return String(p[p.length - 1]).includes(ref.placeholder) ? `the key ${path}` : path;
  };
  const used = paths.length > 0 ? `used in ${paths.map(place).join(', ')}; ` : '';
  return {
    path: ref.where,
    message: `environment variable ${ref.name} is not set (${used}set it, or give a default with \${${ref.name}:-value})`,
  };
}

/** Key paths of the values (and keys) in `data` that contain `marker`. */
function pathsOf(data: unknown, marker: string, at: KeyPath = []): KeyPath[] {
  if (typeof data === 'string') return data.includes(marker) ? [at] : [];
  if (Array.isArray(data)) return data.flatMap((item, i) => pathsOf(item, marker, [...at, i]));
  if (data !== null && typeof data === 'object') {
    return Object.entries(data).flatMap(([key, value]) =>
      key.includes(marker) ? [[...at, key]] : pathsOf(value, marker, [...at, key]),
    );
  }
  return [];
}

type Parsed = { ok: true; data: unknown } | { ok: false; problems: ConfigProblem[] };

function parseJson(text: string, file: string): Parsed {
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (err) {
    // V8 gives a position for some errors only; the scanner finds it for all.
    const found = findJsonSyntaxError(text);
    if (found === undefined) return { ok: false, problems: [{ path: file, message: `invalid JSON: ${(err as Error).message}` }] };
    const where = lineCol(text, found.offset);
    return { ok: false, problems: [{ path: `${file}:${where.line}:${where.col}`, message: `invalid JSON: ${found.message}` }] };
  }
}

function parseYaml(text: string, file: string, warnings: string[]): Parsed {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const w of doc.warnings) {
    const pos = w.linePos?.[0];
    warnings.push(`${pos ? `${file}:${pos.line}:${pos.col}` : file}: ${firstLine(w.message)}`);
  }
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
    // An alias without its anchor, or an alias bomb past the parser's limit: point at the alias.
    const message = (err as Error).message;
    const offset = aliasOffset(doc, /: (\S+)$/.exec(message)?.[1]);
    const where = offset === undefined ? undefined : lineCol(text, offset);
    return {
      ok: false,
      problems: [{ path: where ? `${file}:${where.line}:${where.col}` : file, message: `invalid YAML: ${message}` }],
    };
  }
}

/** Where the alias `*name` (or else the first alias) starts. */
function aliasOffset(doc: YAML.Document, name: string | undefined): number | undefined {
  let first: number | undefined;
  let named: number | undefined;
  YAML.visit(doc, {
    Alias(_key, node) {
      const start = node.range?.[0];
      first ??= start;
      if (named === undefined && node.source === name) named = start;
    },
  });
  return named ?? first;
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
