import { channel } from 'node:diagnostics_channel';

/**
 * The `node:diagnostics_channel` names this package publishes on. They are part of its API: subscribe
 * with `diagnostics_channel.subscribe(CHANNELS.request, (message) => …)`. Nothing is built or
 * published while a channel has no subscriber. No message ever holds a token; a store message holds
 * the token's hash only when the guard was made with `includeHash: true`.
 */
export const CHANNELS = Object.freeze({
  /** One {@link RequestMessage} after every decision of a guard or route guard. */
  request: 'express-token-guard:request',
  /** One {@link StoreMessage} for every lookup that reached a store. */
  store: 'express-token-guard:store',
  /** One {@link CacheMessage} for every `cachedStore` event. */
  cache: 'express-token-guard:cache',
} as const);

/** Published on `express-token-guard:request` after every decision. */
export interface RequestMessage {
  /** `accepted`: the request goes on with its token; `refused`: it was answered with `status`. */
  readonly outcome: 'accepted' | 'refused';
  /** The status of the refusal (400, 401, 403, 503), or 200 for an accepted request. */
  readonly status: number;
  /**
   * Why: an `AuthError`'s `reason` (`expired`, `missing`, `bad_signature`, …); `accepted`; or
   * `no_credentials` for a request let through without a token by `credentialsRequired: false`.
   */
  readonly reason: string;
  /** The `AuthError`'s `code` (`ERR_INVALID_TOKEN`, …); absent for an accepted request. */
  readonly code?: string;
  /** The accepted token's subject (`req.auth.subject`), when it has one; never on a refusal. */
  readonly subject?: string;
  /** The accepted token's numeric client id (`req.auth.clientId`), when it has one; never on a refusal. */
  readonly clientId?: number;
}

/** Published on `express-token-guard:store` for every lookup that reached a store. */
export interface StoreMessage {
  /** The store's class name (`RedisTokenStore`, …), or `store` for a plain object. */
  readonly store: string;
  /** How long the lookup took, in ms (from `performance.now()`). */
  readonly durationMs: number;
  /**
   * `found`: the store answered with a record (not yet checked: expired or malformed records count);
   * `not_found`: it answered `undefined` or `null`; `error`: it threw or rejected (the guard answers 503).
   */
  readonly outcome: 'found' | 'not_found' | 'error';
  /** The hash looked up, only when the guard (or the `cachedStore`) was made with `includeHash: true`. */
  readonly hash?: string;
}

/** Published on `express-token-guard:cache` by every `cachedStore`. */
export interface CacheMessage {
  /**
   * `hit`: answered from the cache; `miss`: asked the store; `coalesced`: joined a lookup already on
   * its way; `evicted`: one entry dropped (a write, `evict`, or an invalidation); `flushed`: every
   * entry dropped (`evictAll`, or the invalidation bus lost its connection).
   */
  readonly event: 'hit' | 'miss' | 'coalesced' | 'evicted' | 'flushed';
}

/** The three channels, made once. */
export const requestChannel = channel(CHANNELS.request);
export const storeChannel = channel(CHANNELS.store);
export const cacheChannel = channel(CHANNELS.cache);

/** The name a store goes by in {@link StoreMessage}: its class's name. */
export function storeName(store: object): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'store';
}

/** Marks a store that publishes its own lookups (a `cachedStore`): a guard in front of it does not. */
export const PUBLISHES_OWN_LOOKUPS = Symbol.for('express-token-guard.publishesOwnLookups');
