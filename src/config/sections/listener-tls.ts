// A listener's `tls:` block (TLS termination: certificates, SNI, protocol
// versions, ciphers, client certificates) and its `hsts:` block. The files are
// only named here; the frontend reads and checks them (src/frontend/certificates.ts),
// at start-up and in every reload, so a broken pair rejects the reload.
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface ListenerCertificateConfig {
  /** Names the pair in /lb/stats, /metrics and `defaultCertificate`; default: its first subject name. */
  name?: string;
  /** PEM file: the certificate, then its intermediates. */
  cert: string;
  /** PEM file: the private key (unencrypted). */
  key: string;
}

export type ClientAuthMode = 'request' | 'require';

export interface ClientAuthConfig {
  /** PEM file of the CAs a client certificate must chain to. */
  ca: string;
  /** request: ask, let clients without a valid one in; require: refuse the handshake without one. */
  mode: ClientAuthMode;
  /** Lower-case header that carries the verified subject upstream; a client's own copy is always removed. */
  subjectHeader?: string;
}

export interface ListenerTlsConfig {
  certificates: ListenerCertificateConfig[];
  /** Name of the certificate for clients whose SNI no certificate covers (or without SNI); default: the first. */
  defaultCertificate?: string;
  /** Refuse the handshake for names no certificate covers, and for clients without SNI. */
  strictSni: boolean;
  minVersion: TlsVersion;
  /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's own). */
  ciphers: string;
  /** Key-exchange groups, in order of preference. */
  ecdhCurve: string;
  clientAuth?: ClientAuthConfig;
}

export interface HstsConfig {
  maxAgeSeconds: number;
  includeSubDomains: boolean;
  preload: boolean;
}

// Mozilla's "intermediate" server profile (ssl-config.mozilla.org, version 5.7).
export const MOZILLA_INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

export const LISTENER_TLS_DEFAULTS = {
  strictSni: false,
  minVersion: 'TLSv1.2' as TlsVersion,
  ciphers: MOZILLA_INTERMEDIATE_CIPHERS,
  ecdhCurve: 'X25519:P-256:P-384',
} as const;

const tlsVersion: f.Validator<TlsVersion> = (input) => {
  const text = typeof input === 'string' || typeof input === 'number' ? String(input).trim().toLowerCase().replace(/^tls\s*v?/, '') : '';
  if (text === '1.2') return { ok: true, value: 'TLSv1.2' };
  if (text === '1.3') return { ok: true, value: 'TLSv1.3' };
  const old = ['1', '1.0', '1.1'].includes(text) ? ' (TLS 1.1 and older are not offered: they are insecure)' : '';
  return { ok: false, message: `${f.show(input)} is not a TLS version fairway accepts${old} (accepted: TLSv1.2, TLSv1.3)` };
};

/** An OpenSSL cipher list that matches at least one cipher (checked by OpenSSL itself; no I/O). */
const cipherList: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '') {
    return { ok: false, message: `${f.show(input)} is not a cipher list (expected OpenSSL names separated by ":", e.g. ECDHE-RSA-AES128-GCM-SHA256)` };
  }
  try {
    createSecureContext({ ciphers: input.trim() });
  } catch (err) {
    // OpenSSL's "error:0A0000B9:SSL routines::no cipher match" says it all after its prefix.
    const why = (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
    return { ok: false, message: `${f.show(input)} is not a usable cipher list (${why})` };
  }
  return { ok: true, value: input.trim() };
};

/** An HTTP header name (RFC 9110 token), lower-cased. */
export const headerName: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(input.trim())) {
    return { ok: false, message: `${f.show(input)} is not a header name (expected e.g. X-Client-Subject)` };
  }
  return { ok: true, value: input.trim().toLowerCase() };
};

const certificateSchema = strict(
  { name: field(f.name('certificate name')).optional(), cert: field(f.filePath), key: field(f.filePath) },
  'a certificate',
).transform((c): ListenerCertificateConfig => ({ ...defined({ name: c.name }), cert: c.cert, key: c.key }));

const clientAuthSchema = strict(
  {
    ca: field(f.filePath),
    mode: field(f.oneOf(['request', 'require'] as const, 'client certificate mode')).optional(),
    subjectHeader: field(headerName).optional(),
  },
  'clientAuth',
).transform((c): ClientAuthConfig => ({ ca: c.ca, mode: c.mode ?? 'require', ...defined({ subjectHeader: c.subjectHeader }) }));

/** What the file says in a listener's `tls:`; defaults are filled in when the listener resolves. */
export type FileListenerTls = Partial<ListenerTlsConfig> & { certificates: ListenerCertificateConfig[] };

export const listenerTlsSchema = strict(
  {
    certificates: z.array(certificateSchema).min(1, { error: 'expected at least one { cert, key } pair' }),
    defaultCertificate: field(f.name('certificate name')).optional(),
    strictSni: field(f.boolean).optional(),
    minVersion: field(tlsVersion).optional(),
    ciphers: field(cipherList).optional(),
    clientAuth: clientAuthSchema.optional(),
  },
  'tls',
).transform(
  (t): FileListenerTls => ({
    certificates: t.certificates,
    ...defined({ defaultCertificate: t.defaultCertificate, strictSni: t.strictSni, minVersion: t.minVersion, ciphers: t.ciphers, clientAuth: t.clientAuth }),
  }),
);

/** A listener's TLS settings with the defaults filled in. */
export function resolveListenerTls(file: FileListenerTls): ListenerTlsConfig {
  return { ...LISTENER_TLS_DEFAULTS, ...file, certificates: file.certificates.map((c) => ({ ...c })) };
}

export const hstsSchema = strict(
  {
    // Durations are seconds when bare, as everywhere: maxAge: 31536000 is a year.
    maxAge: field(f.duration(0)),
    includeSubDomains: field(f.boolean).optional(),
    preload: field(f.boolean).optional(),
  },
  'hsts',
).transform(
  (h): HstsConfig => ({ maxAgeSeconds: Math.floor(h.maxAge / 1000), includeSubDomains: h.includeSubDomains ?? false, preload: h.preload ?? false }),
);
