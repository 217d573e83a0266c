// The three ways a Redis command fails, so a caller (a rate limit's
// onStoreError, a log line) can tell "Redis said no" from "Redis is not there".

/** Redis answered with an error reply (`-ERR …`, `-NOSCRIPT …`). */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
  /** The reply's first word: ERR, NOSCRIPT, WRONGTYPE, NOAUTH, … */
  readonly code: string;

  constructor(message: string) {
    super(message);
    this.code = /^[A-Z]+/.exec(message)?.[0] ?? 'ERR';
  }
}

/** The command was not sent: no connection is up (there is no offline queue), or it was closed. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** The command was sent but no answer came within the command timeout. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}
