// Reads and checks a certificate/key pair from its PEM files: it parses, the
// key matches the certificate, and its names (SAN DNS entries, else the CN)
// and validity are known. Everything that can be wrong with a pair is found
// here, before it is ever swapped in; a problem names the config setting.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { ListenerConfig } from '../config/types.js';
import { certificateSettingPath } from '../config/sections/listeners.js';

/** A certificate problem, with the config setting it concerns (`listeners[1].tls.certificates[0].key`). */
export class CertificateProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CertificateFiles {
  cert: string;
  key: string;
  /** Its name in the config, if it has one. */
  name?: string;
}

export interface LoadedCertificate {
  /** The configured name, else its first subject name. */
  name: string;
  /** Lower-case DNS names it covers (`*.example.com` for a wildcard). */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** The PEM texts as read, chain included. */
  certPem: string;
  keyPem: string;
  files: CertificateFiles;
}

function readPem(file: string, path: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CertificateProblem(path, `cannot read the ${what} file ${file} (${why})`);
  }
}

/** DNS names from a subjectAltName string (`DNS:a.example.com, IP Address:10.0.0.1`), else the subject's CN. */
export function subjectNames(cert: X509Certificate): string[] {
  const names: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(/,\s*/)) {
    // Node quotes entries holding special characters; none belongs in a host name.
    if (entry.startsWith('DNS:')) names.push(entry.slice(4).replace(/^"|"$/g, '').toLowerCase());
  }
  if (names.length > 0) return names;
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn === undefined ? [] : [cn.trim().toLowerCase()];
}

/**
 * Reads and checks one pair. `paths` are the config settings to blame;
 * throws a CertificateProblem naming one of them.
 */
export function loadCertificate(files: CertificateFiles, paths: { cert: string; key: string }): LoadedCertificate {
  const certPem = readPem(files.cert, paths.cert, 'certificate');
  const keyPem = readPem(files.key, paths.key, 'key');
  let cert: X509Certificate;
  try {
    // The first certificate of a chain is the server's own.
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new CertificateProblem(paths.cert, `${files.cert} holds no PEM certificate (${(err as Error).message})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem) ? '; encrypted keys are not supported, decrypt it first' : '';
    throw new CertificateProblem(paths.key, `${files.key} holds no usable PEM private key (${(err as Error).message}${encrypted})`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new CertificateProblem(paths.key, `the key in ${files.key} does not belong to the certificate in ${files.cert}`);
  }
  const names = subjectNames(cert);
  if (names.length === 0) throw new CertificateProblem(paths.cert, `${files.cert} names no host (no DNS subjectAltName and no CN)`);
  return {
    name: files.name ?? names[0]!,
    names,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    certPem,
    keyPem,
    files,
  };
}

/** Reads a PEM bundle of CA certificates (client authentication), checking that it holds one. */
export function loadCaBundle(file: string, path: string): string {
  const pem = readPem(file, path, 'CA');
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new CertificateProblem(path, `${file} holds no PEM certificate (${(err as Error).message})`);
  }
  return pem;
}

/** Why a loaded certificate deserves a warning (expired, not yet valid), if it does. */
export function validityWarning(cert: LoadedCertificate, now = Date.now()): string | undefined {
  if (cert.notAfter.getTime() < now) return `certificate ${cert.name} (${cert.files.cert}) expired on ${cert.notAfter.toISOString()}; clients will refuse it`;
  if (cert.notBefore.getTime() > now) return `certificate ${cert.name} (${cert.files.cert}) is not valid before ${cert.notBefore.toISOString()}`;
  return undefined;
}

/** Every problem with the certificate and CA files of `listeners`, for `fairway validate`; reads, changes nothing. */
export function certificateProblems(listeners: readonly ListenerConfig[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const attempt = (check: () => unknown) => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof CertificateProblem)) throw err;
      problems.push({ path: err.path, message: err.message });
    }
  };
  for (const l of listeners) {
    l.tls?.certificates.forEach((files, i) =>
      attempt(() => loadCertificate(files, { cert: certificateSettingPath(l, i, 'cert'), key: certificateSettingPath(l, i, 'key') })),
    );
    const ca = l.tls?.clientAuth?.ca;
    if (ca !== undefined) attempt(() => loadCaBundle(ca, `${l.configPath}.tls.clientAuth.ca`));
  }
  return problems;
}
