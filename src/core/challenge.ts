import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { InsufficientScopeError, InsufficientUserAuthenticationError, UseDpopNonceError, type AuthError } from './errors.js';

/** The realm of every challenge when none is configured; RFC 6750 §3 forbids a bare `Bearer`. */
export const DEFAULT_REALM = 'api';

const PRINTABLE = /^[\x20-\x7E]*$/;
// error and error_description values: %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3)
const NOT_ERROR_CHAR = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
const URI_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Quotes a value as an RFC 9110 §5.6.4 quoted-string, escaping only `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Replaces every character RFC 6750 §3 does not allow in `error`, `error_description` or `scope`
 * values (anything outside `%x20-21 / %x23-5B / %x5D-7E`) with `?`, so text can never break the header.
 */
export function sanitizeErrorText(text: string): string {
  return text.replace(NOT_ERROR_CHAR, '?');
}

/** Checks a configured realm: printable ASCII, since a header value cannot carry anything else. */
export function checkRealm(what: string, realm: unknown): string {
  if (typeof realm !== 'string') throw invalidArgType(`${what} must be a string`);
  if (realm === '' || !PRINTABLE.test(realm)) {
    throw invalidArgValue(`${what} must be a non-empty string of printable ASCII characters`);
  }
  return realm;
}

/** Checks a configured `error_uri`: an absolute URI that needs no escaping inside quotes (RFC 6750 §3). */
export function checkErrorUri(what: string, uri: unknown): string {
  if (typeof uri !== 'string') throw invalidArgType(`${what} must be a string`);
  if (!URI_CHARS.test(uri) || !URL.canParse(uri)) {
    throw invalidArgValue(`${what} must be an absolute URI such as "https://api.example.com/docs/errors"`);
  }
  return uri;
}

/** Messages are fixed sentences, so a handful of values; an application's own `AuthError` subclasses cannot grow the memo past this. */
const MAX_MEMOISED = 64;

/**
 * The scheme a request used, which decides which challenge carries the error (RFC 9449 §7.2): the
 * other one goes without. `both` for a request whose scheme cannot be told (two `Authorization` lines).
 */
export type ChallengeScheme = 'Bearer' | 'DPoP' | 'both';

/** What a guard that accepts DPoP proofs advertises in its `DPoP` challenge. */
export interface DpopChallenge {
  /** The `algs` parameter: the proof algorithms the guard accepts. */
  readonly algorithms: readonly string[];
  /** When true the guard accepts no Bearer token, so it sends no Bearer challenge. */
  readonly required: boolean;
}

/**
 * The challenge of one scheme: `head` then the error parameters then `tail`, or `plain` for an error
 * without a code. Values are memoised by `error` and message; insufficient-scope values only for a
 * frozen `scope` array (as `checkScopeList` returns for every route guard and `requiredScopes`),
 * keyed by its identity, so a refusal reuses its string instead of sanitising and joining again.
 */
class SchemeChallenge {
  readonly #byMessage = new Map<string, string>();
  readonly #byScope = new WeakMap<readonly string[], { message: string; value: string }>();

  constructor(
    readonly plain: string,
    private readonly head: string,
    private readonly tail: string,
  ) {}

  build(error: AuthError): string {
    if (error.error === undefined) return this.plain;
    if (error instanceof InsufficientScopeError) return this.#scopeChallenge(error);
    if (error instanceof InsufficientUserAuthenticationError) {
      const acr = error.acrValues === undefined ? '' : `, acr_values="${sanitizeErrorText(error.acrValues.join(' '))}"`;
      return this.#compose(error, `${acr}${error.maxAge === undefined ? '' : `, max_age="${error.maxAge}"`}`);
    }
    const key = `${error.error} ${error.message}`;
    let value = this.#byMessage.get(key);
    if (value === undefined) {
      value = this.#compose(error, '');
      if (this.#byMessage.size < MAX_MEMOISED) this.#byMessage.set(key, value);
    }
    return value;
  }

  #scopeChallenge(error: InsufficientScopeError): string {
    const cached = this.#byScope.get(error.scope);
    if (cached !== undefined && cached.message === error.message) return cached.value;
    const value = this.#compose(error, error.scope.length === 0 ? '' : `, scope="${sanitizeErrorText(error.scope.join(' '))}"`);
    if (Object.isFrozen(error.scope)) this.#byScope.set(error.scope, { message: error.message, value });
    return value;
  }

  #compose(error: AuthError, extra: string): string {
    return `${this.head}error="${error.error}", error_description="${sanitizeErrorText(error.message)}"${extra}${this.tail}`;
  }
}

/**
 * Builds the `WWW-Authenticate` value of one guard: `Bearer realm="…"`, then, for errors that carry
 * an error code, `error`, `error_description`, `scope` (for insufficient scope), `acr_values` and
 * `max_age` (for a step-up, RFC 9470), `error_uri` and `resource_metadata` (RFC 9728).
 * The only place challenges are made. Every parameter is quoted and appears once.
 *
 * A guard that accepts DPoP (RFC 9449 §7.1) gets two challenges, each for its own field line
 * (RFC 9110 §11.6.1): the Bearer one (none when DPoP is required) and `DPoP algs="…"`, with the
 * same error parameters before `algs`. Only the challenge of the scheme the request used carries
 * the error (RFC 9449 §7.2); the other is plain.
 */
export class ChallengeBuilder {
  readonly #bearer: SchemeChallenge;
  readonly #dpop: SchemeChallenge | undefined;
  readonly #bearerOff: boolean;
  readonly #plain: string | string[];

  /**
   * Takes values already checked by {@link checkRealm}, {@link checkErrorUri} and `checkHttpsUrl`.
   * `resourceMetadataUrl` (RFC 9728 §5.1) goes into every challenge, those without an error too.
   */
  constructor(realm: string, errorUri?: string, resourceMetadataUrl?: string, dpop?: DpopChallenge) {
    const metadata = resourceMetadataUrl === undefined ? '' : `, resource_metadata=${quote(resourceMetadataUrl)}`;
    const uri = errorUri === undefined ? '' : `, error_uri=${quote(errorUri)}`;
    const prefix = `Bearer realm=${quote(realm)}`;
    this.#bearer = new SchemeChallenge(`${prefix}${metadata}`, `${prefix}, `, `${uri}${metadata}`);
    if (dpop === undefined) {
      this.#dpop = undefined;
      this.#bearerOff = false;
      this.#plain = this.#bearer.plain;
    } else {
      const algs = `algs=${quote(dpop.algorithms.join(' '))}`;
      this.#dpop = new SchemeChallenge(`DPoP ${algs}${metadata}`, 'DPoP ', `, ${algs}${uri}${metadata}`);
      this.#bearerOff = dpop.required;
      this.#plain = this.#bearerOff ? [this.#dpop.plain] : [this.#bearer.plain, this.#dpop.plain];
    }
  }

  /** The challenge for `error`, refusing a request made with `scheme`: one value, or one per scheme. */
  build(error: AuthError, scheme: ChallengeScheme = 'Bearer'): string | string[] {
    const dpop = this.#dpop;
    if (dpop === undefined) return this.#bearer.build(error);
    if (error.error === undefined) return this.#plain;
    const dpopPart = scheme === 'Bearer' && !this.#bearerOff ? dpop.plain : dpop.build(error);
    if (this.#bearerOff) return [dpopPart];
    return [scheme === 'DPoP' ? this.#bearer.plain : this.#bearer.build(error), dpopPart];
  }

  /**
   * Every header of the refusal `error`: the challenge, `Cache-Control: no-store`, and for
   * {@link UseDpopNonceError} the `DPoP-Nonce` to use (RFC 9449 §9).
   */
  headers(error: AuthError, scheme?: ChallengeScheme): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = { 'WWW-Authenticate': this.build(error, scheme), 'Cache-Control': 'no-store' };
    if (error instanceof UseDpopNonceError) headers['DPoP-Nonce'] = error.nonce;
    return headers;
  }
}
