// The client side of bench:idle: N keep-alive connections to a proxy, each
// sending one GET and reading its whole answer, then left open and silent.
// A bounded number are opened at a time, so the proxy's pool of backend
// connections stays small and what grows is the cost of the client ones.
import { connect, type Socket } from 'node:net';

export interface IdleOptions {
  host: string;
  port: number;
  count: number;
  /** Connections being opened and answered at once. */
  concurrency: number;
  /** Source addresses the connections take in turn; [] lets the kernel choose. */
  sourceAddresses: readonly string[];
  /** Longest one connection may take from connect to the end of its answer. */
  timeoutMs: number;
}

export interface IdleClients {
  /** Connections whose answer was a complete 200. */
  answered: number;
  /** Why the others failed, each reason once with its count. */
  failures: Map<string, number>;
  /** How many answered connections are open now (the proxy closes idle ones after its keep-alive timeout). */
  stillOpen(): number;
  close(): void;
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: bench-idle\r\n\r\n';

/** Whether `data` holds a complete answer: its head, and a body framed by Content-Length or chunked. */
export function answerComplete(data: string): { done: boolean; status?: number } {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return { done: false };
  const head = data.slice(0, headEnd);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const body = data.length - headEnd - 4;
  if (length) return { done: body >= Number(length[1]), status };
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return { done: data.endsWith('0\r\n\r\n'), status };
  return { done: true, status }; // no body framing: nothing follows the head
}

function openOne(options: IdleOptions, index: number, open: Set<Socket>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const from = options.sourceAddresses.length === 0 ? {} : { localAddress: options.sourceAddresses[index % options.sourceAddresses.length] };
    const socket = connect({ host: options.host, port: options.port, ...from });
    let data = '';
    let settled = false;
    const settle = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure !== undefined) socket.destroy();
      else {
        open.add(socket);
        socket.once('close', () => open.delete(socket));
      }
      resolve(failure);
    };
    const timer = setTimeout(() => settle(`no complete answer within ${options.timeoutMs} ms`), options.timeoutMs);
    socket.setEncoding('latin1');
    socket.once('connect', () => socket.write(REQUEST));
    socket.on('data', (chunk: string) => {
      data += chunk;
      const answer = answerComplete(data);
      if (answer.done) settle(answer.status === 200 ? undefined : `answered ${answer.status}`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    socket.once('close', () => settle('closed before a complete answer'));
  });
}

export async function openIdleClients(options: IdleOptions): Promise<IdleClients> {
  const open = new Set<Socket>();
  const failures = new Map<string, number>();
  let next = 0;
  let answered = 0;
  const worker = async () => {
    while (next < options.count) {
      const failure = await openOne(options, next++, open);
      if (failure === undefined) answered++;
      else failures.set(failure, (failures.get(failure) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  return {
    answered,
    failures,
    stillOpen: () => open.size,
    close: () => {
      for (const s of open) s.destroy();
    },
  };
}
