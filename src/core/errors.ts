const BRAND = Symbol.for('express-token-guard.AuthError');

/** Every `code` an {@link AuthError} can carry; one per subclass, stable across releases. */
export type AuthErrorCode =
  | 'ERR_INVALID_REQUEST'
  | 'ERR_CREDENTIALS_REQUIRED'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_INSUFFICIENT_USER_AUTHENTICATION'
  | 'ERR_INVALID_DPOP_PROOF'
  | 'ERR_USE_DPOP_NONCE'
  | 'ERR_STORE_UNAVAILABLE';

/** The error codes a challenge may carry: RFC 6750 §3.1's, and RFC 9470's step-up code. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'insufficient_user_authentication';

/** The error codes only a DPoP challenge carries (RFC 9449 §7.1, §9). */
export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/**
 * Base class of every error the guard raises. It travels to Express as `next(err)` and carries its
 * whole HTTP answer: `status`, and `headers` holding `WWW-Authenticate` and `Cache-Control: no-store`
 * (filled in by the middleware that raised it, from its `realm`). Express's default error handler
 * honours both; {@link authErrorHandler} adds a JSON body.
 *
 * Messages are fixed sentences: they never contain the token, a store's message, or which of the
 * `invalid_token` conditions applied. The precise condition is on `reason` (for logs).
 */
export abstract class AuthError extends Error {
  /** Stable machine-readable condition; one per subclass. */
  abstract readonly code: AuthErrorCode;
  /** HTTP status of the response. */
  abstract readonly status: number;
  /** The RFC 6750 (or RFC 9449) `error` of the challenge, or `undefined` when the challenge carries none. */
  abstract readonly error: BearerErrorCode | DpopErrorCode | undefined;
  /** Why exactly the request failed; never sent to the client. */
  abstract readonly reason: string;
  /**
   * Response headers, set before the error reaches `next`: `WWW-Authenticate` and `Cache-Control`, and
   * `DPoP-Nonce` for {@link UseDpopNonceError}. A guard that accepts DPoP sends two challenges, Bearer
   * and DPoP, each on its own line: `WWW-Authenticate` is then an array (`res.setHeader` takes both).
   */
  headers: Record<string, string | string[]> = {};
  /** Marks the message as safe to show to the client (the convention of `http-errors`). */
  readonly expose = true;

  /**
   * Captures no stack trace: a refusal is an expected answer, always raised from the same few places,
   * and walking the stack cost more than the rest of the refusal. `stack` is still a string that
   * starts with `name: message`, so logs and Express's error page read as before; a
   * {@link StoreUnavailableError}'s `cause` keeps the store's own trace.
   */
  constructor(message: string, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = limit;
    this.stack = `${this.name}: ${message}\n    at <refusal: no stack trace captured>`;
  }

  /** The same as {@link AuthError.status}, for handlers written for `http-errors`. */
  get statusCode(): number {
    return this.status;
  }

  /** The body {@link authErrorHandler} sends: `{ error, error_description }`. */
  toJSON(): {
    /** The challenge's `error` code; `unauthorized` when the challenge carries none. */
    error: string;
    /** The error's `message`: a fixed sentence, never the token or a store's message. */
    error_description: string;
  } {
    return { error: this.error ?? 'unauthorized', error_description: this.message };
  }
}
Object.defineProperty(AuthError.prototype, BRAND, { value: true });
Object.defineProperty(AuthError.prototype, 'name', { value: 'AuthError', writable: true });

/**
 * True for any {@link AuthError}, including one created by another copy of this package (the ESM and
 * CommonJS builds loaded side by side), where `instanceof` would say false.
 */
export function isAuthError(value: unknown): value is AuthError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Why a request was malformed. */
export type InvalidRequestReason =
  | 'malformed_authorization'
  | 'malformed_dpop_authorization'
  | 'repeated_authorization'
  | 'multiple_methods'
  | 'repeated_parameter'
  | 'malformed_parameter'
  | 'rejected_upstream';

const INVALID_REQUEST_MESSAGES: Record<InvalidRequestReason, string> = {
  malformed_authorization: 'The Authorization header is not a valid Bearer credential',
  malformed_dpop_authorization: 'The Authorization header is not a valid DPoP credential',
  repeated_authorization: 'The Authorization header appears more than once',
  multiple_methods: 'The access token was sent by more than one method',
  repeated_parameter: 'The access_token parameter appears more than once',
  malformed_parameter: 'The access_token parameter is not a valid token',
  rejected_upstream: 'The authorization server found the request invalid',
};

/** 400 `invalid_request`: the credentials could not be read (RFC 6750 §3.1). */
export class InvalidRequestError extends AuthError {
  readonly code = 'ERR_INVALID_REQUEST';
  readonly status = 400;
  readonly error = 'invalid_request';

  constructor(readonly reason: InvalidRequestReason) {
    super(INVALID_REQUEST_MESSAGES[reason]);
  }
}

/**
 * Why no credentials were found: none sent, another scheme (`Basic …`), a route guard ran on a
 * request that no `tokenGuard` authenticated, or a Bearer token reached a guard whose `dpop.required`
 * turned the Bearer scheme off.
 */
export type CredentialsRequiredReason = 'missing' | 'unsupported_scheme' | 'not_authenticated' | 'dpop_required';

/**
 * 401 with a challenge that has no `error`: the request carried no bearer token. RFC 6750 §3.1
 * says such a response SHOULD NOT carry an error code.
 */
export class CredentialsRequiredError extends AuthError {
  readonly code = 'ERR_CREDENTIALS_REQUIRED';
  readonly status = 401;
  readonly error = undefined;

  constructor(readonly reason: CredentialsRequiredReason) {
    super('This resource requires a bearer access token');
  }
}

/**
 * Why a presented token was refused. `hash_mismatch`: the store returned a record whose
 * `accessTokenHash` is not the token's hash. `malformed_record`: the record has a field of the
 * wrong type (named in `field`). `not_yet_valid`, `wrong_audience`, `wrong_issuer`: the token's
 * `nbf`, audience or `iss` ruled it out. `unproven_binding`: the record is bound to a key or a
 * certificate (`cnf`) the guard does not check (RFC 9449 §7.2, RFC 8705 §3). `missing_certificate`,
 * `certificate_mismatch`: an mTLS-bound token came without a client certificate, or with another one.
 * `invalid_jwt`: a JWT access token failed verification (signature, `typ`, `iss`, `aud`, times, claims).
 * `dpop_key_mismatch`: a valid DPoP proof signed by another key than the token's `cnf.jkt`;
 * `unbound_token`: a token with no `cnf.jkt` sent with the DPoP scheme (RFC 9449 §7.1).
 */
export type InvalidTokenReason =
  | 'unknown'
  | 'expired'
  | 'hash_mismatch'
  | 'malformed_record'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'unproven_binding'
  | 'missing_certificate'
  | 'certificate_mismatch'
  | 'invalid_jwt'
  | 'dpop_key_mismatch'
  | 'unbound_token';

/**
 * 401 `invalid_token`. The response is the same for every reason, so a client cannot learn whether
 * a token exists; `reason` (and `field` for a malformed record) says which one applied.
 */
export class InvalidTokenError extends AuthError {
  readonly code = 'ERR_INVALID_TOKEN';
  readonly status = 401;
  readonly error = 'invalid_token';

  /**
   * @param reason Which condition refused the token.
   * @param field For `malformed_record` only: the record field of the wrong type (e.g. `scopes`);
   *   `undefined` for every other reason. Never sent to the client.
   */
  constructor(
    readonly reason: InvalidTokenReason,
    readonly field?: string,
  ) {
    super('The access token is invalid or has expired');
  }
}

/** 403 `insufficient_scope`; the challenge lists `scope`. */
export class InsufficientScopeError extends AuthError {
  readonly code = 'ERR_INSUFFICIENT_SCOPE';
  readonly status = 403;
  readonly error = 'insufficient_scope';

  /**
   * @param scope The scopes the route requires.
   * @param reason `all_of` for {@link requireScopes} and the `requiredScopes` option, `any_of` for
   *   {@link requireAnyScope}, `upstream` when the authorization server refused the token's scope itself.
   */
  constructor(
    readonly scope: readonly string[],
    readonly reason: 'all_of' | 'any_of' | 'upstream',
  ) {
    super('The access token does not carry the scope this request requires');
  }
}

/**
 * 401 `insufficient_user_authentication` (RFC 9470 §3): the token is valid, but the user's
 * authentication is not what the route needs. `acrValues` and `maxAge` (seconds) are the route's
 * requirements the token failed, sent as `acr_values` and `max_age` in the challenge so that the
 * client can ask the authorization server for a stronger or fresher authentication.
 */
export class InsufficientUserAuthenticationError extends AuthError {
  readonly code = 'ERR_INSUFFICIENT_USER_AUTHENTICATION';
  readonly status = 401;
  readonly error = 'insufficient_user_authentication';

  /**
   * @param reason `acr`: the token's `acr` is none of `acrValues`; `max_age`: its `authTime` is older
   *   than `maxAge` or absent; `acr_and_max_age`: both.
   * @param acrValues The authentication context classes the route accepts, sent as `acr_values`;
   *   `undefined` when the route sets none.
   * @param maxAge The largest age of the user's authentication the route accepts, in seconds, sent as
   *   `max_age`; `undefined` when the route sets none.
   */
  constructor(
    readonly reason: 'acr' | 'max_age' | 'acr_and_max_age',
    readonly acrValues: readonly string[] | undefined,
    readonly maxAge: number | undefined,
  ) {
    super('A different authentication level is required');
  }
}

/**
 * Why a DPoP proof (RFC 9449 §4.3) was refused: `missing_proof` (the DPoP scheme without a `DPoP`
 * header), `repeated_proof`, `oversized_proof`, `malformed_proof` (not one compact JWS, or a header
 * or claims that are not JSON), `wrong_type` (`typ` is not `dpop+jwt`), `algorithm_not_allowed`,
 * `invalid_key` (no public `jwk`, or a private one), `bad_signature`, `missing_claim`, `wrong_method`
 * (`htm`), `wrong_uri` (`htu`), `outside_window` (`iat` too old or in the future), `wrong_token_hash`
 * (`ath`), `oversized_jti`, `replayed` (its `jti` was seen before).
 */
export type InvalidDpopProofReason =
  | 'missing_proof'
  | 'repeated_proof'
  | 'oversized_proof'
  | 'malformed_proof'
  | 'wrong_type'
  | 'algorithm_not_allowed'
  | 'invalid_key'
  | 'bad_signature'
  | 'missing_claim'
  | 'wrong_method'
  | 'wrong_uri'
  | 'outside_window'
  | 'wrong_token_hash'
  | 'oversized_jti'
  | 'replayed';

/** 401 `invalid_dpop_proof` (RFC 9449 §7.1): the `DPoP` proof of a request fails a check; `reason` says which. */
export class InvalidDpopProofError extends AuthError {
  readonly code = 'ERR_INVALID_DPOP_PROOF';
  readonly status = 401;
  readonly error = 'invalid_dpop_proof';

  constructor(readonly reason: InvalidDpopProofReason) {
    super('The DPoP proof is invalid');
  }
}

/**
 * 401 `use_dpop_nonce` (RFC 9449 §9): the proof carries no nonce, or one this server did not issue or
 * no longer accepts. `nonce` is the one to use, sent in the `DPoP-Nonce` header.
 */
export class UseDpopNonceError extends AuthError {
  readonly code = 'ERR_USE_DPOP_NONCE';
  readonly status = 401;
  readonly error = 'use_dpop_nonce';

  /**
   * @param reason `missing_nonce` or `stale_nonce` (expired, or never issued here).
   * @param nonce A fresh nonce for the client's next proof; also in the `DPoP-Nonce` header.
   */
  constructor(
    readonly reason: 'missing_nonce' | 'stale_nonce',
    readonly nonce: string,
  ) {
    super('The resource server requires a nonce in the DPoP proof');
  }
}

/**
 * 503: the token could not be looked up because the `hash` function or the store threw, rejected
 * or returned something other than a string hash (a store's own `InvalidRequestError`,
 * `InvalidTokenError` and `InsufficientScopeError` excepted: those are passed on as they are, each
 * with the challenge of the guard that saw the request). The request is refused; the original error is
 * `cause` (it never holds the raw token unless a custom `hash` function put it there).
 */
export class StoreUnavailableError extends AuthError {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  readonly status = 503;
  readonly error = undefined;

  constructor(
    readonly reason: 'hash_failed' | 'store_failed' | 'replay_store_failed',
    options?: { cause: unknown },
  ) {
    super('The token store is unavailable', options);
  }

  /**
   * The body {@link authErrorHandler} sends: `error` is `temporarily_unavailable` (RFC 6749 §4.1.2.1),
   * since the challenge of a 503 carries no error code.
   */
  override toJSON(): {
    /** Always `temporarily_unavailable`. */
    error: string;
    /** The fixed message `The token store is unavailable`; never the store's own message. */
    error_description: string;
  } {
    return { error: 'temporarily_unavailable', error_description: this.message };
  }
}

for (const ErrorClass of [
  InvalidRequestError,
  CredentialsRequiredError,
  InvalidTokenError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidDpopProofError,
  UseDpopNonceError,
  StoreUnavailableError,
]) {
  Object.defineProperty(ErrorClass.prototype, 'name', { value: ErrorClass.name, writable: true });
}

const STORE_REFUSALS: ReadonlySet<string> = new Set(['ERR_INVALID_REQUEST', 'ERR_INVALID_TOKEN', 'ERR_INSUFFICIENT_SCOPE']);

/**
 * A store's refusal the guard passes on as it is (`InvalidRequestError`, `InvalidTokenError`,
 * `InsufficientScopeError`), as a copy with no headers yet, so that the guard that saw the request
 * gives it its own challenge even when the store (or a cache in front of it) throws one error object
 * to many requests. `undefined` for anything else a store throws: that is a 503.
 */
export function passedOnFromStore(error: unknown): AuthError | undefined {
  if (!isAuthError(error) || !STORE_REFUSALS.has(error.code)) return undefined;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as AuthError;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  copy.headers = {};
  return copy;
}
