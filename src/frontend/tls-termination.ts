// TLS termination for one listener: the https server's options (Mozilla's
// intermediate profile by default, ALPN, one ticket key for the process
// lifetime so sessions resume across certificate swaps), the SNICallback
// over our own certificate map, client certificates, HSTS, and the live
// swap of certificates — from a reload (prepare, then commit) or from the
// certificate files changing on disk. A swap replaces the map the callback
// reads and the server's default context; open connections keep theirs.
import { createHash, randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions, type Server as TlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import type { ListenerConfig } from '../config/types.js';
import { certificateSettingPath } from '../config/sections/listeners.js';
import type { Logger } from '../observability/logger.js';
import { watchFiles, type FileWatch } from './certificate-watch.js';
import { CertificateProblem, loadCaBundle, loadCertificate, validityWarning, type LoadedCertificate } from './certificates.js';
import { verifiedSubject, withClientSubject } from './client-subject.js';
import type { SecureServing } from './secure-serving.js';
import { SniMap } from './sni.js';

/** What ALPN offers, best first; h2 unless the listener says http2: false. */
const alpnProtocols = (listener: ListenerConfig): string[] => (listener.http2.enabled ? ['h2', 'http/1.1'] : ['http/1.1']);

/** One certificate as /lb/stats and /metrics show it. */
export interface CertificateDescription {
  name: string;
  subjectNames: string[];
  notBefore: string;
  notAfter: string;
  expired: boolean;
  /** Answers clients whose name no certificate covers (and clients without SNI). */
  default: boolean;
}

/** Everything a listener's TLS needs, built whole before it is swapped in. */
interface TlsState {
  listener: ListenerConfig;
  certificates: LoadedCertificate[];
  sni: SniMap<SecureContext>;
  /** For names no certificate covers; undefined with strictSni. */
  fallback: SecureContext | undefined;
  defaultIndex: number;
  /** The server's own context: the default certificate's, or none with strictSni (clients without SNI then fail). */
  serverContext: SecureContextOptions;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  hsts: string | undefined;
  subjectHeader: string | undefined;
  /** Of every file's content and setting, to tell a real change from a touch. */
  fingerprint: string;
}

export interface PreparedTls {
  /** Whether committing changes anything (files or settings). */
  readonly changed: boolean;
  commit(): void;
}

function hstsValue(listener: ListenerConfig): string | undefined {
  const h = listener.hsts;
  if (h === undefined) return undefined;
  return `max-age=${h.maxAgeSeconds}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
}

export class TlsTermination implements SecureServing {
  /** Session tickets stay valid across swaps for as long as the process runs. */
  private readonly ticketKeys = randomBytes(48);
  private readonly sessionIdContext: string;
  private state: TlsState;
  private server: TlsServer | undefined;
  private watch: FileWatch | undefined;
  private watchedFiles = '';

  /** Loads the certificates of `listener`; throws a CertificateProblem if any pair is broken. */
  constructor(
    listener: ListenerConfig,
    private readonly logger: Logger,
  ) {
    this.sessionIdContext = createHash('sha256').update(`fairway ${listener.name}`).digest('hex').slice(0, 32);
    this.state = this.build(listener);
    this.warnAboutValidity(this.state);
  }

  get name(): string {
    return this.state.listener.name;
  }

  /** The options of the https server, for its creation. */
  serverOptions(): TlsOptions {
    const s = this.state;
    return {
      ...s.serverContext,
      SNICallback: this.sniCallback,
      ALPNProtocols: alpnProtocols(s.listener),
      requestCert: s.requestCert,
      rejectUnauthorized: s.rejectUnauthorized,
    };
  }

  /** The server the swaps apply to; starts watching the certificate files. */
  attach(server: TlsServer): void {
    this.server = server;
    // Handshakes that fail (a scanner, an unknown name under strictSni, no client certificate) are the client's business.
    server.on('tlsClientError', (err: Error & { code?: string }) => {
      this.logger.debug({ listener: this.name, err: err.message, code: err.code }, 'TLS handshake failed');
    });
    this.rewatch();
  }

  get hsts(): string | undefined {
    return this.state.hsts;
  }

  get hasClientSubject(): boolean {
    return this.state.subjectHeader !== undefined;
  }

  requestHeaders(raw: readonly string[], socket: TLSSocket): string[] {
    const header = this.state.subjectHeader;
    return header === undefined ? [...raw] : withClientSubject(raw, header, verifiedSubject(socket));
  }

  /** Loads what `next` names and checks it, changing nothing; throws a CertificateProblem. */
  prepare(next: ListenerConfig): PreparedTls {
    const state = this.build(next);
    return {
      changed: state.fingerprint !== this.state.fingerprint,
      commit: () => this.swap(state),
    };
  }

  /** Re-reads the certificate files (they changed on disk); a broken pair keeps the ones in use. */
  reloadFromDisk(retry = true): void {
    let prepared: PreparedTls;
    try {
      prepared = this.prepare(this.state.listener);
    } catch (err) {
      // A certificate and its key are often written one after the other: look again before blaming them.
      if (retry) {
        setTimeout(() => this.reloadFromDisk(false), 1_000).unref();
        return;
      }
      const problem = err instanceof CertificateProblem ? `${err.path}: ${err.message}` : (err as Error).message;
      this.logger.error({ listener: this.name, problem }, 'certificate files changed but cannot be used; keeping the certificates in use');
      return;
    }
    if (!prepared.changed) return;
    prepared.commit();
    this.logger.info({ listener: this.name, certificates: this.state.certificates.map((c) => c.name) }, 'certificates reloaded from disk');
  }

  describe(): CertificateDescription[] {
    const now = Date.now();
    return this.state.certificates.map((c, i) => ({
      name: c.name,
      subjectNames: [...c.names],
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      expired: c.notAfter.getTime() < now,
      default: i === this.state.defaultIndex,
    }));
  }

  /** The certificates in use, for the expiry metric. */
  get certificates(): readonly LoadedCertificate[] {
    return this.state.certificates;
  }

  close(): void {
    this.watch?.close();
    this.watch = undefined;
  }

  private readonly sniCallback = (serverName: string, callback: (err: Error | null, ctx?: SecureContext) => void): void => {
    const s = this.state;
    const found = s.sni.lookup(serverName);
    if (found !== undefined) return callback(null, found);
    if (s.fallback === undefined) return callback(new Error(`no certificate covers "${serverName}" (strictSni)`));
    callback(null, s.fallback);
  };

  private swap(state: TlsState): void {
    const previous = this.state;
    this.state = state;
    if (this.server !== undefined) {
      this.server.setSecureContext(state.serverContext);
      // Read by node per new connection.
      const server = this.server as TlsServer & { requestCert: boolean; rejectUnauthorized: boolean };
      server.requestCert = state.requestCert;
      server.rejectUnauthorized = state.rejectUnauthorized;
    }
    if (state.fingerprint !== previous.fingerprint) this.warnAboutValidity(state);
    this.rewatch();
  }

  private rewatch(): void {
    if (this.server === undefined) return;
    const tls = this.state.listener.tls!;
    const files = [...tls.certificates.flatMap((c) => [c.cert, c.key]), ...(tls.clientAuth ? [tls.clientAuth.ca] : [])];
    const key = files.join('\n');
    if (key === this.watchedFiles && this.watch !== undefined) return;
    this.watch?.close();
    this.watchedFiles = key;
    this.watch = watchFiles(files, () => this.reloadFromDisk(), this.logger);
  }

  private warnAboutValidity(state: TlsState): void {
    for (const cert of state.certificates) {
      const warning = validityWarning(cert);
      if (warning !== undefined) this.logger.warn({ listener: state.listener.name, certificate: cert.name }, warning);
    }
  }

  /** Reads and checks every file `listener` names and builds the contexts; throws a CertificateProblem. */
  private build(listener: ListenerConfig): TlsState {
    const tls = listener.tls;
    if (tls === undefined) throw new Error(`listener ${listener.name} has no tls settings`);
    const certificates = tls.certificates.map((files, i) =>
      loadCertificate(files, { cert: certificateSettingPath(listener, i, 'cert'), key: certificateSettingPath(listener, i, 'key') }),
    );
    // Names label metrics and stats: two pairs for one host get apart.
    const seen = new Map<string, number>();
    for (const c of certificates) {
      const n = (seen.get(c.name) ?? 0) + 1;
      seen.set(c.name, n);
      if (n > 1) c.name = `${c.name}#${n}`;
    }
    const ca = tls.clientAuth === undefined ? undefined : loadCaBundle(tls.clientAuth.ca, `${listener.configPath}.tls.clientAuth.ca`);
    const profile: SecureContextOptions = {
      minVersion: tls.minVersion,
      ciphers: tls.ciphers,
      ecdhCurve: tls.ecdhCurve,
      // The profile's DHE suites need parameters; OpenSSL picks well-known ones.
      dhparam: 'auto',
      honorCipherOrder: true,
      ticketKeys: this.ticketKeys,
      sessionIdContext: this.sessionIdContext,
      ...(ca === undefined ? {} : { ca }),
    };
    const contexts = certificates.map((c, i) => {
      try {
        return createSecureContext({ ...profile, cert: c.certPem, key: c.keyPem });
      } catch (err) {
        throw new CertificateProblem(certificateSettingPath(listener, i, 'cert'), `${c.files.cert} cannot be used: ${(err as Error).message}`);
      }
    });
    const defaultIndex = tls.defaultCertificate === undefined ? 0 : Math.max(0, tls.certificates.findIndex((c) => c.name === tls.defaultCertificate));
    const byDefault = certificates[defaultIndex]!;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ tls, hsts: listener.hsts }))
      .update(certificates.map((c) => c.certPem + c.keyPem).join('\n'))
      .update(ca ?? '')
      .digest('hex');
    return {
      listener,
      certificates,
      sni: new SniMap(certificates.map((c, i) => ({ names: c.names, value: contexts[i]! }))),
      fallback: tls.strictSni ? undefined : contexts[defaultIndex],
      defaultIndex,
      serverContext: tls.strictSni ? profile : { ...profile, cert: byDefault.certPem, key: byDefault.keyPem },
      requestCert: tls.clientAuth !== undefined,
      rejectUnauthorized: tls.clientAuth?.mode === 'require',
      hsts: hstsValue(listener),
      subjectHeader: tls.clientAuth?.subjectHeader,
      fingerprint,
    };
  }
}
