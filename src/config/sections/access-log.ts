// `accessLog:` — one line per finished client request, to stdout or a file.
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { defineSection } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    accessLog: AccessLogConfig;
  }
  interface FileLayer {
    accessLog?: Partial<AccessLogConfig>;
  }
}

export type AccessLogFormat = 'json' | 'combined';

/** One line per finished client request. */
export interface AccessLogConfig {
  enabled: boolean;
  /** json: one object per line; combined: the Apache/NGINX combined format. */
  format: AccessLogFormat;
  /** Share of requests logged, 0 to 1. */
  sample: number;
  /** File to append to (reopened on SIGUSR1); undefined = stdout. */
  path?: string;
}

export const ACCESS_LOG_DEFAULTS: AccessLogConfig = { enabled: false, format: 'json', sample: 1 };

export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['json', 'combined'];
const accessLogFormat = f.oneOf(ACCESS_LOG_FORMATS, 'known access log format');

/** A share of requests from 0 to 1 (0.1 = one in ten). */
const sampleRate: f.Validator<number> = (input) => {
  const n = f.asNumber(input);
  if (n === undefined || n < 0 || n > 1) {
    return {
      ok: false,
      message: `${f.show(input)} is not a sample rate (expected a number from 0 to 1, e.g. 0.1 to log one request in ten)`,
    };
  }
  return { ok: true, value: n };
};

const accessLogSchema = strict(
  {
    enabled: field(f.boolean).optional(),
    format: field(accessLogFormat).optional(),
    sample: field(sampleRate).optional(),
    path: field(f.filePath).optional(),
  },
  'accessLog',
).transform((a): Partial<AccessLogConfig> => defined(a));

export const accessLogSection = defineSection({
  fileShape: { accessLog: accessLogSchema.optional() },
  fromFile: (parsed) => defined({ accessLog: parsed.accessLog }),
  key: 'accessLog',
  resolve: (ctx) => {
    const accessLog = { ...ACCESS_LOG_DEFAULTS, ...ctx.file.accessLog };
    if (accessLog.enabled && accessLog.sample === 0) {
      ctx.warn('accessLog.sample: 0 logs no request although accessLog.enabled is true (expected a share above 0, e.g. 0.1)', ['accessLog']);
    }
    return accessLog;
  },
});
