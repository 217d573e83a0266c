// Checks that every target answers each scenario's request correctly before
// anything is measured: over plain HTTP/1.1, over TLS (trusting the run's
// certificate), and over HTTP/2.
import { connect as connectHttp2 } from 'node:http2';
import { Agent, request } from 'undici';

/** GET /, GET /64k and a 1 MiB POST over plain HTTP; throws on a wrong answer. */
export async function checkPlain(target: string, base: string): Promise<void> {
  const small = await request(`${base}/`);
  const text = await small.body.text();
  if (small.statusCode !== 200 || !text.startsWith('hello from')) throw new Error(`${target}: GET / answered ${small.statusCode} ${text.slice(0, 80)}`);
  const big = await request(`${base}/64k`);
  const size = (await big.body.arrayBuffer()).byteLength;
  if (big.statusCode !== 200 || size !== 65536) throw new Error(`${target}: GET /64k answered ${big.statusCode} with ${size} bytes`);
  const post = await request(`${base}/`, { method: 'POST', body: Buffer.alloc(1 << 20, 97), headers: { 'content-type': 'application/octet-stream' } });
  await post.body.dump();
  if (post.statusCode !== 200) throw new Error(`${target}: POST of 1 MiB answered ${post.statusCode}`);
}

/** GET / over HTTPS/1.1, verifying the certificate against `ca`; throws on a wrong answer. */
export async function checkHttps(target: string, base: string, ca: string): Promise<void> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const answer = await request(`${base}/`, { dispatcher });
    const text = await answer.body.text();
    if (answer.statusCode !== 200 || !text.startsWith('hello from')) throw new Error(`${target}: GET / over TLS answered ${answer.statusCode} ${text.slice(0, 80)}`);
  } finally {
    await dispatcher.close();
  }
}

/**
 * GET / over HTTP/2 (ALPN h2 only). Returns why it did not work instead of
 * throwing: a target without HTTP/2 is a result to show, not a broken run.
 */
export function checkH2(base: string, ca: string, timeoutMs = 5_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const session = connectHttp2(base, { ca, ALPNProtocols: ['h2'] });
    let settled = false;
    const done = (problem: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no HTTP/2 answer within ${timeoutMs} ms`), timeoutMs);
    session.once('error', (error: Error) => done(h2Failure(error)));
    const stream = session.request({ ':path': '/' });
    let status = 0;
    let body = '';
    stream.once('response', (headers) => (status = Number(headers[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.once('error', (error: Error) => done(h2Failure(error)));
    stream.once('end', () => done(status === 200 && body.startsWith('hello from') ? undefined : `GET / over HTTP/2 answered ${status} ${body.slice(0, 80)}`));
  });
}

/** Why an HTTP/2 connection failed, in one line; the usual case (no h2 in the server's ALPN) by name. */
function h2Failure(error: Error): string {
  const text = `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}`;
  if (/no application protocol/i.test(text)) return 'the server does not offer h2 in ALPN (it ended the handshake with the TLS alert no_application_protocol)';
  const line = text.replace(/\s+/g, ' ').trim();
  return `HTTP/2 over TLS failed: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`;
}
