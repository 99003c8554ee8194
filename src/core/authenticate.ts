import type { AuthInfo } from './auth-info.js';
import { InvalidTokenError, StoreUnavailableError, passedOnFromStore, type AuthError } from './errors.js';
import type { GuardConfig } from './options.js';
import { assertAllScopes } from './scopes.js';
import type { TokenResolver, TokenStore } from './store.js';
import { verifyBinding, type BindingProof } from './binding.js';
import { verifyRecord } from './verify.js';
import { isThenable } from './thenable.js';
import { storeChannel } from '../channels/index.js';
import { timedLookup } from '../channels/publish.js';

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
export function authenticate(config: GuardConfig, token: string, proof?: BindingProof): AuthInfo | Promise<AuthInfo> {
  if (config.resolver !== undefined) return resolve(config, config.resolver, token, proof);
  let hash: unknown;
  try {
    hash = config.hash(token);
  } catch (cause) {
    throw new StoreUnavailableError('hash_failed', { cause });
  }
  if (typeof hash === 'string') return lookUp(config, hash, proof);
  return Promise.resolve(hash).then(
    (resolved) => lookUp(config, checkHash(resolved), proof),
    (cause: unknown) => {
      throw new StoreUnavailableError('hash_failed', { cause });
    },
  );
}

function checkHash(hash: unknown): string {
  if (typeof hash === 'string') return hash;
  throw new StoreUnavailableError('hash_failed', { cause: new TypeError('options.hash must return a string') });
}

function lookUp(config: GuardConfig, hash: string, proof: BindingProof | undefined): AuthInfo | Promise<AuthInfo> {
  let found: unknown;
  try {
    const store = config.store as TokenStore;
    found =
      config.storeName !== undefined && storeChannel.hasSubscribers
        ? timedLookup(config.storeName, config.includeHash ? hash : undefined, () => store.findByAccessTokenHash(hash))
        : store.findByAccessTokenHash(hash);
  } catch (cause) {
    throw storeFailure(cause);
  }
  if (!isThenable(found)) return check(config, found, hash, proof);
  return Promise.resolve(found).then((record) => check(config, record, hash, proof), rejectWith);
}

// The raw token goes to the resolver and nowhere else: not into a hash, an error or the record checks.
function resolve(config: GuardConfig, resolver: TokenResolver, token: string, proof: BindingProof | undefined): AuthInfo | Promise<AuthInfo> {
  let found: unknown;
  try {
    found =
      config.storeName !== undefined && storeChannel.hasSubscribers
        ? timedLookup(config.storeName, undefined, () => resolver.resolveAccessToken(token))
        : resolver.resolveAccessToken(token);
  } catch (cause) {
    throw storeFailure(cause);
  }
  if (!isThenable(found)) return check(config, found, undefined, proof);
  return Promise.resolve(found).then((record) => check(config, record, undefined, proof), rejectWith);
}

/** A store's own refusal (400, 401, 403) as it is, with no challenge yet; anything else a 503. */
function storeFailure(cause: unknown): AuthError {
  return passedOnFromStore(cause) ?? new StoreUnavailableError('store_failed', { cause });
}

function rejectWith(cause: unknown): never {
  throw storeFailure(cause);
}

function check(config: GuardConfig, record: unknown, hash: string | undefined, proof: BindingProof | undefined): AuthInfo {
  const info = verifyRecord(record, hash, config.clock(), config.clockToleranceMs);
  if (info.cnf !== undefined || proof?.dpopJkt !== undefined) verifyBinding(info.cnf, proof);
  if (config.audience !== undefined && info.audience !== undefined && !info.audience.includes(config.audience)) {
    throw new InvalidTokenError('wrong_audience');
  }
  if (config.requiredScopes.length > 0) assertAllScopes(info.scopes, config.requiredScopes);
  return info;
}
