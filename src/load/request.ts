// The request a load test sends, checked once and encoded once: every send
// writes the same bytes.
import { Buffer } from 'node:buffer';

export interface RequestSpec {
  url: string;
  method?: string;
  /** Extra headers as "name: value" strings or pairs. */
  headers?: readonly (string | readonly [string, string])[];
  body?: Buffer;
}

export interface PreparedRequest {
  host: string;
  port: number;
  method: string;
  /** The full request: head and body. */
  bytes: Buffer;
  /** HEAD answers carry no body. */
  bodyless: boolean;
  /** The request asks the server to close the connection after answering. */
  closes: boolean;
  /** The headers as sent, for reports. */
  headers: [string, string][];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Splits 'name: value'; throws with a readable message on bad input. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error(`header "${line}" must look like "name: value"`);
  return checkHeader(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
}

function checkHeader(name: string, value: string): [string, string] {
  if (!TOKEN.test(name)) throw new Error(`header name "${name}" has characters a header name cannot have`);
  if (!FIELD_VALUE.test(value)) throw new Error(`header "${name}" has a value with control characters`);
  return [name, value];
}

export function prepareRequest(spec: RequestSpec): PreparedRequest {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new Error(`"${spec.url}" is not a URL (expected e.g. http://127.0.0.1:8080/)`);
  }
  if (url.protocol !== 'http:') throw new Error(`"${spec.url}": only http:// URLs are supported`);
  if (url.username !== '' || url.password !== '') throw new Error(`"${spec.url}": credentials in the URL are not supported; use -H 'authorization: ...'`);
  const method = (spec.method ?? 'GET').toUpperCase();
  if (!TOKEN.test(method)) throw new Error(`"${spec.method}" is not an HTTP method`);
  const headers = (spec.headers ?? []).map((h) => (typeof h === 'string' ? parseHeaderLine(h) : checkHeader(h[0], h[1])));
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? 80 : Number(url.port);
  const sent: [string, string][] = [];
  if (!has('host')) sent.push(['Host', url.host]);
  sent.push(...headers);
  if (spec.body !== undefined && !has('content-length') && !has('transfer-encoding')) {
    sent.push(['Content-Length', String(spec.body.length)]);
  }
  const path = `${url.pathname}${url.search}`;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of sent) head += `${name}: ${value}\r\n`;
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  const bytes = spec.body === undefined || spec.body.length === 0 ? headBytes : Buffer.concat([headBytes, spec.body]);
  const closes = headers.some(([n, v]) => n.toLowerCase() === 'connection' && v.toLowerCase().includes('close'));
  return { host: hostname, port, method, bytes, bodyless: method === 'HEAD', closes, headers: sent };
}
