// `shutdownTimeout:` — how long in-flight requests may run after SIGTERM/SIGINT.
import * as f from '../fields.js';
import { defined, field } from '../schema-fields.js';
import { defineSection } from './section.js';

export const SHUTDOWN_TIMEOUT_DEFAULT_MS = 30_000;

export const shutdownTimeoutSection = defineSection({
  fileShape: { shutdownTimeout: field(f.duration(0)).optional() },
  fromFile: (parsed) => defined({ shutdownTimeoutMs: parsed.shutdownTimeout }),
  key: 'shutdownTimeoutMs',
  resolve: (ctx) => ctx.file.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_DEFAULT_MS,
});
