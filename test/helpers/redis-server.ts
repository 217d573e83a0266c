// A real redis-server for a test: on a free port of 127.0.0.1, no persistence,
// ready once it answers PING; it can be paused (SIGSTOP: a hung server),
// killed and started again on the same port. Stop it in t.after.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { freePort } from './fixtures.js';

const READY_WITHIN_MS = 5_000;

/** PEM files of a TLS server: it listens with TLS only. */
export interface RedisTls {
  cert: string;
  key: string;
  /** The CA that signed `cert`, which the readiness probe trusts. */
  ca: string;
}

/** Sends an inline PING on a fresh socket; true when +PONG (or -NOAUTH, which is an answer too) comes back. */
function pingOnce(port: number, secure: RedisTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = secure === undefined ? net.connect({ host: '127.0.0.1', port }) : tls.connect({ host: '127.0.0.1', port, ca: readFileSync(secure.ca), servername: 'localhost' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on(secure === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString('latin1'))));
  });
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
    private readonly secure: RedisTls | undefined,
  ) {}

  /** Starts redis-server on a free port (another one if that port was taken meanwhile). */
  static async start(extraArgs: readonly string[] = [], secure?: RedisTls): Promise<RedisServer> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServer(await freePort(), extraArgs, secure);
      try {
        await server.restart();
        return server;
      } catch (err) {
        lastError = err as Error;
        await server.stop();
      }
    }
    throw lastError ?? new Error('redis-server did not start');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  async restart(): Promise<void> {
    const ports =
      this.secure === undefined
        ? ['--port', String(this.port)]
        : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.secure.cert, '--tls-key-file', this.secure.key, '--tls-ca-cert-file', this.secure.ca, '--tls-auth-clients', 'no'];
    const args = [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.extraArgs];
    for (let attempt = 0; ; attempt++) {
      const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      this.child = child;
      this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
      let gone = false;
      void this.exited.then(() => (gone = true));
      const deadline = Date.now() + READY_WITHIN_MS;
      while (!gone && Date.now() < deadline) {
        if (await pingOnce(this.port, this.secure)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill('SIGKILL');
      await this.exited;
      // A port just released may still be held for a moment: try it again a few times.
      if (attempt >= 4) throw new Error(`redis-server on port ${this.port} did not answer PING: ${output.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGSTOP: the server keeps its socket open and answers nothing, like a hung one. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL (which stops a paused server too, without letting it answer first), and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    this.child = undefined;
  }
}
