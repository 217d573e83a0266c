// Small helpers shared by admin routes: JSON answers and bodies.
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** An error answer: `error` is a stable code, `message` says what was wrong and what is accepted. */
export function sendProblem(res: ServerResponse, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void {
  sendJson(res, status, { error, message, ...extra });
}

const MAX_BODY = 1024 * 1024;

/**
 * Reads a JSON request body (at most 1 MiB); undefined when it is empty.
 * Rejects with a message fit for a 400.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('the request body is larger than 1 MiB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new Error(`the request body is not valid JSON (${(err as Error).message})`));
      }
    });
    req.on('error', reject);
  });
}
