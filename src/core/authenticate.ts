import type { AuthInfo } from './auth-info.js';
import { InvalidTokenError, StoreUnavailableError, passedOnFromStore, type AuthError } from './errors.js';
import type { GuardConfig } from './options.js';
import { assertAllScopes } from './scopes.js';
import type { TokenResolver, TokenStore } from './store.js';
import { verifyRecord } from './verify.js';

/**
 * Resolves a presented token to its {@link AuthInfo}: one hash, one store lookup (or, for a
 * {@link TokenResolver}, one call with the token itself), then the record's checks (see
 * {@link verifyRecord}) and the guard's `requiredScopes`. Answers synchronously when the
 * hash and the store do, so the memory store costs no promise; otherwise returns a Promise.
 *
 * Throws (or rejects with) an `AuthError`: {@link StoreUnavailableError} when the hash or the store
 * fails, `InvalidTokenError` or `InsufficientScopeError` for the token itself, or the store's own
 * `InvalidRequestError`, `InvalidTokenError` or `InsufficientScopeError`.
 */
export function authenticate(config: GuardConfig, token: string): AuthInfo | Promise<AuthInfo> {
  if (config.resolver !== undefined) return resolve(config, config.resolver, token);
  let hash: unknown;
  try {
    hash = config.hash(token);
  } catch (cause) {
    throw new StoreUnavailableError('hash_failed', { cause });
  }
  if (typeof hash === 'string') return lookUp(config, hash);
  return Promise.resolve(hash).then(
    (resolved) => lookUp(config, checkHash(resolved)),
    (cause: unknown) => {
      throw new StoreUnavailableError('hash_failed', { cause });
    },
  );
}

function checkHash(hash: unknown): string {
  if (typeof hash === 'string') return hash;
  throw new StoreUnavailableError('hash_failed', { cause: new TypeError('options.hash must return a string') });
}

function lookUp(config: GuardConfig, hash: string): AuthInfo | Promise<AuthInfo> {
  let found: unknown;
  try {
    found = (config.store as TokenStore).findByAccessTokenHash(hash);
  } catch (cause) {
    throw storeFailure(cause);
  }
  if (!isThenable(found)) return check(config, found, hash);
  return Promise.resolve(found).then((record) => check(config, record, hash), rejectWith);
}

// The raw token goes to the resolver and nowhere else: not into a hash, an error or the record checks.
function resolve(config: GuardConfig, resolver: TokenResolver, token: string): AuthInfo | Promise<AuthInfo> {
  let found: unknown;
  try {
    found = resolver.resolveAccessToken(token);
  } catch (cause) {
    throw storeFailure(cause);
  }
  if (!isThenable(found)) return check(config, found, undefined);
  return Promise.resolve(found).then((record) => check(config, record, undefined), rejectWith);
}

/** A store's own refusal (400, 401, 403) as it is, with no challenge yet; anything else a 503. */
function storeFailure(cause: unknown): AuthError {
  return passedOnFromStore(cause) ?? new StoreUnavailableError('store_failed', { cause });
}

function rejectWith(cause: unknown): never {
  throw storeFailure(cause);
}

function check(config: GuardConfig, record: unknown, hash: string | undefined): AuthInfo {
  const info = verifyRecord(record, hash, config.clock(), config.clockToleranceMs);
  // A bound token is never accepted without its proof, and no proof is checked yet (DPoP, mTLS).
  if (info.cnf !== undefined) throw new InvalidTokenError('unproven_binding');
  if (config.audience !== undefined && info.audience !== undefined && !info.audience.includes(config.audience)) {
    throw new InvalidTokenError('wrong_audience');
  }
  if (config.requiredScopes.length > 0) assertAllScopes(info.scopes, config.requiredScopes);
  return info;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
