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
