// Which part of a request consistent-hash keys on, and hashing it without
// copying it out of the request (ranges of the original strings).
//
// A request without the key (no such header, cookie or query parameter, or an
// empty value) is keyed on the client address instead, so it still lands on
// a stable backend.
import type { RequestFacts } from './balancer.js';
import { hashString } from './hash.js';

export type HashKey =
  | { readonly source: 'ip' }
  | { readonly source: 'path' }
  | { readonly source: 'header' | 'cookie' | 'query'; readonly name: string };

export const HASH_KEY_FORMS = 'header:NAME, cookie:NAME, query:NAME, path or ip';

/** Parses `header:NAME | cookie:NAME | query:NAME | path | ip`; throws on anything else. */
export function parseHashKey(text: string): HashKey {
  if (text === 'ip' || text === 'path') return { source: text };
  const colon = text.indexOf(':');
  const source = colon > 0 ? text.slice(0, colon) : '';
  const name = text.slice(colon + 1);
  if ((source === 'header' || source === 'cookie' || source === 'query') && name.length > 0) {
    // node:http lower-cases header names; cookie and query names are case-sensitive.
    return { source, name: source === 'header' ? name.toLowerCase() : name };
  }
  throw new Error(`invalid hashKey "${text}": expected ${HASH_KEY_FORMS}`);
}

/** 32-bit hash of the request's key (the client address when the key is absent). */
export function hashRequestKey(key: HashKey, request: RequestFacts): number {
  let hash = -1;
  switch (key.source) {
    case 'ip':
      break;
    case 'path': {
      const path = request.path;
      const query = path.indexOf('?');
      return hashString(path, 0, 0, query < 0 ? path.length : query);
    }
    case 'header': {
      const value = request.headers[key.name];
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined && first.length > 0) hash = hashString(first);
      break;
    }
    case 'cookie': {
      const value = request.headers.cookie;
      if (typeof value === 'string') hash = hashCookie(value, key.name);
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length && hash < 0; i++) hash = hashCookie(value[i]!, key.name);
      }
      break;
    }
    case 'query':
      hash = hashQueryParameter(request.path, key.name);
      break;
  }
  return hash >= 0 ? hash : hashString(request.clientAddress);
}

/** Hash of cookie `name`'s value in a `Cookie` header, or -1 if absent or empty. */
function hashCookie(header: string, name: string): number {
  const length = header.length;
  let i = 0;
  while (i < length) {
    while (i < length && (header.charCodeAt(i) === 0x20 || header.charCodeAt(i) === 0x09)) i++;
    if (header.startsWith(name, i) && header.charCodeAt(i + name.length) === 0x3d /* = */) {
      let start = i + name.length + 1;
      let end = header.indexOf(';', start);
      if (end < 0) end = length;
      while (end > start && header.charCodeAt(end - 1) === 0x20) end--;
      // A quoted cookie value means the same as the bare one.
      if (end - start >= 2 && header.charCodeAt(start) === 0x22 && header.charCodeAt(end - 1) === 0x22) {
        start++;
        end--;
      }
      return end > start ? hashString(header, 0, start, end) : -1;
    }
    const semicolon = header.indexOf(';', i);
    if (semicolon < 0) break;
    i = semicolon + 1;
  }
  return -1;
}

/**
 * Hash of query parameter `name`'s first value, or -1 if absent or empty.
 * The raw (still percent-encoded) value is hashed: clients that send the same
 * URL get the same backend, and nothing is decoded per request.
 */
function hashQueryParameter(path: string, name: string): number {
  const length = path.length;
  let i = path.indexOf('?');
  if (i < 0) return -1;
  i++;
  while (i < length) {
    let end = path.indexOf('&', i);
    if (end < 0) end = length;
    if (path.startsWith(name, i) && path.charCodeAt(i + name.length) === 0x3d /* = */) {
      const start = i + name.length + 1;
      return end > start ? hashString(path, 0, start, end) : -1;
    }
    i = end + 1;
  }
  return -1;
}
