// `log:` — fairway's own log: how much, and in which format.
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { defineSection, layered, overrideOf } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    log: LogConfig;
  }
  interface FileLayer {
    log: Partial<LogConfig>;
  }
  interface OverrideLayer {
    log: Partial<LogConfig>;
  }
}

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogConfig {
  level: LogLevel;
  format: LogFormat;
}

export const LOG_DEFAULTS: LogConfig = { level: 'info', format: 'json' };

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
export const logLevel = f.oneOf(LOG_LEVELS, 'log level');
export const logFormat = f.oneOf(LOG_FORMATS, 'log format');

const logSchema = strict(
  { level: field(logLevel).optional(), format: field(logFormat).optional() },
  'log',
).transform((l): Partial<LogConfig> => defined(l));

export const logSection = defineSection({
  fileShape: { log: logSchema.optional() },
  fromFile: (parsed) => ({ log: parsed.log ?? {} }),
  overrides: [
    overrideOf({
      setting: 'log.level',
      env: 'LOG_LEVEL',
      flag: { key: 'logLevel', name: '--log-level' },
      validate: logLevel,
      store: (layer, v) => (layer.log.level = v),
    }),
    overrideOf({
      setting: 'log.format',
      env: 'LOG_FORMAT',
      flag: { key: 'logFormat', name: '--log-format' },
      validate: logFormat,
      store: (layer, v) => (layer.log.format = v),
    }),
  ],
  key: 'log',
  resolve: (ctx) => layered(LOG_DEFAULTS, ctx.file.log, ctx.overrides.map((o) => o.log)),
});
