import { LRUCache } from 'lru-cache';
import { copyRecord, findRecordProblem, type AccessToken } from '../core/record.js';
import { sealRecord, sealedAuthInfo } from '../core/sealed-record.js';
import { addTo, removeFrom } from '../core/set-index.js';
import { findResolvedFieldProblem } from '../core/verify.js';
import { hashToken } from '../core/hash.js';
import { isThenable } from '../core/thenable.js';
import type { ListableTokenStore, ResolvedAccessToken, TokenResolver, TokenStore, WritableTokenStore } from '../core/store.js';
import { StoreTimeoutError } from '../stores/timeout.js';
import { PUBLISHES_OWN_LOOKUPS, storeChannel, storeName } from '../channels/index.js';
import { publishCacheEvent, timedLookup } from '../channels/publish.js';
import { compileCacheOptions, type CacheConfig, type CachedStoreOptions } from './cache-options.js';
import type { Invalidation, InvalidationBus } from './invalidation-bus.js';

/** What {@link CachedTokenStore.stats} reports, counted since the cache was made. */
export interface CacheStats {
  /** Lookups answered from the cache, without a call to the inner store. */
  hits: number;
  /** Lookups that called the inner store (those made while the cache was bypassed included). */
  misses: number;
  /** Lookups that joined a call to the inner store already in flight for the same hash. */
  coalesced: number;
  /** Entries dropped before they expired: to make room, by `evict`/`evictAll`, or by an invalidation. */
  evictions: number;
  /** Entries held now, negative ones included. */
  size: number;
}

/** The write methods a cached store has exactly when its inner store has them. */
export type CachedWriteMethod = keyof Omit<WritableTokenStore, 'findByAccessTokenHash' | 'close'> | 'deleteExpired';

/** The lookup methods a cached store has exactly when its inner store has them. */
export type CachedLookupMethod = 'findByAccessTokenHash' | 'resolveAccessToken';

/**
 * A store with an in-process cache in front: see {@link cachedStore}. It has the lookup methods
 * (`findByAccessTokenHash`, `resolveAccessToken`), the write methods (`save`, `saveMany`,
 * `delete…`) and `list` of its inner store, and only those.
 */
export type CachedTokenStore<S extends TokenStore | TokenResolver = TokenStore> = TokenCache &
  (S extends Pick<TokenStore, 'findByAccessTokenHash'> ? Pick<TokenStore, 'findByAccessTokenHash'> : unknown) &
  (S extends TokenResolver ? TokenResolver : unknown) &
  Pick<S, Extract<keyof S, CachedWriteMethod | 'list'>>;

interface Entry {
  /** The sealed record, or `undefined` for a negative entry. */
  readonly record: Readonly<AccessToken> | undefined;
  readonly expiresAt: number;
}

type Found = ResolvedAccessToken | null | undefined;
type Lookup = (key: string) => Found | PromiseLike<Found>;

interface Flight {
  promise: Promise<Found>;
  /** Set when the hash was evicted while the lookup was in flight: its answer is then not cached. */
  stale: boolean;
}

const NAME = 'cachedStore';
const WRITE_METHODS = ['save', 'saveMany', 'deleteByAccessTokenHash', 'deleteBySubject', 'deleteByClientId', 'deleteExpired'] as const;

/**
 * Puts an in-process cache (an LRU of at most `maxEntries`) in front of any token store: a hit is
 * answered synchronously, at the cost of the memory store; concurrent misses for one token make one
 * call to the inner store. A store that resolves the token itself (`resolveAccessToken`: Authlete,
 * RFC 7662) is cached the same way, keyed by `hashToken(token)`, never by the token, so `evict(hash)`
 * and the invalidation bus work alike; one answer serves every route (scopes are checked by the guard).
 *
 * - An entry expires after `ttlMs`, and never later than its token's `accessTokenExpiresAt`; the guard
 *   still checks expiry against its own clock on every request.
 * - Store errors (a throw, a rejection, no answer within `timeoutMs`) are never cached: every request
 *   waiting on the failed lookup gets the error (the guard answers 503) and the next one asks again.
 *   Records that fail the guard's checks (malformed, another hash, expired) are passed on, not cached.
 * - "No such token" is cached only when `negativeTtlMs` is above 0.
 * - Writes through the cached store (`save`, `saveMany`, `delete…`, when the inner store has them) go
 *   to the inner store, then evict what they touched here and publish it on `invalidations`.
 * - With `invalidations`, every instance drops what any instance revoked, and a token changed by
 *   another tool reaches the cache too where the bus carries it (the PostgreSQL trigger). Until the
 *   bus is connected, and whenever it loses its connection, the cache is flushed and every lookup
 *   goes to the inner store. Without a bus, `ttlMs` bounds how long a token revoked elsewhere still
 *   passes here.
 *
 * Throws a `TypeError` naming the option when an option is wrong.
 *
 * @example
 * import { createClient } from 'redis';
 * import { cachedStore, tokenGuard } from 'express-token-guard';
 * import { RedisTokenStore, redisInvalidations } from 'express-token-guard/redis';
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => console.error('redis:', error.message));
 * await client.connect();
 * const store = cachedStore(new RedisTokenStore({ client }), { invalidations: redisInvalidations({ client }) });
 * app.use(tokenGuard({ store }));
 */
export function cachedStore<S extends TokenStore | TokenResolver>(store: S, options: CachedStoreOptions = {}): CachedTokenStore<S> {
  return new TokenCache(store, compileCacheOptions(store, options)) as CachedTokenStore<S>;
}

/** What a write through the cache may have changed, as the invalidations to apply and publish. */
function touched(method: CachedWriteMethod, args: unknown[]): Invalidation[] {
  const [argument] = args;
  switch (method) {
    case 'save':
      return hashOf(argument);
    case 'saveMany':
      return Array.isArray(argument) ? argument.flatMap(hashOf) : [];
    case 'deleteByAccessTokenHash':
      return typeof argument === 'string' ? [{ hash: argument }] : [];
    case 'deleteBySubject':
      return typeof argument === 'string' ? [{ subject: argument }] : [];
    case 'deleteByClientId':
      return typeof argument === 'number' ? [{ clientId: argument }] : [];
    case 'deleteExpired':
      // Entries never outlive their token, so what expired has already left the cache.
      return [];
  }
}

function hashOf(record: unknown): Invalidation[] {
  const hash = (record as AccessToken | null | undefined)?.accessTokenHash;
  return typeof hash === 'string' ? [{ hash }] : [];
}

/**
 * The cache behind {@link cachedStore}. Its lookup and write methods are added per instance, for
 * those the inner store has; the type {@link CachedTokenStore} names them.
 */
export class TokenCache {
  /** @internal It publishes its inner store's lookups itself; a guard in front of it does not. */
  readonly [PUBLISHES_OWN_LOOKUPS] = true;
  readonly #config: CacheConfig;
  readonly #entries: LRUCache<string, Entry>;
  readonly #bySubject = new Map<string, Set<string>>();
  readonly #byClientId = new Map<number, Set<string>>();
  readonly #flights = new Map<string, Flight>();
  readonly #unsubscribe: (() => void) | undefined;
  #bypass: boolean;
  #closed = false;
  #hits = 0;
  #misses = 0;
  #coalesced = 0;
  #evictions = 0;

  /** @internal Use {@link cachedStore}. */
  constructor(inner: TokenStore | TokenResolver, config: CacheConfig) {
    this.#config = config;
    this.#entries = new LRUCache<string, Entry>({
      max: config.maxEntries,
      dispose: (entry, hash, reason) => {
        if (reason === 'evict') {
          this.#evictions++;
          publishCacheEvent('evicted');
        }
        this.#unindex(hash, entry);
      },
    });
    for (const method of WRITE_METHODS) {
      const write = (inner as Partial<Record<CachedWriteMethod, (...args: unknown[]) => Promise<unknown>>>)[method];
      if (typeof write !== 'function') continue;
      Object.defineProperty(this, method, {
        value: (...args: unknown[]) => this.#writeThrough(() => write.apply(inner, args), touched(method, args)),
        writable: true,
        configurable: true,
      });
    }
    // Listing reads the inner store as it is, and caches nothing.
    const { list } = inner as Partial<ListableTokenStore>;
    if (typeof list === 'function') Object.defineProperty(this, 'list', { value: list.bind(inner), writable: true, configurable: true });
    const { findByAccessTokenHash } = inner as Partial<TokenStore>;
    if (typeof findByAccessTokenHash === 'function') {
      const name = storeName(inner);
      const find: Lookup = (hash) =>
        storeChannel.hasSubscribers
          ? timedLookup(name, config.includeHash ? hash : undefined, () => findByAccessTokenHash.call(inner, hash))
          : findByAccessTokenHash.call(inner, hash);
      this.#define('findByAccessTokenHash', (hash: string) => this.#lookUp(hash, hash, find));
    }
    const { resolveAccessToken } = inner as Partial<TokenResolver>;
    if (typeof resolveAccessToken === 'function') {
      const name = storeName(inner);
      const resolve: Lookup = (token) =>
        storeChannel.hasSubscribers ? timedLookup(name, undefined, () => resolveAccessToken.call(inner, token)) : resolveAccessToken.call(inner, token);
      this.#define('resolveAccessToken', (token: string) => this.#lookUp(hashToken(token), token, resolve));
    }
    this.#bypass = config.invalidations !== undefined;
    this.#unsubscribe = config.invalidations?.subscribe({
      onInvalidation: (invalidation) => this.#apply(invalidation),
      onConnectionChange: (connected) => {
        if (!connected) this.evictAll();
        this.#bypass = !connected || this.#closed;
      },
    });
  }

  #define(name: CachedLookupMethod, method: (key: string) => Found | PromiseLike<Found>): void {
    Object.defineProperty(this, name, { value: method, writable: true, configurable: true });
  }

  /**
   * The record for `hash`: from the cache when it holds a live entry (synchronously), otherwise from
   * the inner store (`lookup(key)`, where `key` is the hash or, for a resolver, the token), joining a
   * lookup already in flight for the same hash.
   */
  #lookUp(hash: string, key: string, lookup: Lookup): Found | PromiseLike<Found> {
    if (this.#bypass) {
      this.#misses++;
      publishCacheEvent('miss');
      return lookup(key);
    }
    const entry = this.#entries.get(hash);
    if (entry !== undefined) {
      if (entry.expiresAt > this.#config.clock()) {
        this.#hits++;
        publishCacheEvent('hit');
        return entry.record;
      }
      this.#entries.delete(hash);
    }
    const flight = this.#flights.get(hash);
    if (flight !== undefined) {
      this.#coalesced++;
      publishCacheEvent('coalesced');
      return flight.promise;
    }
    this.#misses++;
    publishCacheEvent('miss');
    return this.#load(hash, lookup(key), key !== hash);
  }

  /** Drops the entry for `hash`, and keeps a lookup of it now in flight from being cached. */
  evict(hash: string): void {
    this.#apply({ hash });
  }

  /** Drops every entry, and keeps every lookup now in flight from being cached. */
  evictAll(): void {
    this.#apply({ all: true });
  }

  /**
   * Stops listening to the invalidation bus and empties the cache: from now on every lookup goes to
   * the inner store. Closes neither the bus nor the inner store nor any client of the application.
   */
  close(): void {
    this.#closed = true;
    this.#bypass = true;
    this.#unsubscribe?.();
    this.evictAll();
  }

  /** Counters since the cache was made, and its size now. */
  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, coalesced: this.#coalesced, evictions: this.#evictions, size: this.#entries.size };
  }

  /**
   * Runs a write of the inner store, then evicts and publishes what it touched, even when it failed
   * (it may have written part). A failed publish rejects a write that succeeded.
   */
  async #writeThrough(write: () => Promise<unknown>, invalidations: Invalidation[]): Promise<unknown> {
    let result: unknown;
    try {
      result = await write();
    } catch (error) {
      for (const invalidation of invalidations) this.#apply(invalidation);
      await this.#publish(invalidations).catch(() => undefined);
      throw error;
    }
    for (const invalidation of invalidations) this.#apply(invalidation);
    await this.#publish(invalidations);
    return result;
  }

  async #publish(invalidations: Invalidation[]): Promise<void> {
    const bus: InvalidationBus | undefined = this.#config.invalidations;
    if (bus === undefined || this.#closed) return;
    await Promise.all(invalidations.map((invalidation) => bus.publish(invalidation)));
  }

  #load(hash: string, found: Found | PromiseLike<Found>, resolved: boolean): Found | Promise<Found> {
    if (!isThenable(found)) return this.#remember(hash, found, resolved);
    const flight: Flight = { promise: undefined as never, stale: false };
    flight.promise = new Promise((resolve, reject) => {
      const land = (): void => {
        clearTimeout(timer);
        if (this.#flights.get(hash) === flight) this.#flights.delete(hash);
      };
      const timer = setTimeout(() => {
        flight.stale = true;
        land();
        reject(new StoreTimeoutError(NAME, this.#config.timeoutMs));
      }, this.#config.timeoutMs);
      timer.unref();
      Promise.resolve(found).then(
        (record) => {
          land();
          resolve(flight.stale ? record : this.#remember(hash, record, resolved));
        },
        (error: unknown) => {
          land();
          reject(error);
        },
      );
    });
    this.#flights.set(hash, flight);
    return flight.promise;
  }

  /**
   * Caches what the inner store answered, when it may be, and returns what the guard should check.
   * `resolved`: a resolver's record, whose `accessTokenHash` may be absent and is not compared.
   */
  #remember(hash: string, found: Found, resolved: boolean): Found {
    if (this.#bypass) return found;
    const now = this.#config.clock();
    if (found === undefined || found === null) {
      if (this.#config.negativeTtlMs > 0) this.#entries.set(hash, { record: undefined, expiresAt: now + this.#config.negativeTtlMs });
      return found;
    }
    if (findRecordProblem(found) !== undefined || (resolved ? findResolvedFieldProblem(found) !== undefined : found.accessTokenHash !== hash)) return found;
    const expiresAt = Math.min(now + this.#config.ttlMs, found.accessTokenExpiresAt ?? 0);
    if (!(expiresAt > now)) return found;
    const record = sealedAuthInfo(found) === undefined ? sealRecord(copyResolved(found)) : found;
    this.#entries.set(hash, { record, expiresAt });
    if (record.subject !== undefined) addTo(this.#bySubject, record.subject, hash);
    if (record.clientId !== undefined) addTo(this.#byClientId, record.clientId, hash);
    return record;
  }

  #apply(invalidation: Invalidation): void {
    if ('hash' in invalidation) {
      const flight = this.#flights.get(invalidation.hash);
      if (flight !== undefined) {
        flight.stale = true;
        this.#flights.delete(invalidation.hash);
      }
      this.#evictHashes([invalidation.hash]);
      return;
    }
    for (const flight of this.#flights.values()) flight.stale = true;
    this.#flights.clear();
    if ('subject' in invalidation) this.#evictHashes(this.#bySubject.get(invalidation.subject));
    else if ('clientId' in invalidation) this.#evictHashes(this.#byClientId.get(invalidation.clientId));
    else {
      this.#evictions += this.#entries.size;
      this.#entries.clear();
      publishCacheEvent('flushed');
    }
  }

  #evictHashes(hashes: Iterable<string> | undefined): void {
    for (const hash of [...(hashes ?? [])]) {
      if (this.#entries.delete(hash)) {
        this.#evictions++;
        publishCacheEvent('evicted');
      }
    }
  }

  #unindex(hash: string, { record }: Entry): void {
    if (record?.subject !== undefined) removeFrom(this.#bySubject, record.subject, hash);
    if (record?.clientId !== undefined) removeFrom(this.#byClientId, record.clientId, hash);
  }
}

/** A copy the cache owns: the record's known fields, and a resolver's `claims` and `clientIdentifier`. */
function copyResolved(found: ResolvedAccessToken): ResolvedAccessToken {
  const copy: ResolvedAccessToken = copyRecord(found);
  if (found.claims !== undefined) copy.claims = structuredClone(found.claims);
  if (found.clientIdentifier !== undefined) copy.clientIdentifier = found.clientIdentifier;
  return copy;
}
