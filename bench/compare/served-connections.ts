// Counts the load generator's client connections that got an answer, from the
// kernel's view of its sockets. wrk's Lua API has no connection identity and
// a proxy pools its backend connections, so neither wrk nor the backends can
// tell; but `ss -tnie` lists each TCP socket to the target's port with its
// inode and tcp_info's bytes_received, and /proc/PID/fd says which of those
// inodes are the load generator's own (not the harness's sanity checks).
//
// Over plain HTTP/1.1 a server sends nothing before an answer, so a socket
// that received any byte was answered. Over TLS the handshake alone brings
// bytes, so there a socket counts only if it received more after it was
// first seen (the first look comes after the handshakes, a share of a second
// into the run). Sockets are looked at a few times during the run, the last
// time half a second before its end; a connection first answered after that
// counts as unserved, which errs on the side of showing a problem. `ss` runs
// on the load generator's core: at 1,000 sockets a look costs it tens of ms.
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import type { ServedConnections } from './load-result.js';

export interface SocketSample {
  inode: number;
  bytesReceived: number;
}

/** `ss -tnieH` output as one sample per socket (a socket line, then its indented tcp_info line). */
export function parseSs(output: string): SocketSample[] {
  const samples: SocketSample[] = [];
  let current: SocketSample | undefined;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const inode = Number(/\bino:(\d+)/.exec(line)?.[1] ?? 0);
      current = inode > 0 ? { inode, bytesReceived: 0 } : undefined;
      if (current !== undefined) samples.push(current);
    }
    // tcp_info leaves bytes_received out while it is 0.
    const received = /\bbytes_received:(\d+)/.exec(line);
    if (current !== undefined && received) current.bytesReceived = Number(received[1]);
  }
  return samples;
}

/** What each socket received when first and last seen, over the looks of one run. */
export class ConnectionTally {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();

  /** One look: the sockets `ss` listed, kept only where `own` holds their inode. */
  add(samples: readonly SocketSample[], own: ReadonlySet<number>): void {
    for (const s of samples) {
      if (!own.has(s.inode)) continue;
      if (!this.first.has(s.inode)) this.first.set(s.inode, s.bytesReceived);
      this.last.set(s.inode, s.bytesReceived);
    }
  }

  result(asked: number, tls: boolean): ServedConnections {
    let served = 0;
    for (const [inode, bytes] of this.last) if (tls ? bytes > this.first.get(inode)! : bytes > 0) served++;
    return { asked, seen: this.last.size, served };
  }
}

/** The inodes of the sockets process `pid` holds open (none once it is gone). */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed while listing
    }
  }
  return inodes;
}

function runSs(port: number, cpu: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('taskset', ['-c', String(cpu), 'ss', '-tnieH', 'state', 'all', 'dport', '=', `:${port}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', () => resolve(''));
    child.once('close', () => resolve(out));
  });
}

export interface ServedWatchOptions {
  /** The load generator's process. */
  pid: number;
  /** The target's port its connections go to. */
  port: number;
  asked: number;
  tls: boolean;
  durationS: number;
  /** The core `ss` runs on (the load generator's, away from the proxy). */
  cpu: number;
}

export interface ServedWatch {
  /** Ends the looks and counts. */
  stop(): Promise<ServedConnections>;
}

/** Looks at the sockets after 1 s (a quarter of a shorter run), then every 2 s, and half a second before the end. */
export function watchServedConnections(options: ServedWatchOptions): ServedWatch {
  const tally = new ConnectionTally();
  const runMs = options.durationS * 1000;
  const lastMs = runMs - 500;
  const times: number[] = [];
  for (let t = Math.min(1000, runMs / 4); t < lastMs - 250; t += 2000) times.push(t);
  times.push(lastMs);
  const started = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> = Promise.resolve();

  const look = async () => {
    const before = socketInodes(options.pid);
    const samples = parseSs(await runSs(options.port, options.cpu));
    for (const inode of socketInodes(options.pid)) before.add(inode);
    tally.add(samples, before);
  };
  const next = () => {
    const due = times.shift();
    if (due === undefined || stopped) return;
    timer = setTimeout(() => {
      looking = look().then(next);
    }, Math.max(0, due - (Date.now() - started)));
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await looking;
      return tally.result(options.asked, options.tls);
    },
  };
}
