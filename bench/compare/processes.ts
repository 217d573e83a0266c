// Processes the compare harness starts: each in its own process group so a
// stop reaches its children too (nginx's worker), all stopped at the end
// whatever happens, and nothing else touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';

export interface Managed {
  name: string;
  child: ChildProcess;
  output: () => string;
}

const running = new Set<Managed>();

/** Starts `command args` pinned to `cpu` (taskset), in a new process group. */
export function startPinned(name: string, cpu: number, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Managed {
  const child = spawn('taskset', ['-c', String(cpu), command, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const managed: Managed = { name, child, output: () => output };
  running.add(managed);
  child.once('exit', () => running.delete(managed));
  return managed;
}

function signalGroup(m: Managed, signal: NodeJS.Signals): void {
  if (m.child.pid === undefined) return;
  try {
    process.kill(-m.child.pid, signal);
  } catch {
    // already gone
  }
}

export async function stop(m: Managed): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) {
    signalGroup(m, 'SIGKILL'); // leftovers of the group, if any
    return;
  }
  const exited = new Promise<void>((resolve) => m.child.once('exit', () => resolve()));
  signalGroup(m, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(m, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
  signalGroup(m, 'SIGKILL');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stop));
}

/** Last resort on process exit: no waiting possible, so kill outright. */
export function killAllNow(): void {
  for (const m of running) signalGroup(m, 'SIGKILL');
}

/**
 * Runs a benchmark's `main` so that every process it started is stopped
 * however it ends: done, failed (exit code 1), interrupted (130), or exiting.
 */
export function runBenchmark(name: string, main: () => Promise<void>): void {
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${name}: ${signal}, stopping every process it started`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  main().catch(async (error: unknown) => {
    console.error(`${name}: ${(error as Error).message}`);
    await stopAll();
    process.exitCode = 1;
  });
}

/** A port the OS says is free on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until `port` accepts connections; fails if the process exits or 15 s pass. */
export async function waitListening(m: Managed, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (m.child.exitCode !== null || m.child.signalCode !== null) {
      throw new Error(`${m.name} exited before listening on ${port}:\n${m.output()}`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${m.name} did not listen on ${port} within 15 s:\n${m.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a command to completion; returns its output (stdout and stderr). */
export function runQuiet(command: string, args: string[]): { code: number | null; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { code: r.error ? -1 : r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function hasCommand(name: string): boolean {
  return runQuiet('sh', ['-c', `command -v ${name}`]).code === 0;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of one process in clock ticks, and its parent's pid. */
function readStat(pid: number): { ticks: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; count fields after its ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/**
 * CPU seconds used so far by a process and its direct children (nginx's and
 * HAProxy's workers). A shared machine slows a proxy's throughput down, but
 * changes its CPU time per request much less, so the harness reports both.
 */
export function processTreeCpuSeconds(pid: number): number | undefined {
  const own = readStat(pid);
  if (own === undefined) return undefined;
  let ticks = own.ticks;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === pid) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined && stat.ppid === pid) ticks += stat.ticks;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
