// The TLS side of the compare targets: one ECDSA P-256 certificate per run
// (so the handshake costs what a typical certificate costs), and the TLS
// server block and bind that NGINX and HAProxy get beside their plain ones.
// Each target has one TLS port that offers h2 and http/1.1 in ALPN, as
// fairway's TLS listener does; wrk sends no ALPN and gets HTTP/1.1.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NGINX_PROXY_LOCATION } from './configs.js';
import { runQuiet } from './processes.js';

export interface Certificate {
  certFile: string;
  keyFile: string;
  /** Certificate then key in one file, as HAProxy's `crt` wants it. */
  combinedFile: string;
  /** The certificate's PEM, for clients to trust. */
  pem: string;
}

/** A self-signed certificate for 127.0.0.1, valid two days, made with openssl into `dir`. */
export function makeCertificate(dir: string): Certificate {
  const certFile = join(dir, 'tls-cert.pem');
  const keyFile = join(dir, 'tls-key.pem');
  const made = runQuiet('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  if (made.code !== 0) throw new Error(`openssl could not make the certificate:\n${made.output}`);
  const pem = readFileSync(certFile, 'utf8');
  const combinedFile = join(dir, 'tls-combined.pem');
  writeFileSync(combinedFile, pem + readFileSync(keyFile, 'utf8'));
  return { certFile, keyFile, combinedFile, pem };
}

/** `nginx version: nginx/1.22.1` → [1, 22, 1]; undefined if it says something else. */
export function nginxVersion(text: string): number[] | undefined {
  const m = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** `http2 on;` exists from nginx 1.25.1; older ones (Debian 12 has 1.22) take `listen ... http2`. */
function hasHttp2Directive(version: readonly number[] | undefined): boolean {
  if (version === undefined) return false;
  const [major = 0, minor = 0, patch = 0] = version;
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

/** A server block on `port` with the certificate, h2 on, proxying like the plain one. */
export function nginxTlsServer(port: number, cert: Certificate, version: readonly number[] | undefined): string {
  const directive = hasHttp2Directive(version);
  return `  server {
    listen 127.0.0.1:${port} ssl${directive ? '' : ' http2'};
${directive ? '    http2 on;\n' : ''}    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
${NGINX_PROXY_LOCATION}
  }
`;
}

/** A bind line for HAProxy's frontend: TLS on `port`, h2 and http/1.1 in ALPN. */
export function haproxyTlsBind(port: number, cert: Certificate): string {
  return `bind 127.0.0.1:${port} ssl crt ${cert.combinedFile} alpn h2,http/1.1 ssl-min-ver TLSv1.2 curves X25519:P-256:P-384`;
}
