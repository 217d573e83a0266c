// A pool's `tls:` towards its https:// backends: CA certificates trusted
// besides the default ones, the name checked against the backend's
// certificate (and sent as SNI), an optional client certificate, and the
// lab-only switch that turns verification off. The files are read and parsed
// here, when the config loads, so a bad path or PEM is a validation error
// with its key, and every reload reads them again.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import type { PoolSettingContext } from './setting-context.js';

/** A PEM file as read when the config loaded. */
export interface BackendPemFile {
  /** As written in the config (relative paths are from the working directory). */
  path: string;
  pem: string;
}

export interface BackendTlsConfig {
  /** CA certificates trusted besides the default ones (one file, one or more certificates). */
  ca?: BackendPemFile;
  /** Client certificate (its chain may follow it), given with `key`. */
  cert?: BackendPemFile;
  key?: BackendPemFile;
  /** The name the certificate must carry, sent as SNI unless it is an IP; default: each backend's host. */
  servername?: string;
  /** Accept any certificate (labs only; logged as a warning). */
  insecureSkipVerify: boolean;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

/** Reads a file named by a config value; the check's message names the path. */
function readPem(input: unknown, example: string): f.Check<BackendPemFile> {
  const path = f.filePath(input);
  if (!path.ok) return { ok: false, message: `${f.show(input)} is not a file path (expected a PEM file, e.g. ${example})` };
  try {
    return { ok: true, value: { path: path.value, pem: readFileSync(path.value, 'utf8') } };
  } catch (err) {
    return { ok: false, message: `cannot read ${JSON.stringify(path.value)} (${describeReadFailure(err)})` };
  }
}

/** A file of one or more PEM certificates, each of which must parse. */
function certificatesFile(example: string): f.Validator<BackendPemFile> {
  return (input) => {
    const file = readPem(input, example);
    if (!file.ok) return file;
    const blocks = file.value.pem.match(CERTIFICATE_BLOCK) ?? [];
    const where = JSON.stringify(file.value.path);
    if (blocks.length === 0) {
      return { ok: false, message: `${where} holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)` };
    }
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (err) {
        const which = blocks.length > 1 ? `certificate ${i + 1} of ${blocks.length} in ${where}` : `the certificate in ${where}`;
        return { ok: false, message: `${which} cannot be parsed (${(err as Error).message})` };
      }
    }
    return file;
  };
}

/** An unencrypted PEM private key. */
const privateKeyFile: f.Validator<BackendPemFile> = (input) => {
  const file = readPem(input, '/etc/fairway/client.key');
  if (!file.ok) return file;
  try {
    createPrivateKey(file.value.pem);
  } catch (err) {
    const where = JSON.stringify(file.value.path);
    if ((err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') {
      return { ok: false, message: `the key in ${where} is encrypted (fairway needs an unencrypted PEM key)` };
    }
    return { ok: false, message: `${where} holds no private key that can be read (${(err as Error).message})` };
  }
  return file;
};

/** A DNS name or IP address to check the certificate against. */
const serverName: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || !/^[A-Za-z0-9.:_-]{1,253}$/.test(input.trim())) {
    return { ok: false, message: `${f.show(input)} is not a server name (expected a DNS name such as api.internal, or an IP address)` };
  }
  return { ok: true, value: input.trim().toLowerCase() };
};

const tlsSchema = strict(
  {
    ca: field(certificatesFile('/etc/fairway/backend-ca.pem')).optional(),
    cert: field(certificatesFile('/etc/fairway/client.pem')).optional(),
    key: field(privateKeyFile).optional(),
    servername: field(serverName).optional(),
    insecureSkipVerify: field(f.boolean).optional(),
  },
  'tls',
).transform(
  (t): Partial<BackendTlsConfig> =>
    defined({ ca: t.ca, cert: t.cert, key: t.key, servername: t.servername, insecureSkipVerify: t.insecureSkipVerify }),
);

export const tlsShape = { tls: tlsSchema.optional() };

/**
 * Merges the top level's and the pool's `tls:` key by key. Undefined when
 * neither sets anything: https backends then get the defaults (verified
 * against the default CAs, by their host name, no client certificate).
 */
export function resolveBackendTls(
  top: Partial<BackendTlsConfig> | undefined,
  own: Partial<BackendTlsConfig> | undefined,
  ctx: PoolSettingContext,
): BackendTlsConfig | undefined {
  if (top === undefined && own === undefined) return undefined;
  const tls: BackendTlsConfig = { insecureSkipVerify: false, ...top, ...own };
  const ownSet = (key: keyof BackendTlsConfig): boolean => own?.[key] !== undefined;
  const reads = ctx.reads('tls.cert', 'tls.key');
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? 'cert' : 'key';
    const given = missing === 'cert' ? 'key' : 'cert';
    ctx.report(
      {
        path: ctx.at(ownSet(given), `tls.${missing}`),
        message: `missing (tls.${given} is set; a client certificate needs both tls.cert and tls.key)`,
      },
      reads,
    );
  } else if (tls.cert !== undefined && tls.key !== undefined && !keyFitsCertificate(tls.cert, tls.key)) {
    ctx.report(
      {
        path: ctx.at(ownSet('key') || ownSet('cert'), 'tls.key'),
        message: `the key in ${JSON.stringify(tls.key.path)} does not belong to the certificate in ${JSON.stringify(tls.cert.path)}`,
      },
      reads,
    );
  }
  return tls;
}

/** Whether the first certificate of `cert` (the client's own) is the public half of `key`. */
function keyFitsCertificate(cert: BackendPemFile, key: BackendPemFile): boolean {
  try {
    const leaf = cert.pem.match(CERTIFICATE_BLOCK)![0];
    return new X509Certificate(leaf).checkPrivateKey(createPrivateKey(key.pem));
  } catch {
    return false;
  }
}
