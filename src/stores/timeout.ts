import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';

/** What a store's lookup rejects with when its backend does not answer within `timeoutMs`. */
export class StoreTimeoutError extends Error {
  /** Stable machine-readable condition. */
  readonly code = 'ERR_STORE_TIMEOUT';

  constructor(
    /** The store that gave up, e.g. `RedisTokenStore`. */
    readonly store: string,
    /** How long it waited, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`${store}: no answer within ${timeoutMs} ms`);
  }
}
Object.defineProperty(StoreTimeoutError.prototype, 'name', { value: 'StoreTimeoutError', writable: true });

/** Checks a `timeoutMs` option: a positive number of ms, default 1000. */
export function checkTimeout(what: string, timeoutMs: unknown): number {
  if (timeoutMs === undefined) return 1000;
  if (typeof timeoutMs !== 'number') throw invalidArgType(`${what}: options.timeoutMs must be a number`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1) {
    throw invalidArgValue(`${what}: options.timeoutMs must be a positive number of ms (at most 2^31-1)`);
  }
  return timeoutMs;
}

/**
 * Settles as `promise` does, or rejects with a {@link StoreTimeoutError} after `timeoutMs`. The
 * timer does not keep the process alive, and a late rejection of `promise` is handled.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, store: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(store, timeoutMs)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
