import { invalidArgType } from '../core/arg-errors.js';
import { ListInterner } from '../core/intern.js';
import { addTo, removeFrom } from '../core/set-index.js';
import { checkRecord, type AccessToken } from '../core/record.js';
import { sealRecord } from '../core/sealed-record.js';
import type { ListableTokenStore, TokenListPage, TokenListQuery, WritableTokenStore } from '../core/store.js';
import { checkClientId, checkHash, checkNow, checkRecords, checkSubject } from '../core/store-arguments.js';
import { checkListQuery, matchesQuery, page } from './list-query.js';

/**
 * Keeps records in a `Map` keyed by `accessTokenHash`, in this process only: for tests, examples
 * and single-instance services whose tokens can be re-seeded at start. Records are checked, copied
 * and frozen when saved, so neither the caller nor a handler reading `req.auth.accessToken` can
 * change what is stored, and the guard does not re-check their types on each request. Expired
 * records stay until deleted; `deleteExpired()` removes them.
 *
 * Records share equal lists: those with the same scopes or the same properties hold one frozen
 * array (and one `req.auth.properties` map), so a typical record (two hashes, four times, a subject,
 * three scopes and two properties drawn from a few common ones) costs about 600 bytes of heap.
 * A lookup is one `Map` read; the record links its `req.auth` without a second table.
 *
 * `findByAccessTokenHash` answers synchronously (awaiting it works too), so the guard's lookup
 * costs no promise.
 *
 * @example
 * const store = new MemoryTokenStore([
 *   { accessTokenHash: hashToken('demo-token'), accessTokenExpiresAt: Date.now() + 3_600_000, scopes: ['items:read'] },
 * ]);
 */
export class MemoryTokenStore implements WritableTokenStore, ListableTokenStore {
  readonly #records = new Map<string, Readonly<AccessToken>>();
  // Every hash in order, for list(); made again after the set of hashes changed.
  #sorted: string[] | undefined;
  readonly #lists = new ListInterner();
  // Most subjects hold one token: a hash string, and a Set only from the second.
  readonly #bySubject = new Map<string, string | Set<string>>();
  readonly #byClientId = new Map<number, Set<string>>();

  /** @param records Records to start with; each is checked as by {@link MemoryTokenStore.save}. */
  constructor(records: Iterable<AccessToken> = []) {
    if (records === null || typeof (records as Partial<Iterable<AccessToken>>)[Symbol.iterator] !== 'function') {
      throw invalidArgType('MemoryTokenStore: records must be an iterable of AccessToken records');
    }
    for (const record of records) this.#put(checkRecord(record, 'MemoryTokenStore: records[]'));
  }

  /**
   * Stores a record, replacing any with the same `accessTokenHash`. Rejects with a `TypeError`
   * naming the field when `accessTokenHash` is missing or a field has the wrong type.
   */
  async save(record: AccessToken): Promise<void> {
    this.#put(checkRecord(record, 'MemoryTokenStore.save: record'));
  }

  /** Stores several records; when one is refused, none is stored. */
  async saveMany(records: readonly AccessToken[]): Promise<void> {
    for (const record of checkRecords('MemoryTokenStore.saveMany', records)) this.#put(record);
  }

  /** The record stored under `hash` (frozen), or `undefined`. */
  findByAccessTokenHash(hash: string): Readonly<AccessToken> | undefined {
    return this.#records.get(hash);
  }

  /** Deletes the record stored under `hash` (revocation); resolves to whether there was one. */
  async deleteByAccessTokenHash(hash: string): Promise<boolean> {
    return this.#delete(checkHash('MemoryTokenStore.deleteByAccessTokenHash', hash));
  }

  /** Deletes every record of `subject`; resolves to how many. */
  async deleteBySubject(subject: string): Promise<number> {
    const hashes = this.#bySubject.get(checkSubject('MemoryTokenStore.deleteBySubject', subject));
    return typeof hashes === 'string' ? Number(this.#delete(hashes)) : this.#deleteAll(hashes);
  }

  /** Deletes every record issued to `clientId`; resolves to how many. */
  async deleteByClientId(clientId: number): Promise<number> {
    const hashes = this.#byClientId.get(checkClientId('MemoryTokenStore.deleteByClientId', clientId));
    return this.#deleteAll(hashes);
  }

  /**
   * Deletes every record whose access token has expired at `now` (default: the current time), those
   * without an expiry included; resolves to how many.
   */
  async deleteExpired(now?: number): Promise<number> {
    const at = checkNow('MemoryTokenStore.deleteExpired', now);
    let deleted = 0;
    for (const [hash, { accessTokenExpiresAt }] of this.#records) {
      if (accessTokenExpiresAt === undefined || accessTokenExpiresAt === 0 || accessTokenExpiresAt <= at) {
        if (this.#delete(hash)) deleted++;
      }
    }
    return deleted;
  }

  /**
   * One page of the records that match `query`, in the order of their `accessTokenHash`; see
   * `ListableTokenStore`. The first page after a change sorts the hashes again (about 2 s at
   * 1,000,000 records); a `subject` or `clientId` filter reads only the tokens of that subject or client.
   */
  async list(query?: TokenListQuery): Promise<TokenListPage> {
    const checked = checkListQuery('MemoryTokenStore.list', query);
    const { subject, clientId, after, limit } = checked;
    let hashes: readonly string[];
    if (subject !== undefined || clientId !== undefined) {
      const owned = subject === undefined ? this.#byClientId.get(clientId as number) : this.#bySubject.get(subject);
      hashes = typeof owned === 'string' ? [owned] : [...(owned ?? [])].sort(compare);
    } else {
      this.#sorted ??= [...this.#records.keys()].sort(compare);
      hashes = this.#sorted;
    }
    const records: AccessToken[] = [];
    for (let i = after === undefined ? 0 : firstAfter(hashes, after); i < hashes.length; i++) {
      const record = this.#records.get(hashes[i] as string) as Readonly<AccessToken>;
      if (!matchesQuery(record, checked)) continue;
      if (records.length === limit) return page(records, records[limit - 1]?.accessTokenHash);
      records.push(record);
    }
    return page(records, undefined);
  }

  /** How many records are stored, expired ones included. */
  get size(): number {
    return this.#records.size;
  }

  #put(checked: AccessToken): void {
    const hash = checked.accessTokenHash as string;
    if (!this.#delete(hash, true)) this.#sorted = undefined;
    const record = sealRecord(checked, this.#lists.intern(checked));
    this.#records.set(hash, record);
    if (record.subject !== undefined) addSubject(this.#bySubject, record.subject, hash);
    if (record.clientId !== undefined) addTo(this.#byClientId, record.clientId, hash);
  }

  /** Deletes a record; `replacing`: a record with the same hash follows at once, so the order of hashes stays. */
  #delete(hash: string, replacing = false): boolean {
    const record = this.#records.get(hash);
    if (record === undefined) return false;
    this.#records.delete(hash);
    if (!replacing) this.#sorted = undefined;
    this.#lists.release(record);
    if (record.subject !== undefined) removeSubject(this.#bySubject, record.subject, hash);
    if (record.clientId !== undefined) removeFrom(this.#byClientId, record.clientId, hash);
    return true;
  }

  #deleteAll(hashes: Set<string> | undefined): number {
    let deleted = 0;
    for (const hash of [...(hashes ?? [])]) if (this.#delete(hash)) deleted++;
    return deleted;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The index of the first of the sorted `hashes` that comes after `hash`. */
function firstAfter(hashes: readonly string[], hash: string): number {
  let low = 0;
  let high = hashes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((hashes[middle] as string) <= hash) low = middle + 1;
    else high = middle;
  }
  return low;
}

function addSubject(index: Map<string, string | Set<string>>, subject: string, hash: string): void {
  const hashes = index.get(subject);
  if (hashes === undefined) index.set(subject, hash);
  else if (typeof hashes === 'string') index.set(subject, new Set([hashes, hash]));
  else hashes.add(hash);
}

function removeSubject(index: Map<string, string | Set<string>>, subject: string, hash: string): void {
  const hashes = index.get(subject);
  if (hashes === hash) index.delete(subject);
  else if (typeof hashes === 'object') removeFrom(index as Map<string, Set<string>>, subject, hash);
}
