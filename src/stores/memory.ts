import { invalidArgType } from '../core/arg-errors.js';
import type { AccessToken } from '../core/record.js';
import { sealRecord } from '../core/sealed-record.js';
import type { TokenStore } from '../core/store.js';

/**
 * Keeps records in a `Map` keyed by `accessTokenHash`, in this process only: for tests, examples
 * and single-instance services whose tokens can be re-seeded at start. Records are checked, copied
 * and frozen when saved, so neither the caller nor a handler reading `req.auth.accessToken` can
 * change what is stored, and the guard does not re-check their types on each request. Expired
 * records stay until deleted (the guard refuses them).
 *
 * `findByAccessTokenHash` answers synchronously (awaiting it works too), so the guard's lookup
 * costs no promise.
 *
 * @example
 * const store = new MemoryTokenStore([
 *   { accessTokenHash: hashToken('demo-token'), accessTokenExpiresAt: Date.now() + 3_600_000, scopes: ['items:read'] },
 * ]);
 */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, Readonly<AccessToken>>();

  /** @param records Records to start with; each is checked as by {@link MemoryTokenStore.save}. */
  constructor(records: Iterable<AccessToken> = []) {
    if (records === null || typeof (records as Partial<Iterable<AccessToken>>)[Symbol.iterator] !== 'function') {
      throw invalidArgType('MemoryTokenStore: records must be an iterable of AccessToken records');
    }
    for (const record of records) this.#put(record, 'MemoryTokenStore: records[]');
  }

  /**
   * Stores a record, replacing any with the same `accessTokenHash`. Rejects with a `TypeError`
   * naming the field when `accessTokenHash` is missing or a field has the wrong type.
   */
  async save(record: AccessToken): Promise<void> {
    this.#put(record, 'MemoryTokenStore.save: record');
  }

  /** The record stored under `hash` (frozen), or `undefined`. */
  findByAccessTokenHash(hash: string): Readonly<AccessToken> | undefined {
    return this.#records.get(hash);
  }

  /** Deletes the record stored under `hash` (revocation); resolves to whether there was one. */
  async deleteByAccessTokenHash(hash: string): Promise<boolean> {
    return this.#records.delete(hash);
  }

  /** How many records are stored, expired ones included. */
  get size(): number {
    return this.#records.size;
  }

  #put(record: AccessToken, what: string): void {
    const sealed = sealRecord(record, what);
    this.#records.set(sealed.accessTokenHash as string, sealed);
  }
}
