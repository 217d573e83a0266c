// A request body as the exchange reads it: the bytes the connection's parser
// hands over, as a Readable whose backpressure reaches the socket (a full
// buffer pauses parsing and reading; a read resumes both).
import { Readable } from 'node:stream';

export interface BodySource {
  /** The reader wants more: parse what is buffered and read the socket again. */
  resumeBody(): void;
}

export class RequestBodyStream extends Readable {
  constructor(private readonly source: BodySource) {
    super();
  }

  override _read(): void {
    this.source.resumeBody();
  }
}
