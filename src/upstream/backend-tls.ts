// What a TLS handshake with an https:// backend trusts, checks and sends,
// built from its pool's `tls:` settings in this one place, so that requests
// and active health checks verify a backend alike.
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { BackendTlsConfig } from '../config/types.js';

/** tls.connect options for one backend (undici's `connect` takes them too). */
export type BackendTlsOptions = Pick<tls.ConnectionOptions, 'secureContext' | 'servername' | 'rejectUnauthorized' | 'checkServerIdentity'>;

// One context per pool's settings: with extra CAs it holds every default CA
// as well, which takes tens of milliseconds to build.
const contexts = new WeakMap<BackendTlsConfig, tls.SecureContext>();

/** The handshake options for the backend at `url` under its pool's `tls:` (undefined: the defaults). */
export function backendTlsOptions(url: URL, config: BackendTlsConfig | undefined): BackendTlsOptions {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const name = config?.servername ?? host;
  const options: BackendTlsOptions = { rejectUnauthorized: config?.insecureSkipVerify !== true };
  if (isIP(name) === 0) {
    options.servername = name;
  } else if (name !== host) {
    // RFC 6066 allows no IP address as SNI: none is sent, but the IP is still
    // what the certificate must name (tls.connect checks `host` without one).
    options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
  }
  const secureContext = config === undefined ? undefined : contextFor(config);
  if (secureContext !== undefined) options.secureContext = secureContext;
  return options;
}

/** Undefined when nothing differs from tls.connect's own default context. */
function contextFor(config: BackendTlsConfig): tls.SecureContext | undefined {
  if (config.ca === undefined && config.cert === undefined) return undefined;
  let context = contexts.get(config);
  if (context === undefined) {
    context = tls.createSecureContext({
      // A given `ca` replaces the default CAs; the pool's are trusted besides them.
      ...(config.ca !== undefined ? { ca: [...defaultCertificates(), config.ca.pem] } : {}),
      ...(config.cert !== undefined && config.key !== undefined ? { cert: config.cert.pem, key: config.key.pem } : {}),
    });
    contexts.set(config, context);
  }
  return context;
}

/**
 * The CAs tls.connect trusts by default: on Node.js 22.15 and later that
 * includes NODE_EXTRA_CA_CERTS and the system store when Node is told to use
 * it; before, the bundled Mozilla store.
 */
function defaultCertificates(): readonly string[] {
  const all = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  return typeof all === 'function' ? all('default') : tls.rootCertificates;
}
