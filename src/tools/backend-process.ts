// A test backend run as a child process (`fairway backend`), as the demo uses
// it: started, watched, and stopped like a real server would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const LISTENING = /listening on (http:\/\/\S+?):(\d+)/;

export interface BackendProcessOptions {
  name: string;
  host: string;
  port: number;
  /** Extra `fairway backend` flags, e.g. ['--min-latency', '5']. */
  args?: string[];
}

export class BackendProcess {
  private child: ChildProcess | undefined;
  port: number;

  constructor(readonly options: BackendProcessOptions) {
    this.port = options.port;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  /** Starts the process and resolves once it prints its listening line. */
  start(timeoutMs = 10_000): Promise<void> {
    const { name, host, args = [] } = this.options;
    // A restarted backend comes back on the port it had.
    const child = spawn(process.execPath, [CLI, 'backend', '--host', host, '--port', String(this.port), '--name', name, ...args], {
      // The IPC channel closes when this process exits, however it exits
      // (SIGKILL included); the backend watches it and exits too.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Only a lifeline: it must not keep this process alive.
    child.channel?.unref();
    this.child = child;
    return new Promise((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => fail(new Error(`backend ${name} did not start within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('exit', (code) => {
        fail(new Error(`backend ${name} exited with code ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
      });
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        const match = LISTENING.exec(line);
        if (!match) return fail(new Error(`backend ${name} printed an unexpected first line: ${line}`));
        clearTimeout(timer);
        child.removeAllListeners('exit');
        this.port = Number(match[2]);
        resolve();
      });
    });
  }

  /** Kills the process outright, as a crash would; resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the process (SIGTERM, then SIGKILL after a grace period). */
  async stop(graceMs = 3_000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
