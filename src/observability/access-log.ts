// The access log: one line per finished client request, as JSON or in the
// Apache/NGINX combined format, to stdout or a file. Lines go through
// sonic-boom (pino's destination) in asynchronous mode: writes are batched in
// memory (4 KiB and up, or once a second) and never block the event loop. If
// the disk cannot keep up, at most MAX_BUFFERED bytes wait and later lines are
// dropped and counted rather than growing memory without bound.
import { closeSync, openSync } from 'node:fs';
import { pino } from 'pino';
import type { AccessLogConfig } from '../config/types.js';
import type { FairwayEvents, RequestRecord } from './events.js';
import type { Logger } from './logger.js';

type Destination = ReturnType<typeof pino.destination>;

const MIN_WRITE = 4096;
const FLUSH_EVERY_MS = 1000;
const MAX_BUFFERED = 16 * 1024 * 1024;
const DROP_WARNING_EVERY_MS = 10_000;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** ISO 8601 times, reusing the part up to the second within one second. */
class IsoTime {
  private second = -1;
  private prefix = '';

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 20); // 2024-01-02T03:04:05.
    }
    const millis = Math.floor(ms - second * 1000);
    return `${this.prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }
}
const isoTime = new IsoTime();

// Values from the wire are mostly plain ASCII: those are quoted as they are,
// the rest go through JSON.stringify. Built by hand, a line costs a fraction
// of JSON.stringify on an object.
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return JSON.stringify(s);
  }
  return `"${s}"`;
}
const jsonOrNull = (s: string): string => (s === '' ? 'null' : jsonString(s));

/** One JSON object per line; absent values are null. */
export function formatJson(r: RequestRecord): string {
  return (
    `{"time":"${isoTime.format(r.time)}","requestId":${jsonString(r.requestId)},` +
    `"clientAddress":${jsonString(r.clientAddress)},"protocol":"${r.protocol}","method":${jsonString(r.method)},` +
    `"host":${jsonString(r.host)},"path":${jsonString(r.path)},"status":${r.status},` +
    `"bytesIn":${r.bytesIn},"bytesOut":${r.bytesOut},"durationMs":${round3(r.durationMs)},` +
    `"upstreamDurationMs":${round3(r.upstreamDurationMs)},"pool":${jsonString(r.pool)},` +
    `"backend":${jsonOrNull(r.backend)},"attempts":${r.attempts},"errorKind":${jsonOrNull(r.errorKind)},` +
    `"referer":${jsonOrNull(r.referer)},"userAgent":${jsonOrNull(r.userAgent)}}\n`
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `10/Oct/2000:13:55:36 -0700`, local time, as NGINX's $time_local. */
export function timeLocal(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return true;
  }
  return false;
}

/** As NGINX does in log lines: `"`, `\`, control and non-ASCII characters become \xHH. */
export function escapeLogValue(s: string): string {
  if (!needsEscape(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) {
      out += c > 0xff ? '\\x3F' : `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += s[i];
    }
  }
  return out;
}

const quoted = (s: string): string => (s === '' ? '"-"' : `"${escapeLogValue(s)}"`);

/** Formats combined lines, reusing the time string within one second. */
export class CombinedFormatter {
  private second = -1;
  private timeText = '';

  format(r: RequestRecord): string {
    const second = Math.floor(r.time / 1000);
    if (second !== this.second) {
      this.second = second;
      this.timeText = timeLocal(r.time);
    }
    const request = `${r.method} ${r.path} HTTP/${r.httpVersion}`;
    return (
      `${r.clientAddress || '-'} - - [${this.timeText}] "${escapeLogValue(request)}" ${r.status} ${r.bytesOut} ` +
      `${quoted(r.referer)} ${quoted(r.userAgent)}\n`
    );
  }
}

export interface AccessLogOptions {
  /** Draws the sample; Math.random by default. */
  random?: () => number;
}

export class AccessLog {
  /** Lines dropped because the destination could not keep up. */
  dropped = 0;
  private readonly destination: Destination | undefined;
  private readonly format: (r: RequestRecord) => string;
  private readonly random: () => number;
  private lastDropWarning = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: AccessLogConfig,
    private readonly events: FairwayEvents,
    private readonly logger: Logger,
    options: AccessLogOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    if (config.format === 'combined') {
      const combined = new CombinedFormatter();
      this.format = (r) => combined.format(r);
    } else {
      this.format = formatJson;
    }
    // Off, or sampling nothing: no listener, so the data path does not even build records.
    if (!config.enabled || config.sample <= 0) return;
    if (config.path !== undefined) {
      // Fail at start-up with a clear message rather than later on the first write.
      try {
        closeSync(openSync(config.path, 'a'));
      } catch (err) {
        throw new Error(`cannot open the access log file ${JSON.stringify(config.path)} (${(err as Error).message})`);
      }
    }
    this.destination = pino.destination({
      dest: config.path ?? 1,
      sync: false,
      minLength: MIN_WRITE,
      maxLength: MAX_BUFFERED,
      periodicFlush: FLUSH_EVERY_MS,
    });
    this.destination.on('drop', this.onDrop);
    this.destination.on('error', (err: Error) => this.logger.error({ err, path: config.path }, 'access log write failed'));
    events.on('request', this.onRequest);
  }

  get enabled(): boolean {
    return this.destination !== undefined;
  }

  private readonly onRequest = (r: RequestRecord): void => {
    if (this.config.sample < 1 && this.random() >= this.config.sample) return;
    this.destination!.write(this.format(r));
  };

  private readonly onDrop = (): void => {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropWarning < DROP_WARNING_EVERY_MS) return;
    this.lastDropWarning = now;
    this.logger.warn({ path: this.config.path ?? 'stdout', dropped: this.dropped }, 'access log cannot keep up: dropping lines');
  };

  /** Reopens the file (after logrotate moved it away); a no-op for stdout. */
  reopen(): void {
    const destination = this.destination;
    if (destination === undefined || this.config.path === undefined || this.closing !== undefined) return;
    // Lines buffered before the signal still go to the old file.
    destination.flush(() => {
      if (this.closing !== undefined) return;
      destination.reopen();
      this.logger.info({ path: this.config.path }, 'access log reopened');
    });
  }

  /** Stops logging, writes out what is buffered and closes the file (bounded wait). */
  close(timeoutMs = 5_000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const destination = this.destination;
      if (destination === undefined) return resolve();
      this.events.off('request', this.onRequest);
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      destination.once('close', done);
      destination.end();
    });
    return this.closing;
  }
}
