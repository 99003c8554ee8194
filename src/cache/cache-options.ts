import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import type { TokenResolver, TokenStore } from '../core/store.js';
import { closestName } from '../core/suggest.js';
import type { InvalidationBus } from './invalidation-bus.js';

/** Options of {@link cachedStore}. Every one is checked when `cachedStore` is called. */
export interface CachedStoreOptions {
  /** How many records (and negative entries) the cache holds before it drops the least recently used. Default 10,000. */
  maxEntries?: number;
  /**
   * How long a record is served from the cache, in ms; an entry never outlives its token's
   * `accessTokenExpiresAt`. Without `invalidations`, this is the longest a token revoked elsewhere
   * (another instance, a database tool) can still pass here. Default 30,000.
   */
  ttlMs?: number;
  /**
   * How long "no such token" is remembered, in ms: at most 5,000 and at most `ttlMs`. Default 0
   * (off): every unknown token goes to the inner store, so a token saved elsewhere works at once.
   */
  negativeTtlMs?: number;
  /** Returns the current time in ms since the epoch; decides entry expiry. Default `Date.now`. Inject it in tests. */
  clock?: () => number;
  /**
   * How long the requests waiting on one lookup of the inner store wait, in ms, before they all fail
   * (the guard answers 503) and the lookup is forgotten. Default 2,000.
   */
  timeoutMs?: number;
  /** A bus that carries revocations between instances (see `redisInvalidations`, `postgresInvalidations`). */
  invalidations?: InvalidationBus;
  /** Put the hash looked up in the `express-token-guard:store` messages of the inner store's lookups. Default `false`. */
  includeHash?: boolean;
}

/** Options after checking, with every default filled in. */
export interface CacheConfig {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly clock: () => number;
  readonly timeoutMs: number;
  readonly invalidations: InvalidationBus | undefined;
  readonly includeHash: boolean;
}

const OPTION_NAMES: ReadonlyArray<keyof CachedStoreOptions> = [
  'maxEntries',
  'ttlMs',
  'negativeTtlMs',
  'clock',
  'timeoutMs',
  'invalidations',
  'includeHash',
];
const ALIASES: Readonly<Record<string, keyof CachedStoreOptions>> = {
  max: 'maxEntries',
  size: 'maxEntries',
  maxsize: 'maxEntries',
  ttl: 'ttlMs',
  maxage: 'ttlMs',
  negativettl: 'negativeTtlMs',
  now: 'clock',
  timeout: 'timeoutMs',
  bus: 'invalidations',
  invalidationbus: 'invalidations',
};
const MAX_NEGATIVE_TTL_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks the arguments of {@link cachedStore} once and fills in defaults. Throws a `TypeError` coded
 * `ERR_INVALID_ARG_TYPE` or `ERR_INVALID_ARG_VALUE` that names the option.
 */
export function compileCacheOptions(store: unknown, options: unknown): CacheConfig {
  const candidate = store as Partial<TokenStore & TokenResolver> | null | undefined;
  if (typeof candidate?.findByAccessTokenHash !== 'function' && typeof candidate?.resolveAccessToken !== 'function') {
    throw invalidArgType(
      'cachedStore: store must be a token store (an object with a findByAccessTokenHash(hash) or resolveAccessToken(token) method)',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw invalidArgType('cachedStore: options must be an object, e.g. cachedStore(store, { ttlMs: 30_000 })');
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(OPTION_NAMES as readonly string[]).includes(name)) {
      const suggestion = closestName(name, OPTION_NAMES, ALIASES);
      throw invalidArgValue(`cachedStore: unknown option "${name}"${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`);
    }
  }
  const ttlMs = checkMs(given, 'ttlMs', 30_000, 1, MAX_TIMER_MS);
  const negativeTtlMs = checkMs(given, 'negativeTtlMs', 0, 0, Math.min(MAX_NEGATIVE_TTL_MS, ttlMs));
  const maxEntries = given['maxEntries'] ?? 10_000;
  if (typeof maxEntries !== 'number') throw invalidArgType('cachedStore: options.maxEntries must be a number');
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1 || maxEntries > 2 ** 32) {
    throw invalidArgValue('cachedStore: options.maxEntries must be a whole number from 1 to 2^32');
  }
  const clock = given['clock'] ?? Date.now;
  if (typeof clock !== 'function') throw invalidArgType('cachedStore: options.clock must be a function returning ms since the epoch');
  return {
    maxEntries,
    ttlMs,
    negativeTtlMs,
    clock: clock as () => number,
    timeoutMs: checkMs(given, 'timeoutMs', 2_000, 1, MAX_TIMER_MS),
    invalidations: checkBus(given['invalidations']),
    includeHash: checkFlag(given['includeHash']),
  };
}

function checkMs(given: Record<string, unknown>, name: keyof CachedStoreOptions, fallback: number, min: number, max: number): number {
  const value = given[name] ?? fallback;
  if (typeof value !== 'number') throw invalidArgType(`cachedStore: options.${name} must be a number of ms`);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidArgValue(`cachedStore: options.${name} must be a number of ms from ${min} to ${max}, not ${value}`);
  }
  return value;
}

function checkBus(bus: unknown): InvalidationBus | undefined {
  if (bus === undefined) return undefined;
  const methods = bus as Partial<Record<keyof InvalidationBus, unknown>> | null;
  if (typeof methods?.subscribe !== 'function' || typeof methods.publish !== 'function') {
    throw invalidArgType(
      'cachedStore: options.invalidations must be an invalidation bus (redisInvalidations() or postgresInvalidations())',
    );
  }
  return bus as InvalidationBus;
}

function checkFlag(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgType('cachedStore: options.includeHash must be true or false');
  return value;
}
