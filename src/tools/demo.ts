// `fairway demo`: test backends (three by default) as child processes, the load balancer
// in front of them (plain HTTP, and HTTPS with a self-signed certificate made
// on the spot), and the admin listener — everything a newcomer needs to
// watch balancing and health checks work.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, formatProblems } from '../config/load.js';
import { createFairway, type Fairway } from '../fairway.js';
import { BackendProcess } from './backend-process.js';
import { demoRoutes } from './demo-routes.js';
import { selfSignedCertificate } from './self-signed-certificate.js';

export interface DemoOptions {
  host: string;
  port: number;
  /** The HTTPS listener's port (self-signed certificate). */
  httpsPort: number;
  adminPort: number;
  backendPorts: number[];
  logFormat: 'json' | 'pretty';
}

export interface RunningDemo {
  fairway: Fairway;
  backends: BackendProcess[];
  proxyUrl: string;
  httpsUrl: string;
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const backends = options.backendPorts.map(
    (port, i) => new BackendProcess({ name: `backend-${i + 1}`, host: '127.0.0.1', port }),
  );
  try {
    await Promise.all(backends.map((b) => b.start()));
  } catch (err) {
    await Promise.all(backends.map((b) => b.stop()));
    throw err;
  }

  // The certificate lives as long as the demo: files in a directory of its own.
  const certDir = mkdtempSync(join(tmpdir(), 'fairway-demo-tls-'));
  const removeCertDir = () => {
    process.off('exit', removeCertDir);
    rmSync(certDir, { recursive: true, force: true });
  };
  // A second Ctrl+C exits at once, without stop(): the files go then too.
  process.on('exit', removeCertDir);
  const pair = selfSignedCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
  writeFileSync(join(certDir, 'localhost.pem'), pair.cert);
  writeFileSync(join(certDir, 'localhost.key'), pair.key, { mode: 0o600 });

  const loaded = loadConfig({
    env: {},
    flags: {
      host: options.host,
      port: String(options.port),
      tlsCert: join(certDir, 'localhost.pem'),
      tlsKey: join(certDir, 'localhost.key'),
      httpsPort: String(options.httpsPort),
      adminHost: '127.0.0.1',
      adminPort: String(options.adminPort),
      backend: backends.map((b) => b.url),
      interval: '1s',
      logFormat: options.logFormat,
    },
  });
  if (!loaded.ok) {
    await Promise.all(backends.map((b) => b.stop()));
    removeCertDir();
    throw new Error(formatProblems(loaded.errors));
  }
  // Quick reactions make the demo easy to follow: down after 2 failed checks.
  for (const pool of loaded.config.pools) {
    // Stats and logs name backends as the banner does.
    pool.backends.forEach((b, i) => (b.id = backends[i]!.options.name));
    pool.healthCheck.unhealthyThreshold = 2;
    pool.healthCheck.timeoutMs = 1_000;
  }
  loaded.config.shutdownTimeoutMs = 5_000;
  let fairway: Fairway | undefined;
  let addresses;
  try {
    fairway = createFairway(loaded.config, { adminRoutes: demoRoutes(backends) });
    addresses = await fairway.listen();
  } catch (err) {
    await fairway?.close(0);
    await Promise.all(backends.map((b) => b.stop()));
    removeCertDir();
    throw err;
  }
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    fairway: fairway!,
    backends,
    proxyUrl: `http://${shownHost}:${addresses.proxy.port}`,
    httpsUrl: `https://${shownHost}:${addresses.listeners.find((l) => l.secure)!.address.port}`,
    adminUrl: `http://127.0.0.1:${addresses.admin!.port}`,
    async stop() {
      await fairway!.close();
      await Promise.all(backends.map((b) => b.stop()));
      removeCertDir();
    },
  };
}

export function demoBanner(demo: RunningDemo): string {
  const first = demo.backends[0]!;
  const n = demo.backends.length;
  return [
    '',
    'fairway demo is running',
    `  load balancer   ${demo.proxyUrl}`,
    `                  ${demo.httpsUrl}  (self-signed certificate: curl -k)`,
    `  dashboard       ${demo.adminUrl}/`,
    `  admin           ${demo.adminUrl}/lb/stats`,
    ...demo.backends.map((b) => `  backend         ${b.url}  (${b.options.name})`),
    '',
    n === 1 ? `Try:  curl ${demo.proxyUrl}        (answered by ${first.options.name})` : `Try:  curl ${demo.proxyUrl}        (${n} times: ${n} different backends)`,
    `Tip:  curl '${first.url}/control?healthy=false'   makes ${first.options.name} fail its health checks; traffic moves to the others`,
    `      curl '${first.url}/control?healthy=true'    brings it back`,
    'Ctrl+C stops everything.',
    '',
  ].join('\n');
}
