// The shape every config section has, so the schema, the override layers and
// the resolver can walk one list (registry.ts) instead of naming each section.
import type { z } from 'zod';
import type { Validator } from '../fields.js';
import type { ConfigProblem } from '../problems.js';

// The composed config types start empty here; each section file adds its own
// keys (`declare module './section.js'`), so this file imports no section and
// a new section is one new file.
/* eslint-disable @typescript-eslint/no-empty-object-type */
/** The resolved configuration: every default filled in, every duration in milliseconds. */
export interface FairwayConfig {}
/** What the config file says: only what it sets, durations already in ms, names normalised. */
export interface FileLayer {}
/** What the environment or the flags say. */
export interface OverrideLayer {}
/* eslint-enable @typescript-eslint/no-empty-object-type */

/** Records a problem found by a check that reads the settings at `reads` (paths like `pools[0].sticky`). */
export type Report = (problem: ConfigProblem, reads: readonly string[]) => void;
/** Records a warning; skipped, like a problem, while a setting in `reads` is invalid. */
export type Warn = (warning: string, reads: readonly string[]) => void;

/** Flag values as commander hands them over (strings; --backend repeatable). */
export interface CliFlags {
  host?: string;
  port?: string;
  interval?: string;
  algorithm?: string;
  backend?: string[];
  adminHost?: string;
  adminPort?: string;
  logLevel?: string;
  logFormat?: string;
  tlsCert?: string;
  tlsKey?: string;
  httpsPort?: string;
}

/** What a section's settings resolve from, and where they report. */
export interface ResolveContext {
  file: FileLayer;
  /** In ascending precedence: [environment, flags]. */
  overrides: readonly OverrideLayer[];
  /** The sections listed before this one in the registry, already resolved. */
  resolved: Partial<FairwayConfig>;
  report: Report;
  warn: Warn;
  /** Whether any problem was reported so far (some checks only make sense without). */
  hasProblems(): boolean;
}

/** One environment variable (and maybe flag) that sets a setting. */
export interface Override<T = unknown> {
  /** The config setting it stands for: named in the start-up log and in skipped checks. */
  setting: string;
  /** Variable name without the FAIRWAY_ prefix, which is accepted too and wins. */
  env: string;
  /** The CliFlags property and the flag as written on the command line. */
  flag?: { key: keyof CliFlags; name: string };
  /** Checks the raw value; problems name `source` (`env PORT`, `--port`). */
  parse(value: unknown, source: string): { value?: T; problems: ConfigProblem[] };
  store(layer: OverrideLayer, value: T, source: string): void;
}

/** An override whose value is checked by one of the shared validators. */
export function overrideOf<T>(spec: Omit<Override<T>, 'parse'> & { validate: Validator<T> }): Override {
  const { validate, ...rest } = spec;
  const parse = (value: unknown, source: string): { value?: T; problems: ConfigProblem[] } => {
    const result = validate(value);
    return result.ok ? { value: result.value, problems: [] } : { problems: [{ path: source, message: result.message }] };
  };
  return { ...rest, parse } as Override;
}

type ParsedShape<S extends z.core.$ZodLooseShape> = { [K in keyof S]?: z.output<S[K]> };

/** A top-level part of the configuration: its file keys, overrides and how it resolves. */
export interface ConfigSection {
  /** Its top-level file keys; "unknown key" messages list them in registry order. */
  fileShape: z.core.$ZodLooseShape;
  /** Its part of the file layer; keys the file leaves out must stay absent or empty. */
  fromFile(parsed: Record<string, unknown>): Partial<FileLayer>;
  /** Checks across entries (names, references) on the parsed file; runs even when fields failed, so values may be partial: read defensively. */
  checkFile?(raw: Record<string, unknown>, ctx: z.RefinementCtx): void;
  overrides: readonly Override[];
  /** The key of FairwayConfig it fills, if any. */
  key?: keyof FairwayConfig;
  resolve?(ctx: ResolveContext): unknown;
  /** Checks against other sections, after every section has resolved. */
  check?(config: FairwayConfig, report: Report): void;
}

/** Types a section against its own file keys and config key; the registry sees the plain shape. */
export function defineSection<S extends z.core.$ZodLooseShape, K extends keyof FairwayConfig>(section: {
  fileShape: S;
  fromFile(parsed: ParsedShape<S>): Partial<FileLayer>;
  checkFile?(raw: Record<string, unknown>, ctx: z.RefinementCtx): void;
  overrides?: readonly Override[];
  key?: K;
  resolve?(ctx: ResolveContext): FairwayConfig[K];
  check?(config: FairwayConfig, report: Report): void;
}): ConfigSection & { key?: K } {
  return { overrides: [], ...section } as ConfigSection & { key?: K };
}

/** The layers of one setting object merged: later layers' keys win. */
export function layered<T>(defaults: T, file: Partial<T> | undefined, overrides: readonly Partial<T>[]): T {
  return { ...defaults, ...file, ...overrides.reduce((a, o) => ({ ...a, ...o }), {}) };
}

/** The value from the highest override layer that sets it. */
export function lastOverride<T>(overrides: readonly OverrideLayer[], pick: (o: OverrideLayer) => T | undefined): T | undefined {
  return overrides.reduce<T | undefined>((found, o) => pick(o) ?? found, undefined);
}
