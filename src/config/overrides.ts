// Environment variables and command-line flags as override layers. Both speak
// the same small vocabulary, validated by the same field checks as the file;
// problems name the variable (`env PORT`) or the flag (`--port`).
import * as f from './fields.js';
import type { ConfigProblem } from './problems.js';
import type { FileBackend } from './schema.js';
import type { AdminConfig, AlgorithmName, ListenConfig, LogConfig } from './types.js';

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
}

export interface OverrideLayer {
  listen: Partial<ListenConfig>;
  admin: Partial<AdminConfig>;
  log: Partial<LogConfig>;
  /** Applies to every pool. */
  algorithm?: AlgorithmName;
  /** Health-check interval for every pool. */
  intervalMs?: number;
  /** Replaces the backends of the single pool; `source` names where they came from. */
  backends?: { source: string; list: FileBackend[] };
}

type Key =
  | 'host'
  | 'port'
  | 'interval'
  | 'algorithm'
  | 'backends'
  | 'adminHost'
  | 'adminPort'
  | 'adminToken'
  | 'logLevel'
  | 'logFormat';

/** A raw value and the name to blame for it. */
type Raw = Partial<Record<Key, { value: unknown; source: string }>>;

export const ENV_NAMES: Record<Key, string> = {
  host: 'HOST',
  port: 'PORT',
  interval: 'HEALTH_CHECK_INTERVAL',
  algorithm: 'ALGORITHM',
  backends: 'BACKEND_SERVERS',
  adminHost: 'ADMIN_HOST',
  adminPort: 'ADMIN_PORT',
  adminToken: 'ADMIN_TOKEN',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
};

/** The config setting each key stands for: named in the start-up log and in skipped checks. */
const SETTINGS: Record<Key, string> = {
  host: 'listen.host',
  port: 'listen.port',
  interval: 'healthCheck.interval',
  algorithm: 'algorithm',
  backends: 'backends',
  adminHost: 'admin.host',
  adminPort: 'admin.port',
  adminToken: 'admin.token',
  logLevel: 'log.level',
  logFormat: 'log.format',
};

export interface OverrideResult {
  layer: OverrideLayer;
  problems: ConfigProblem[];
  /** Settings given here with an invalid value: checks comparing them are skipped. */
  invalid: string[];
}

/** Which variable set which setting; the value is left out (ADMIN_TOKEN is a secret). */
export interface EnvSource {
  setting: string;
  variable: string;
}

/** A variable that is set but was not taken, and why. */
export interface EnvIgnored {
  variable: string;
  reason: string;
}

export interface EnvResult extends OverrideResult {
  sources: EnvSource[];
  ignored: EnvIgnored[];
}

// Kubernetes gives every pod <SERVICE>_PORT=tcp://10.96.0.12:8080 for each Service in
// its namespace, so a Service named fairway (fairway-admin) sets FAIRWAY_PORT
// (FAIRWAY_ADMIN_PORT), and one named admin sets ADMIN_PORT. Such a value is an
// address of another service, never a port setting. (A bare PORT cannot be one.)
const SERVICE_LINK = /^(?:tcp|udp|sctp):\/\//i;
const isServiceLink = (variable: string, value: string): boolean =>
  variable.endsWith('_PORT') && SERVICE_LINK.test(value.trim());

/**
 * Reads the environment; FAIRWAY_<NAME> wins over <NAME>; empty values count as
 * unset, and so do Kubernetes service links in the port variables.
 */
export function envLayer(env: NodeJS.ProcessEnv): EnvResult {
  const raw: Raw = {};
  const sources: EnvSource[] = [];
  const ignored: EnvIgnored[] = [];
  for (const [key, name] of Object.entries(ENV_NAMES) as [Key, string][]) {
    for (const candidate of [`FAIRWAY_${name}`, name]) {
      const value = env[candidate];
      if (value === undefined || value.trim() === '') continue;
      if (isServiceLink(candidate, value)) {
        ignored.push({
          variable: candidate,
          reason: `${candidate}=${value.trim()} looks like a Kubernetes service link (set for a Service named ${serviceName(candidate)}), not a port; ignored for ${SETTINGS[key]}`,
        });
        continue;
      }
      raw[key] = { value, source: `env ${candidate}` };
      sources.push({ setting: SETTINGS[key], variable: candidate });
      break;
    }
  }
  return { ...buildLayer(raw), sources, ignored };
}

/** FAIRWAY_ADMIN_PORT comes from a Service named fairway-admin. */
function serviceName(variable: string): string {
  return variable.replace(/_PORT$/, '').toLowerCase().replace(/_/g, '-');
}

const FLAG_NAMES: Partial<Record<Key, string>> = {
  host: '--host',
  port: '--port',
  interval: '--interval',
  algorithm: '--algorithm',
  backends: '--backend',
  adminHost: '--admin-host',
  adminPort: '--admin-port',
  logLevel: '--log-level',
  logFormat: '--log-format',
};

export function flagLayer(flags: CliFlags): OverrideResult {
  const values: Partial<Record<Key, unknown>> = {
    host: flags.host,
    port: flags.port,
    interval: flags.interval,
    algorithm: flags.algorithm,
    backends: flags.backend !== undefined && flags.backend.length > 0 ? flags.backend : undefined,
    adminHost: flags.adminHost,
    adminPort: flags.adminPort,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
  };
  const raw: Raw = {};
  for (const [key, value] of Object.entries(values) as [Key, unknown][]) {
    if (value !== undefined) raw[key] = { value, source: FLAG_NAMES[key] ?? key };
  }
  return buildLayer(raw);
}

function buildLayer(raw: Raw): OverrideResult {
  const problems: ConfigProblem[] = [];
  const invalid: string[] = [];
  const layer: OverrideLayer = { listen: {}, admin: {}, log: {} };
  const take = <T>(key: Key, validate: f.Validator<T>, store: (value: T) => void): void => {
    const entry = raw[key];
    if (entry === undefined) return;
    const result = validate(entry.value);
    if (result.ok) store(result.value);
    else {
      problems.push({ path: entry.source, message: result.message });
      invalid.push(SETTINGS[key]);
    }
  };
  take('host', f.host, (v) => (layer.listen.host = v));
  take('port', f.port, (v) => (layer.listen.port = v));
  take('interval', f.duration(), (v) => (layer.intervalMs = v));
  take('algorithm', f.algorithm, (v) => (layer.algorithm = v));
  take('adminHost', f.host, (v) => (layer.admin.host = v));
  take('adminPort', f.port, (v) => (layer.admin.port = v));
  take('adminToken', f.secret, (v) => {
    if (v !== undefined) layer.admin.token = v;
  });
  take('logLevel', f.logLevel, (v) => (layer.log.level = v));
  take('logFormat', f.logFormat, (v) => (layer.log.format = v));
  const backends = raw.backends;
  if (backends !== undefined) {
    const before = problems.length;
    const list = backendList(backends.value, backends.source, problems);
    if (list.length > 0) layer.backends = { source: backends.source, list };
    if (problems.length > before) invalid.push(SETTINGS.backends);
  }
  return { layer, problems, invalid };
}

/** URLs separated by commas (env) or repeated flags (each may hold a comma list too). */
function backendList(value: unknown, source: string, problems: ConfigProblem[]): FileBackend[] {
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const list: FileBackend[] = [];
  for (const item of items) {
    const result = f.backendUrl(item);
    if (!result.ok) {
      problems.push({ path: source, message: result.message });
      continue;
    }
    const id = f.hostPort(result.value);
    if (list.some((b) => b.id === id)) {
      problems.push({ path: source, message: `backend ${id} is listed twice` });
      continue;
    }
    list.push({ id, url: result.value });
  }
  return list;
}
