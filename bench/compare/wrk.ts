// Runs wrk pinned to its core and reads its summary.
import { spawn } from 'node:child_process';
import { toMs, type LoadResult, type SocketErrors } from './load-result.js';

/** wrk always measures percentiles and counts its socket errors (all zero when it prints no such line). */
export interface WrkResult extends LoadResult {
  p50: number;
  p99: number;
  socketErrors: SocketErrors;
  non2xx: number;
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  const p50 = /^\s*50%\s+(\S+)/m.exec(output);
  const p99 = /^\s*99%\s+(\S+)/m.exec(output);
  if (!rps || !requests || !p50 || !p99) throw new Error(`wrk: unexpected output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const [connect, read, write, timeout] = socket ? socket.slice(1, 5).map(Number) : [0, 0, 0, 0];
  const socketErrors = { connect: connect!, read: read!, write: write!, timeout: timeout! };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return {
    rps: Number(rps[1]),
    p50: toMs(p50[1]!, 'wrk'),
    p99: toMs(p99[1]!, 'wrk'),
    requests: Number(requests[1]),
    errors: connect! + read! + write! + timeout! + non2xx,
    socketErrors,
    non2xx,
  };
}

export interface WrkRun {
  url: string;
  connections: number;
  durationS: number;
  cpu: number;
  script?: string;
  headers?: string[];
  /** Told wrk's process id once it runs (taskset execs wrk, so the child is wrk). */
  onSpawn?: (pid: number) => void;
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = ['-c', String(run.cpu), 'wrk', '-t1', `-c${run.connections}`, `-d${run.durationS}s`, '--timeout', '5s', '--latency'];
  for (const h of run.headers ?? []) args.push('-H', h);
  if (run.script !== undefined) args.push('-s', run.script);
  args.push(run.url);
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // wrk stops itself; this is only a guard against a hang.
    const guard = setTimeout(() => child.kill('SIGKILL'), (run.durationS + 30) * 1000);
    child.once('spawn', () => run.onSpawn?.(child.pid!));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      if (code !== 0) reject(new Error(`wrk exited with ${code}:\n${out}`));
      else {
        try {
          resolve(parseWrk(out));
        } catch (error) {
          reject(error as Error);
        }
      }
    });
  });
}
