// Runs wrk pinned to its core and reads its summary.
import { spawn } from 'node:child_process';
import { toMs, type LoadResult } from './load-result.js';

/** wrk always measures percentiles; errors are socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
export interface WrkResult extends LoadResult {
  p50: number;
  p99: number;
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  const p50 = /^\s*50%\s+(\S+)/m.exec(output);
  const p99 = /^\s*99%\s+(\S+)/m.exec(output);
  if (!rps || !requests || !p50 || !p99) throw new Error(`wrk: unexpected output:\n${output}`);
  let errors = 0;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (socket) errors += Number(socket[1]) + Number(socket[2]) + Number(socket[3]) + Number(socket[4]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) errors += Number(non2xx[1]);
  return { rps: Number(rps[1]), p50: toMs(p50[1]!, 'wrk'), p99: toMs(p99[1]!, 'wrk'), requests: Number(requests[1]), errors };
}

export interface WrkRun {
  url: string;
  connections: number;
  durationS: number;
  cpu: number;
  script?: string;
  headers?: string[];
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
