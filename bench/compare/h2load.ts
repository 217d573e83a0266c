// Runs h2load (nghttp2) pinned to its core and reads its summary. It offers
// only h2 in ALPN, so a server without HTTP/2 fails the run instead of
// quietly being measured over HTTP/1.1.
import { spawn } from 'node:child_process';
import { toMs, type RunOutcome } from './load-result.js';

export interface H2loadRun {
  url: string;
  connections: number;
  /** Concurrent streams per connection. */
  streams: number;
  durationS: number;
  cpu: number;
  /** Told h2load's process id once it runs (taskset execs h2load). */
  onSpawn?: (pid: number) => void;
}

/** Any failed, errored or timed-out request makes the run a failure: HTTP/2 has to work throughout. */
export function parseH2load(output: string): RunOutcome {
  const rps = /finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(output);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
  const latency = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(output);
  if (!rps || !counts || !status || !latency) return { failure: `h2load: unexpected output: ${lastLines(output)}` };
  const protocol = /Application protocol: (\S+)/.exec(output)?.[1];
  // h2load says nothing more when no connection gets as far as h2: a refused
  // connection and a server without h2 in ALPN look alike here.
  if (protocol === undefined) return { failure: 'no connection negotiated h2 (the server refused, or offers no h2 in ALPN)' };
  if (protocol !== 'h2') return { failure: `negotiated ${protocol}, not h2` };
  const [total, , done, succeeded, failed, errored, timeout] = counts.slice(1).map(Number) as [number, number, number, number, number, number, number];
  // h2load counts 4xx and 5xx answers as failed requests, so they end up here too.
  const [, , , c4xx, c5xx] = status.map(Number) as [number, number, number, number, number];
  if (failed + errored + timeout > 0) {
    return { failure: `${failed} failed (${c4xx} 4xx, ${c5xx} 5xx answers), ${errored} errored, ${timeout} timed out of ${total} requests` };
  }
  if (succeeded === 0) return { failure: `no request succeeded (${done} done)` };
  return { rps: Number(rps[1]), requests: succeeded, errors: c4xx + c5xx, meanMs: toMs(latency[3]!, 'h2load') };
}

function lastLines(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('progress:'));
  return lines.slice(-3).join(' / ');
}

export function runH2load(run: H2loadRun): Promise<RunOutcome> {
  const args = ['-c', String(run.cpu), 'h2load', '-t1', '-c', String(run.connections), '-m', String(run.streams), '-D', `${run.durationS}s`, '--npn-list', 'h2', run.url];
  return new Promise((resolve) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // h2load stops itself; this is only a guard against a hang.
    const guard = setTimeout(() => child.kill('SIGKILL'), (run.durationS + 30) * 1000);
    child.once('spawn', () => run.onSpawn?.(child.pid!));
    child.once('error', (error) => {
      clearTimeout(guard);
      resolve({ failure: `h2load did not start: ${error.message}` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve(code === 0 ? parseH2load(out) : { failure: `h2load exited with ${code ?? signal}: ${lastLines(out)}` });
    });
  });
}
