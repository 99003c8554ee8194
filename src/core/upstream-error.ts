/** What {@link UpstreamError} was told about the failure. */
export interface UpstreamErrorDetails {
  /** The HTTP status of the answer; absent for a network error or a timeout. */
  status?: number;
  /** Authlete's `resultCode`, when the answer had one (e.g. `A001201`). */
  resultCode?: string;
  /** Authlete's `resultMessage`, when the answer had one. */
  resultMessage?: string;
  /** The underlying error: a network failure, an abort, a JSON parse error. */
  cause?: unknown;
}

/**
 * The authorization server (Authlete, an RFC 7662 introspection endpoint) could not be asked, or
 * answered something other than a well-formed answer. The guard answers 503 and keeps this error as
 * the `cause` of its `StoreUnavailableError`; the store's `onError` receives it too.
 *
 * `status`, `resultCode` and `resultMessage` are own properties only when known. The message names
 * the endpoint and what went wrong, never the token.
 */
export class UpstreamError extends Error {
  /** Stable machine-readable condition. */
  readonly code = 'ERR_UPSTREAM';
  /** The HTTP status of the answer; absent for a network error, a timeout or a redirect. */
  declare readonly status?: number;
  /** Authlete's `resultCode` (e.g. `A001201`), when the answer carried one. */
  declare readonly resultCode?: string;
  /** Authlete's `resultMessage`, when the answer carried one; it never holds the token. */
  declare readonly resultMessage?: string;

  constructor(message: string, details: UpstreamErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.status !== undefined) Object.defineProperty(this, 'status', { value: details.status, enumerable: true });
    if (details.resultCode !== undefined) Object.defineProperty(this, 'resultCode', { value: details.resultCode, enumerable: true });
    if (details.resultMessage !== undefined) {
      Object.defineProperty(this, 'resultMessage', { value: details.resultMessage, enumerable: true });
    }
  }
}
Object.defineProperty(UpstreamError.prototype, 'name', { value: 'UpstreamError', writable: true });
