// What a TLS listener's protocols ask of its TLS termination
// (tls-termination.ts): the server's options, the live swaps, and what every
// request and answer carries because the client came over TLS.
import type { Server as TlsServer, TlsOptions, TLSSocket } from 'node:tls';

export interface SecureServing {
  serverOptions(): TlsOptions;
  /** Given the server once it exists. */
  attach(server: TlsServer): void;
  /** Strict-Transport-Security for every answer, when configured. */
  readonly hsts: string | undefined;
  /** Requests carry the verified client certificate's subject in a header. */
  readonly hasClientSubject: boolean;
  /** `raw` as it goes on: the client's copy of the subject header removed, the verified subject added. */
  requestHeaders(raw: readonly string[], socket: TLSSocket): string[];
}
