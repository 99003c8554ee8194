import { LRUCache } from 'lru-cache';
import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';

/**
 * Remembers the DPoP proofs a guard accepted, so that none is accepted twice (RFC 9449 §11.1). The
 * guard calls `seen` once per proof that passed every other check, with a fixed-length key derived
 * from the proof's `jti`, its key and its target URI, and the time in ms after which the proof is
 * refused anyway (`iat` + `maxAgeSeconds` + `clockToleranceSeconds`): keep the key at least until then.
 */
export interface ReplayStore {
  /** Records `jti`; true when it was already recorded (the proof is a replay). A throw or rejection is a 503. */
  seen(jti: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** How many proofs it holds at most. Default 100,000: five minutes of proofs at 330 per second. */
  max?: number;
  /** The time in ms since the epoch, the clock `expiresAt` is measured with. Default `Date.now`. */
  clock?: () => number;
}

const NAME = 'MemoryReplayStore';

/**
 * The default {@link ReplayStore} of a guard: this process's memory, bounded (least recently seen
 * first out) and expiring. Several instances behind a load balancer each see only their own
 * proofs: give them a shared `RedisReplayStore` (`express-token-guard/redis`). When it is so full
 * that it drops a proof still inside its window, it emits one process warning: that proof could
 * then be replayed, so raise `max` or share a Redis store.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #clock: () => number;
  readonly #max: number;
  // Made on the first proof: lru-cache sets aside room for `max` entries at once.
  #seen: LRUCache<string, number> | undefined;
  #warned = false;

  constructor(options: MemoryReplayStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalidArgType(`${NAME}: options must be an object, e.g. { max: 100000 }`);
    for (const name of Object.keys(options)) {
      if (name !== 'max' && name !== 'clock') throw invalidArgValue(`${NAME}: unknown option "${name}" (it takes max, clock)`);
    }
    const { max = 100_000, clock = Date.now } = options;
    if (!Number.isSafeInteger(max) || max < 1) throw invalidArgType(`${NAME}: options.max must be a whole number, 1 or more`);
    if (typeof clock !== 'function') throw invalidArgType(`${NAME}: options.clock must be a function`);
    this.#clock = clock;
    this.#max = max;
  }

  #cache(): LRUCache<string, number> {
    const max = this.#max;
    return (this.#seen ??= new LRUCache<string, number>({
      max,
      dispose: (expiresAt, _key, reason) => {
        if (reason === 'evict' && expiresAt > this.#clock() && !this.#warned) {
          this.#warned = true;
          process.emitWarning(
            `${NAME}: full (max ${max}); a DPoP proof still inside its window was dropped and could be replayed. ` +
              'Raise max, or share a RedisReplayStore between instances.',
            { type: 'SecurityWarning', code: 'TOKEN_GUARD_REPLAY_STORE_FULL' },
          );
        }
      },
    }));
  }

  /** See {@link ReplayStore.seen}. */
  seen(jti: string, expiresAt: number): boolean {
    const seen = this.#cache();
    const known = seen.get(jti);
    if (known !== undefined && known > this.#clock()) return true;
    seen.set(jti, expiresAt);
    return false;
  }

  /** How many proofs it holds. */
  get size(): number {
    return this.#seen?.size ?? 0;
  }
}

/** Checks a `replayStore` option: an object with `seen(jti, expiresAt)`. */
export function checkReplayStore(what: string, store: unknown): ReplayStore | undefined {
  if (store === undefined) return undefined;
  if (typeof store !== 'object' || store === null || typeof (store as ReplayStore).seen !== 'function') {
    throw invalidArgType(`${what} must be an object with a seen(jti, expiresAt) method, e.g. new MemoryReplayStore()`);
  }
  return store as ReplayStore;
}
