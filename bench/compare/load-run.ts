// One run of a scenario against one target's URL: the load generator (wrk,
// or h2load for HTTP/2) and, where it can be told, how many of its
// connections were served; and the warm-up before a target's first run.
import { runH2load } from './h2load.js';
import { listenOverflows } from './listen-overflows.js';
import { isFailed, type RunOutcome, type ServedConnections } from './load-result.js';
import type { Scenario } from './scenarios.js';
import { watchServedConnections, type ServedWatch } from './served-connections.js';
import { watchSteal } from './steal-time.js';
import { runWrk } from './wrk.js';

export interface LoadRunOptions {
  scenario: Scenario;
  url: string;
  durationS: number;
  /** The core of the load generator (and of `ss`). */
  cpu: number;
  /** The wrk Lua script of a POST scenario. */
  postScript: string;
}

/** A new connection per request leaves no lasting socket to look at. */
const countsConnections = (scenario: Scenario) => !(scenario.headers ?? []).some((h) => /^connection:\s*close$/i.test(h));

/** One run; a tool that fails gives a failed run, not an exception. */
export async function runLoad(options: LoadRunOptions): Promise<RunOutcome> {
  const { scenario, url, durationS, cpu } = options;
  let watch: ServedWatch | undefined;
  const onSpawn = countsConnections(scenario)
    ? (pid: number) => {
        const port = Number(new URL(url).port);
        watch = watchServedConnections({ pid, port, asked: scenario.connections, tls: scenario.transport !== 'http', durationS, cpu });
      }
    : undefined;
  let outcome: RunOutcome;
  const overflowsBefore = listenOverflows();
  const steal = watchSteal();
  if (scenario.transport === 'h2') {
    outcome = await runH2load({ url, connections: scenario.connections, streams: scenario.streams ?? 1, durationS, cpu, onSpawn });
  } else {
    try {
      outcome = await runWrk({ url, connections: scenario.connections, durationS, cpu, headers: scenario.headers, script: scenario.post ? options.postScript : undefined, onSpawn });
    } catch (error) {
      outcome = { failure: oneLine((error as Error).message) };
    }
  }
  const connections = await watch?.stop();
  const overflowsAfter = listenOverflows();
  const stolen = steal();
  if (isFailed(outcome)) return outcome;
  if (connections !== undefined) outcome.connections = connections;
  if (overflowsBefore !== undefined && overflowsAfter !== undefined) outcome.listenOverflows = overflowsAfter - overflowsBefore;
  if (stolen !== undefined) outcome.stealPercent = stolen;
  return outcome;
}

const WARM_UP_S = 2;
const MOST_WARM_UPS = 3;

/**
 * Unmeasured runs (JIT, connection pools, TLS sessions) before a target's
 * first measured one: repeated, up to 3 times, while some connection got no
 * answer. Returns one line per warm-up for the log.
 */
export async function warmUp(options: LoadRunOptions): Promise<string[]> {
  const lines: string[] = [];
  for (let i = 1; i <= MOST_WARM_UPS; i++) {
    const outcome = await runLoad({ ...options, durationS: WARM_UP_S });
    if (isFailed(outcome)) {
      lines.push(`warm-up ${i}: failed: ${outcome.failure}`);
      return lines;
    }
    lines.push(`warm-up ${i}: ${Math.round(outcome.rps).toLocaleString('en-US')} req/s, ${servedText(outcome.connections)}${overflowText(outcome.listenOverflows)}`);
    if (outcome.connections === undefined || outcome.connections.served >= outcome.connections.asked) return lines;
  }
  lines.push(`still not every connection served after ${MOST_WARM_UPS} warm-ups; measuring anyway`);
  return lines;
}

/** "served 1,000/1,000 connections", with the sockets seen when wrk reconnected. */
export function servedText(c: ServedConnections | undefined): string {
  if (c === undefined) return 'served connections not counted';
  const n = (v: number) => v.toLocaleString('en-US');
  return `served ${n(c.served)}/${n(c.asked)} connections${c.seen > c.asked ? ` (${n(c.seen)} sockets seen)` : ''}`;
}

/** ", 12 listen-queue overflows" when the kernel counted any during the run. */
export function overflowText(overflows: number | undefined): string {
  return overflows === undefined || overflows === 0 ? '' : `, ${overflows.toLocaleString('en-US')} listen-queue overflows`;
}

/** A tool's multi-line complaint as one short line for a table cell. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
