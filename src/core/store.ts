import type { AccessToken } from './record.js';

/**
 * Where the guard finds records. The only required method is `findByAccessTokenHash`; it may answer
 * with a value or a Promise, and `undefined` (or `null`) means there is no such token. What it
 * returns is checked on every request (types, hash, expiry), so a store may return whatever its
 * backend holds. If it throws or rejects, the request is refused with a 503.
 *
 * @example
 * const store: TokenStore = {
 *   async findByAccessTokenHash(hash) {
 *     const row = await db.get('SELECT record FROM tokens WHERE hash = ?', hash);
 *     return row && JSON.parse(row.record);
 *   },
 * };
 */
export interface TokenStore {
  /** Returns the record whose `accessTokenHash` is `hash`, or `undefined` when there is none. */
  findByAccessTokenHash(hash: string): AccessToken | null | undefined | PromiseLike<AccessToken | null | undefined>;
}
