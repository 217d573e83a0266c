// The verified client certificate's subject, as the header named by
// `clientAuth.subjectHeader` carries it upstream. The header is the proxy's
// word: a copy the client sent itself is always removed, verified or not.
import type { TLSSocket } from 'node:tls';
import { equalsIgnoringCase } from '../http-syntax/field-syntax.js';

/** Per connection: the subject is read once, at its first request. */
const subjects = new WeakMap<TLSSocket, string | null>();

/**
 * A distinguished name in RFC 4514 order (most specific first, e.g.
 * `CN=client,O=Example,C=DE`), from node's one-attribute-per-line form.
 */
export function formatSubject(subject: string): string {
  const escape = (value: string) => value.replace(/[\\,+"<>;]/g, (c) => `\\${c}`).replace(/^[ #]|\s$/g, (c) => `\\${c}`);
  return subject
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => {
      const at = line.indexOf('=');
      return `${line.slice(0, at)}=${escape(line.slice(at + 1))}`;
    })
    .reverse()
    .join(',');
}

/** The subject of the client's certificate when it verified against the CA, else null. */
export function verifiedSubject(socket: TLSSocket): string | null {
  let subject = subjects.get(socket);
  if (subject === undefined) {
    subject = null;
    if (socket.authorized) {
      const cert = socket.getPeerX509Certificate();
      // Header values must stay on one line of visible characters.
      if (cert !== undefined) subject = formatSubject(cert.subject).replace(/[^\x20-\x7e]/g, '?');
    }
    subjects.set(socket, subject);
  }
  return subject;
}

/** `raw` without any `header` ([name, value, …], lower-case `header`), then the verified subject if there is one. */
export function withClientSubject(raw: readonly string[], header: string, subject: string | null): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === header.length && equalsIgnoringCase(raw[i]!, header)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  if (subject !== null) out.push(header, subject);
  return out;
}
