// The head of an answer as fairway's own HTTP/1.1 front end writes it: one
// latin1 string, the status line cached per status, the backend's fields
// checked (a CR or LF in one would split the answer) and its framing fields
// replaced by ours: Content-Length when the backend gave one, chunked
// otherwise (close-delimited for an HTTP/1.0 client), none for answers that
// have no body, and Connection as the keep-alive decision says.
import { STATUS_CODES } from 'node:http';
import { equalsIgnoringCase, isFieldName, isFieldValue } from '../../http-syntax/field-syntax.js';

export interface ResponseHeadOptions {
  /** HTTP/1.x minor version of the request. */
  versionMinor: number;
  /** The request was HEAD: no body follows whatever the fields say. */
  head: boolean;
  keepAlive: boolean;
  /** Added when set, on a TLS listener with HSTS. */
  hsts: string | undefined;
  /** The Connection field to send instead of keep-alive/close (a 101's `upgrade`). */
  connection?: string;
}

export interface ResponseHead {
  text: string;
  /** Body bytes go out as chunks. */
  chunked: boolean;
  /** No body may follow (1xx, 204, 304, HEAD): writes are dropped. */
  bodiless: boolean;
  /** The connection stays open after this answer. */
  keepAlive: boolean;
}

const statusLines = new Map<number, string>();

/** `HTTP/1.1 200 OK\r\n`, built once per status. */
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, line);
  }
  return line;
}

let dateSecond = -1;
let dateLine = '';

/** The Date field, rebuilt at most once a second. */
function dateField(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}


/** How many of `checked`'s fields may be skipped while looking for one of the answer's (those the filters removed). */
const CHECKED_LOOKAHEAD = 4;

/**
 * Builds the head; throws a TypeError, writing nothing, on a field HTTP/1.1
 * cannot carry. Each field is checked unless it equals, name and value, one
 * of `checked` (fields known to be valid) found in order: an answer's fields
 * are mostly the backend's, already checked as they were read, in the same
 * order, with some removed and some added. Equality of content is what
 * counts, so a field a filter changed in place is checked.
 */
export function buildResponseHead(status: number, raw: readonly string[], options: ResponseHeadOptions, checked?: readonly string[]): ResponseHead {
  let fields = '';
  let hasLength = false;
  let hasDate = false;
  /** The next of `checked`'s fields to compare with. */
  let next = 0;
  const checkedLength = checked === undefined ? 0 : checked.length;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    let known = false;
    for (let k = next, last = Math.min(checkedLength, next + 2 * CHECKED_LOOKAHEAD); k < last; k += 2) {
      if (checked![k] === name && checked![k + 1] === value) {
        known = true;
        next = k + 2;
        break;
      }
    }
    if (!known) {
      if (!isFieldName(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
      if (!isFieldValue(value)) throw new TypeError(`invalid value for header "${name}"`);
    }
    // Framing fields are ours to write; the rest pass in order.
    switch (name.length) {
      case 4:
        if (equalsIgnoringCase(name, 'date')) hasDate = true;
        break;
      case 10:
        if (equalsIgnoringCase(name, 'connection') || equalsIgnoringCase(name, 'keep-alive')) continue;
        break;
      case 14:
        if (equalsIgnoringCase(name, 'content-length')) hasLength = true;
        break;
      case 17:
        if (equalsIgnoringCase(name, 'transfer-encoding')) continue;
        break;
    }
    // `+` piece by piece, not a template literal: see buildRequestHead.
    fields = fields + name + ': ' + value + '\r\n';
  }
  if (!hasDate) fields += dateField();
  if (options.hsts !== undefined) fields += `strict-transport-security: ${options.hsts}\r\n`;
  const bodiless = options.head || status < 200 || status === 204 || status === 304;
  let chunked = false;
  let keepAlive = options.keepAlive;
  if (!bodiless && !hasLength) {
    if (options.versionMinor >= 1) {
      chunked = true;
      fields += 'transfer-encoding: chunked\r\n';
    } else {
      // An HTTP/1.0 client reads the body until the connection closes.
      keepAlive = false;
    }
  }
  if (options.connection !== undefined) fields += `connection: ${options.connection}\r\n`;
  else fields += keepAlive ? 'connection: keep-alive\r\n' : 'connection: close\r\n';
  return { text: `${statusLine(status)}${fields}\r\n`, chunked, bodiless, keepAlive };
}
