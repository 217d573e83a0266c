// Errors of the HTTP/1.1 client transport. Codes follow undici's names so the
// proxy's classifier and the health checker read both alike; socket errors
// (ECONNREFUSED, ECONNRESET, EPIPE, ...) pass through untouched. A backend
// certificate that failed verification is fairway's own code, since undici
// passes that TLS error through.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export type TransportErrorCode =
  | 'UND_ERR_CONNECT_TIMEOUT'
  | 'UND_ERR_HEADERS_TIMEOUT'
  | 'UND_ERR_BODY_TIMEOUT'
  | 'UND_ERR_SOCKET'
  | 'UND_ERR_INVALID_RESPONSE'
  | 'UND_ERR_NOT_SUPPORTED'
  | 'UND_ERR_INVALID_ARG'
  | 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
  | 'UND_ERR_ABORTED'
  | 'UND_ERR_CLOSED'
  | 'UND_ERR_DESTROYED'
  | 'FAIRWAY_TLS_CERTIFICATE';

export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Fields the transport may add to any error it reports. */
export interface TransportErrorFields {
  code?: string;
  /**
   * The connection had served earlier requests and closed or reset before a
   * single byte of this response arrived: the idle keep-alive race. The
   * backend processed nothing, so the request is safe to send again.
   */
  reusedConnection?: boolean;
}

export function markReusedConnection(err: Error): Error {
  (err as Error & TransportErrorFields).reusedConnection = true;
  return err;
}

/** A reused keep-alive connection closed before any response byte: always safe to retry. */
export function isIdleConnectionRace(err: unknown): boolean {
  return (err as TransportErrorFields | undefined)?.reusedConnection === true;
}

export function invalidResponse(message: string): TransportError {
  return new TransportError('UND_ERR_INVALID_RESPONSE', message);
}

/** The backend's certificate failed verification; `reason` is OpenSSL's or Node's code for why. */
export class CertificateRejected extends TransportError {
  constructor(
    readonly reason: string,
    host: string,
    cause: Error,
  ) {
    super('FAIRWAY_TLS_CERTIFICATE', `the TLS certificate of ${host} was not accepted: ${reason} (${cause.message})`);
    this.cause = cause;
  }
}

/**
 * The error of a TLS socket that closed during its handshake because the
 * backend's certificate failed verification (tls.connect records why in
 * `authorizationError` before it destroys the socket); undefined for any
 * other error or socket.
 */
export function certificateRejection(socket: Socket, err: Error, host: string): CertificateRejected | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized === true) return undefined;
  const reason = tls.authorizationError as unknown;
  if (reason === undefined || reason === null || reason === '') return undefined;
  return new CertificateRejected(String(reason), host, err);
}
