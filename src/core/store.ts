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

/**
 * An `AccessToken` as a store that resolves the raw token upstream returns it: `accessTokenHash` may
 * be absent (the guard does not compare it), and two fields carry what the authorization server said.
 */
export interface ResolvedAccessToken extends AccessToken {
  /** The authorization server's answer as it came; the guard deep-freezes it into `req.auth.claims`. */
  claims?: Readonly<Record<string, unknown>>;
  /** The client's identifier exactly as the server sent it (RFC 7662 `client_id`): `req.auth.clientIdentifier`. */
  clientIdentifier?: string;
}

/**
 * A store that resolves the raw token itself, where there is no lookup by hash (Authlete's and
 * RFC 7662 introspection). The guard gives the token **only** to this method, and asks it rather
 * than `findByAccessTokenHash` when a store has both. What it resolves to is checked like any record
 * (types, expiry), then scopes; `undefined` (or `null`) is an unknown token.
 *
 * It may refuse with an `InvalidRequestError`, `InvalidTokenError` or `InsufficientScopeError`: the
 * guard passes that on with its own challenge. Anything else it throws or rejects with is a 503.
 * Never put the token into an error message, a log or a record.
 */
export interface TokenResolver {
  /** Returns the record of `token`, or `undefined` when the token is not active. */
  resolveAccessToken(
    token: string,
  ): ResolvedAccessToken | null | undefined | PromiseLike<ResolvedAccessToken | null | undefined>;
}

/**
 * A store that can also be written: what the token CLI, importers and the contract suite
 * (`express-token-guard/testing`) work with. Every store in this package implements it.
 *
 * - `save` is an upsert keyed by `accessTokenHash`; a record without it, or with a field of the wrong
 *   type, is refused with a `TypeError` naming the field. Fields this package does not know are
 *   not kept. Saving an already-expired record is allowed; a store may drop it.
 * - `saveMany` checks every record first and writes nothing if one is refused.
 * - The delete methods resolve to what they deleted: a boolean, or a count.
 * - `close()`, where present, frees what the store holds itself (timers, subscriptions), never the
 *   client, pool or database the application passed in.
 */
export interface WritableTokenStore extends TokenStore {
  /** Stores a record, replacing any with the same `accessTokenHash`. */
  save(record: AccessToken): Promise<void>;
  /** Stores several records; nothing is written when one of them is refused. */
  saveMany(records: readonly AccessToken[]): Promise<void>;
  /** Deletes one token (revocation); resolves to whether there was one. */
  deleteByAccessTokenHash(hash: string): Promise<boolean>;
  /** Deletes every token of a resource owner; resolves to how many. */
  deleteBySubject(subject: string): Promise<number>;
  /** Deletes every token issued to a client; resolves to how many. */
  deleteByClientId(clientId: number): Promise<number>;
  /** Frees what the store holds itself; never the application's client. */
  close?(): void | Promise<void>;
}

/**
 * What {@link ListableTokenStore.list} returns: a page of records and, when there may be more, the
 * cursor of the next page.
 */
export interface TokenListPage {
  /** The records of this page. A page may hold fewer than `limit` records, even none, when `next` is set. */
  records: AccessToken[];
  /** Pass it as `after` to get the next page; absent on the last page. Opaque: pass it back as it is. */
  next?: string;
}

/** What {@link ListableTokenStore.list} lists: every filter given must match. */
export interface TokenListQuery {
  /** Only the tokens of this resource owner. */
  subject?: string;
  /** Only the tokens issued to this client. */
  clientId?: number;
  /**
   * `true`: only the records whose access token has expired at `now` (`accessTokenExpiresAt <= now`,
   * absent or `0` included); `false`: only the others. Absent: all of them.
   */
  expired?: boolean;
  /** The time `expired` compares with, in ms since the epoch. Default: the current time. */
  now?: number;
  /** The `next` of the previous page; absent for the first page. */
  after?: string;
  /** How many records a page holds at most (a store that pages with Redis `SCAN` treats it as a hint). 1 to 1000, default 100. */
  limit?: number;
}

/**
 * A store that can list its records, a page at a time, so that a million records never load at
 * once: what `token list` uses. Optional, so that stores written before it keep satisfying the
 * contract; every store in this package has it.
 *
 * Stores keyed in SQL (SQLite, PostgreSQL) and the memory store page by `accessTokenHash` (keyset),
 * so each record that exists through the whole listing comes exactly once. Redis pages with
 * `SCAN`: a record comes at least once, and may come twice while Redis resizes its tables.
 * Records come as stored, never with a token. A filter or cursor of the wrong type is refused with a
 * `TypeError` naming it.
 *
 * @example
 * for (let page = await store.list({ subject: 'alice' }); ; page = await store.list({ subject: 'alice', after: page.next })) {
 *   for (const record of page.records) console.log(record.accessTokenHash);
 *   if (page.next === undefined) break;
 * }
 */
export interface ListableTokenStore extends TokenStore {
  /** One page of the records that match `query`. */
  list(query?: TokenListQuery): Promise<TokenListPage>;
}
