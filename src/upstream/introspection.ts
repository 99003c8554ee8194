import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { InvalidTokenError } from '../core/errors.js';
import { checkHttpsUrl } from '../core/https-url.js';
import type { ResolvedAccessToken, TokenResolver } from '../core/store.js';
import { UpstreamError } from '../core/upstream-error.js';
import type { OnStoreError } from '../stores/corrupt-record.js';
import { checkStoreOptions } from '../stores/store-options.js';
import { checkTimeout } from '../stores/timeout.js';
import { claimsToRecord, seconds } from './claims.js';
import { checkFetch, checkHeaderValue, checkText, exchange, isObject, type FetchLike } from './http.js';

export type { FetchLike } from './http.js';

/** Options of {@link introspectionStore}. */
export interface IntrospectionStoreOptions {
  /** The authorization server's introspection endpoint (RFC 7662 §2), https; `http:` only on loopback. */
  endpoint: string;
  /** This resource server's client id at the authorization server, for HTTP Basic authentication. */
  clientId?: string;
  /** Its client secret. */
  clientSecret?: string;
  /** Instead of `clientId` and `clientSecret`: the whole `Authorization` header value to send (e.g. `Bearer …`). */
  authorization?: string;
  /** A `fetch` implementation; the global one by default. */
  fetch?: FetchLike;
  /** How long one introspection may take before the guard answers 503, in ms. Default 2000. */
  timeoutMs?: number;
  /** When set, an answer whose `aud` (a string or an array) does not name it, or has no `aud`, is 401. */
  audience?: string;
  /** When set, an answer whose `iss` is not exactly this, or has none, is 401. */
  issuer?: string;
  /** The time in ms since the epoch, for `exp` and `nbf`. Default `Date.now`. Inject it in tests. */
  clock?: () => number;
  /**
   * How far `exp` and `nbf` may be off, in ms, for clocks that differ a little; give it the guard's
   * `clockToleranceMs` so that both agree. Default 0.
   */
  clockToleranceMs?: number;
  /** Receives an {@link UpstreamError} for every failed introspection. Default: a process warning. */
  onError?: OnStoreError;
}

const NAME = 'introspectionStore';
const OPTIONS = ['endpoint', 'clientId', 'clientSecret', 'authorization', 'fetch', 'timeoutMs', 'audience', 'issuer', 'clock', 'clockToleranceMs', 'onError'];

/**
 * A store that asks an OAuth 2.0 authorization server about each token (RFC 7662): it posts
 * `token=…&token_type_hint=access_token`, form-encoded, with HTTP Basic client authentication
 * (RFC 6749 §2.3.1: id and secret form-urlencoded before base64), or with `authorization` as given.
 *
 * - Only `"active": true` (the JSON boolean) is an active token; anything else is 401 `invalid_token`.
 * - `exp` (seconds) → `accessTokenExpiresAt` (ms), `iat` → `createdAt`, `auth_time` → `authTime`, `acr`,
 *   `aud` → `audience` (always an array), `cnf` (bound tokens), `scope` → `scopes`, `sub` →
 *   `subject`, `client_id` → `req.auth.clientIdentifier` (as sent) and `clientId` when it is a decimal
 *   integer up to 2^53-1. A fractional `exp` or `iat` is floored to whole seconds; `nbf` is compared as
 *   sent. The answer is `req.auth.claims`.
 * - `exp` and `nbf` are enforced here against `clock`, even when `active` is true; an answer without
 *   `exp` is refused, as a record without expiry is. `audience` and `issuer`, when set, are compared
 *   as exact strings.
 * - Anything but a 200 with a JSON object (another status, bad JSON, a network error, no answer within
 *   `timeoutMs`) is a 503, and `onError` gets an {@link UpstreamError} with the status.
 *
 * Put `cachedStore` in front so that the server is asked once per token and `ttlMs`.
 *
 * @example
 * const store = cachedStore(introspectionStore({
 *   endpoint: 'https://as.example.com/oauth2/introspect',
 *   clientId: process.env.INTROSPECTION_CLIENT_ID,
 *   clientSecret: process.env.INTROSPECTION_CLIENT_SECRET,
 *   audience: 'https://api.example.com',
 * }), { ttlMs: 60_000 });
 */
export function introspectionStore(options: IntrospectionStoreOptions): TokenResolver {
  const checked = checkStoreOptions(NAME, options, OPTIONS, "{ endpoint, clientId, clientSecret }");
  const endpoint = checkHttpsUrl(`${NAME}: options.endpoint`, checked.endpoint);
  const authorization = clientAuthorization(checked);
  const send = checkFetch(`${NAME}: options.fetch`, checked.fetch);
  const limit = checked.timeoutMs === undefined ? 2000 : checkTimeout(NAME, checked.timeoutMs);
  const audience = checked.audience === undefined ? undefined : checkText(`${NAME}: options.audience`, checked.audience);
  const issuer = checked.issuer === undefined ? undefined : checkText(`${NAME}: options.issuer`, checked.issuer);
  const clock = checked.clock ?? Date.now;
  if (typeof clock !== 'function') throw invalidArgType(`${NAME}: options.clock must be a function`);
  const tolerance = checked.clockToleranceMs ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw invalidArgType(`${NAME}: options.clockToleranceMs must be a number of ms, 0 or more`);
  }
  const { onError } = checked;
  const fail = (error: UpstreamError): never => {
    onError(error);
    throw error;
  };
  const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

  return {
    async resolveAccessToken(token: string): Promise<ResolvedAccessToken | undefined> {
      const body = new URLSearchParams({ token, token_type_hint: 'access_token' }).toString();
      const answer = await exchange(send, 'Token introspection', endpoint, { method: 'POST', headers, body }, limit).catch(fail);
      if (answer.status !== 200 || !isObject(answer.json)) {
        return fail(
          new UpstreamError(`Token introspection answered HTTP ${answer.status}${answer.status === 200 ? ' with a body that is not a JSON object' : ''}`, {
            status: answer.status,
          }),
        );
      }
      const claims = answer.json;
      if (claims['active'] !== true) return undefined;
      const now = clock();
      const exp = seconds(claims['exp']);
      // Not floored: a token is not valid before its nbf, not even for the fraction of a second.
      const nbf = claims['nbf'];
      if (exp !== undefined && exp * 1000 <= now - tolerance) throw new InvalidTokenError('expired');
      if (typeof nbf === 'number' && Number.isFinite(nbf) && nbf * 1000 > now + tolerance) throw new InvalidTokenError('not_yet_valid');
      if (audience !== undefined && !names(claims['aud'], audience)) throw new InvalidTokenError('wrong_audience');
      if (issuer !== undefined && claims['iss'] !== issuer) throw new InvalidTokenError('wrong_issuer');
      return claimsToRecord(claims);
    },
  };
}

function names(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

function clientAuthorization(options: IntrospectionStoreOptions): string {
  const { clientId, clientSecret, authorization } = options;
  if (authorization !== undefined) {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw invalidArgValue(`${NAME}: give either options.authorization or options.clientId and options.clientSecret, not both`);
    }
    return checkHeaderValue(`${NAME}: options.authorization`, authorization);
  }
  const id = checkText(`${NAME}: options.clientId (or options.authorization)`, clientId);
  const secret = checkText(`${NAME}: options.clientSecret`, clientSecret);
  // RFC 6749 §2.3.1: application/x-www-form-urlencoded, then Basic.
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}
