// Certificates for the TLS tests, made with the openssl CLI in a temp dir: a
// CA, leaves it signs (exact names, a wildcard, a default, client
// certificates) and an expired one. CI installs openssl (.ci/run); elsewhere
// the tests that need it are skipped without it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A reason to skip for node:test's `skip` option, or false. */
export const skipWithoutOpenssl: string | false = !hasOpenssl() && process.env['CI'] !== 'true' ? 'the openssl CLI is not installed' : false;

export interface Pair {
  cert: string;
  key: string;
}

export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'fairway-tls-'));
  readonly ca: Pair;

  constructor() {
    this.ca = { cert: join(this.dir, 'ca.pem'), key: join(this.dir, 'ca.key') };
    this.openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.ca.key, '-out', this.ca.cert, '-days', '30', '-subj', '/CN=fairway test CA');
  }

  /** A server certificate the CA signs, for `names` (SAN DNS entries); `days` < 0 makes it expired. */
  server(file: string, names: readonly string[], days = 30): Pair {
    return this.signed(file, `/CN=${names[0]}`, days, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  }

  /** A client certificate the CA signs. */
  client(file: string, subject: string): Pair {
    return this.signed(file, subject, 30, 'extendedKeyUsage=clientAuth\n');
  }

  /** A certificate signed by itself, not the CA (a client the CA never vouched for). */
  selfSigned(file: string, subject: string): Pair {
    const pair = { cert: join(this.dir, `${file}.pem`), key: join(this.dir, `${file}.key`) };
    this.openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pair.key, '-out', pair.cert, '-days', '30', '-subj', subject);
    return pair;
  }

  private signed(file: string, subject: string, days: number, extensions: string): Pair {
    const pair = { cert: join(this.dir, `${file}.pem`), key: join(this.dir, `${file}.key`) };
    const csr = join(this.dir, `${file}.csr`);
    const ext = join(this.dir, `${file}.ext`);
    writeFileSync(ext, extensions);
    this.openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pair.key, '-out', csr, '-subj', subject);
    this.openssl('x509', '-req', '-in', csr, '-CA', this.ca.cert, '-CAkey', this.ca.key, '-CAcreateserial', '-out', pair.cert, '-days', String(days), '-extfile', ext);
    return pair;
  }

  openssl(...args: string[]): string {
    return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).toString();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
