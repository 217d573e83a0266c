// Resident memory of the processes bench:idle measures, from /proc: a
// process's VmRSS, and the worker that an nginx master started.
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of `pid` in bytes; throws when the process is gone. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(kb[1]) * 1024;
}

/** The processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(name));
    } catch {
      // gone while listing
    }
  }
  return children;
}

/** The one worker of an nginx master, waited for up to `timeoutMs`. */
export async function nginxWorker(masterPid: number, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [worker] = childPids(masterPid);
    if (worker !== undefined) return worker;
    if (Date.now() > deadline) throw new Error(`nginx (pid ${masterPid}) started no worker within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
