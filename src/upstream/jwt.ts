import type { JWK, JWTPayload, JWTVerifyGetKey } from 'jose';
import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { InvalidTokenError } from '../core/errors.js';
import { hashToken } from '../core/hash.js';
import { checkHttpsUrl } from '../core/https-url.js';
import type { ResolvedAccessToken, TokenResolver, TokenStore } from '../core/store.js';
import { UpstreamError } from '../core/upstream-error.js';
import { claimsToRecord } from './claims.js';

/** Options of {@link jwtAccessTokenStore}: one of `jwks`, `jwksUri` or `secret` gives the keys. */
export interface JwtAccessTokenStoreOptions {
  /** The authorization server's issuer identifier; `iss` must equal it exactly. */
  issuer: string;
  /** This resource server's identifier; `aud` must contain it. */
  audience: string;
  /** The authorization server's public keys, as a JWK Set. */
  jwks?:
    | {
        /** The keys (RFC 7517 §5), each with its `kid` and `alg` where the authorization server sets them. */
        keys: JWK[];
      }
    | undefined;
  /** Where the authorization server publishes them (`jwks_uri`); fetched and cached by `jose`. */
  jwksUri?: string | undefined;
  /** A shared secret, for HS256/384/512 only. */
  secret?: string | Uint8Array | undefined;
  /** The signature algorithms accepted, e.g. `['RS256', 'ES256']`. Never `none`; HMAC only with `secret`. */
  algorithms: readonly string[];
  /**
   * A hash store holding the tokens' records under `hashToken(jti)` (Authlete's JWT access tokens carry
   * the random token as `jti`): a JWT without a record there is refused, and the record is the
   * authority for scopes, properties and binding; the expiry is the earlier of the two.
   */
  records?: TokenStore;
  /** The time in ms since the epoch, for `exp`, `nbf` and `iat`. Default `Date.now`. */
  clock?: () => number;
  /** How far the times may be off, in seconds. Default 0. */
  clockToleranceSeconds?: number;
}

const NAME = 'jwtAccessTokenStore';
const OPTIONS = ['issuer', 'audience', 'jwks', 'jwksUri', 'secret', 'algorithms', 'records', 'clock', 'clockToleranceSeconds'];
const HMAC = /^HS(256|384|512)$/;
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
// jose's codes for a key set that could not be had (a timeout, a body that is no key set, a status other
// than 200): the authorization server's fault, not the token's.
const UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * A store for JWT access tokens (RFC 9068), verified here with `jose`: `typ` `at+jwt`, the signature
 * with an allowed algorithm and the authorization server's keys (a JWK Set, a `jwks_uri` fetched and
 * cached, or an HMAC secret), `iss`, `aud`, `exp`, `nbf`, and the claims RFC 9068 §2.2 requires.
 * The claims map to a record: `sub`, `client_id` (→ `clientIdentifier`, and `clientId` when it is a
 * decimal integer up to 2^53-1), `scope`, `exp`, `iat`, `acr`, `auth_time`, `cnf`, `aud`; the payload
 * is `req.auth.claims`. A JWT that fails verification is 401 `invalid_token`; a key set that cannot be
 * fetched is 503. With `records`, the record stored under `hashToken(jti)` must exist and decides
 * scopes, properties and binding.
 *
 * @example
 * const store = cachedStore(jwtAccessTokenStore({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   jwksUri: 'https://as.example.com/.well-known/jwks.json',
 *   algorithms: ['RS256', 'ES256'],
 * }));
 */
export function jwtAccessTokenStore(options: JwtAccessTokenStoreOptions): TokenResolver {
  if (typeof options !== 'object' || options === null) throw invalidArgType(`${NAME}: options must be an object, e.g. { issuer, audience, jwksUri, algorithms }`);
  for (const name of Object.keys(options)) {
    if (!OPTIONS.includes(name)) throw invalidArgValue(`${NAME}: unknown option "${name}" (it takes ${OPTIONS.join(', ')})`);
  }
  const { issuer, audience, jwks, jwksUri, secret, algorithms, records, clock = Date.now, clockToleranceSeconds = 0 } = options;
  if (typeof issuer !== 'string' || issuer === '') throw invalidArgType(`${NAME}: options.issuer must be the issuer identifier (a non-empty string)`);
  if (typeof audience !== 'string' || audience === '') throw invalidArgType(`${NAME}: options.audience must be this resource server's identifier (a non-empty string)`);
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((alg) => typeof alg === 'string' && alg !== '')) {
    throw invalidArgType(`${NAME}: options.algorithms must be a non-empty array of algorithm names, e.g. ['RS256']`);
  }
  if (algorithms.some((alg) => alg.toLowerCase() === 'none')) throw invalidArgValue(`${NAME}: options.algorithms must not contain "none"`);
  const sources = [jwks, jwksUri, secret].filter((source) => source !== undefined).length;
  if (sources !== 1) throw invalidArgType(`${NAME}: give exactly one of options.jwks, options.jwksUri and options.secret`);
  const hmac = algorithms.filter((alg) => HMAC.test(alg));
  if (secret !== undefined && hmac.length !== algorithms.length) {
    throw invalidArgValue(`${NAME}: with options.secret, options.algorithms may only hold HS256, HS384 or HS512`);
  }
  if (secret === undefined && hmac.length > 0) {
    // An HMAC "verified" with a public key is the classic forgery (RFC 8725 §2.1).
    throw invalidArgValue(`${NAME}: HS256, HS384 and HS512 need options.secret, never a public key set`);
  }
  if (secret !== undefined && !(typeof secret === 'string' ? secret !== '' : secret instanceof Uint8Array && secret.length > 0)) {
    throw invalidArgType(`${NAME}: options.secret must be a non-empty string or Uint8Array`);
  }
  if (jwks !== undefined && !(typeof jwks === 'object' && jwks !== null && Array.isArray(jwks.keys))) {
    throw invalidArgType(`${NAME}: options.jwks must be a JWK Set ({ keys: [...] })`);
  }
  const uri = jwksUri === undefined ? undefined : new URL(checkHttpsUrl(`${NAME}: options.jwksUri`, jwksUri));
  if (records !== undefined && typeof records?.findByAccessTokenHash !== 'function') {
    throw invalidArgType(`${NAME}: options.records must be a token store (with findByAccessTokenHash)`);
  }
  if (typeof clock !== 'function') throw invalidArgType(`${NAME}: options.clock must be a function`);
  if (typeof clockToleranceSeconds !== 'number' || !(clockToleranceSeconds >= 0)) {
    throw invalidArgType(`${NAME}: options.clockToleranceSeconds must be a number of seconds, 0 or more`);
  }

  // jose (ES modules only) is loaded on the first token, not with the main entry: it would add about
  // 60 ms to every application's start, JWTs or not. The CommonJS build's import() is a require(),
  // which loads ES modules from Node.js 20.19 on (engines.node).
  let verifier: Promise<{ verify: typeof import('jose').jwtVerify; key: Uint8Array | JWTVerifyGetKey }> | undefined;
  const load = async () => {
    const jose = await import('jose');
    const key =
      secret !== undefined
        ? typeof secret === 'string'
          ? new TextEncoder().encode(secret)
          : secret
        : uri !== undefined
          ? jose.createRemoteJWKSet(uri)
          : jose.createLocalJWKSet(jwks as { keys: JWK[] });
    return { verify: jose.jwtVerify, key };
  };

  return {
    async resolveAccessToken(token: string): Promise<ResolvedAccessToken | undefined> {
      verifier ??= load();
      const { verify, key } = await verifier;
      let payload: JWTPayload;
      try {
        ({ payload } = await verify(token, key as JWTVerifyGetKey, {
          issuer,
          audience,
          algorithms: [...algorithms],
          typ: 'at+jwt',
          requiredClaims: REQUIRED_CLAIMS,
          currentDate: new Date(clock()),
          clockTolerance: clockToleranceSeconds,
        }));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && UNAVAILABLE.has(code)) throw new UpstreamError(`${NAME}: the key set could not be fetched (${code})`, { cause: error });
        if (typeof code !== 'string' || !code.startsWith('ERR_J')) throw new UpstreamError(`${NAME}: the key set could not be fetched`, { cause: error });
        throw new InvalidTokenError('invalid_jwt');
      }
      const claims = payload as Record<string, unknown>;
      const fromJwt = claimsToRecord(claims);
      if (records === undefined) return fromJwt;
      const stored = await records.findByAccessTokenHash(hashToken(String(claims['jti'])));
      if (stored === undefined || stored === null) return undefined;
      const expiresAt = Math.min(stored.accessTokenExpiresAt ?? 0, fromJwt.accessTokenExpiresAt ?? 0);
      return { ...stored, accessTokenExpiresAt: expiresAt, claims, ...(fromJwt.clientIdentifier === undefined ? {} : { clientIdentifier: fromJwt.clientIdentifier }) };
    },
  };
}
