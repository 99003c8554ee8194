import { deepFreeze } from './freeze.js';
import type { AccessToken, Confirmation, GrantType, Property } from './record.js';
import type { ResolvedAccessToken } from './store.js';

/**
 * What the guard learned about the request's token; Express handlers read it as `req.auth`. It is
 * frozen: derive a new object rather than changing it.
 *
 * `properties` holds **all** of the record's properties, hidden ones included (the resource server
 * is trusted, as with Authlete's introspection): never echo hidden properties to clients. It is an
 * object without a prototype, so keys such as `__proto__` or `constructor` are plain keys; when a
 * key repeats, the last one wins. The record's own `hidden` flags are on `accessToken.properties`.
 */
export interface AuthInfo {
  /** The resource owner; `undefined` for client-credentials tokens. */
  readonly subject: string | undefined;
  /** The client the token was issued to. */
  readonly clientId: number | undefined;
  /** The token's scopes; `[]` when the record has none. */
  readonly scopes: readonly string[];
  /** Every property of the record as key → value; `{}` when there are none. */
  readonly properties: Readonly<Record<string, string>>;
  /** The grant the token was issued through. */
  readonly grantType: GrantType | undefined;
  /** When the access token expires, ms since the epoch. */
  readonly expiresAt: number;
  /** The record itself. It is the store's object: treat it as read-only. */
  readonly accessToken: Readonly<AccessToken>;
  /**
   * For a token resolved upstream (Authlete, RFC 7662 introspection): the authorization server's
   * answer as it came, deep-frozen, hidden properties included, so handlers can read fields this
   * package does not map. Absent for records from a hash-keyed store.
   */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** For a token introspected per RFC 7662: its `client_id`, exactly as sent. Absent otherwise. */
  readonly clientIdentifier?: string;
  /** The record's binding (`cnf`), when it has one: the guard accepted the token's proof of it. */
  readonly cnf?: Readonly<Confirmation>;
  /** The record's authentication context class (`acr`), when it has one. */
  readonly acr?: string;
  /** When the user authenticated (ms since the epoch), when the record says. */
  readonly authTime?: number;
  /** The resource servers the token is meant for, when the record says. */
  readonly audience?: readonly string[];
}

const NO_SCOPES: readonly string[] = Object.freeze([]);
const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

/**
 * The frozen, prototype-less key → value map of a record's properties, as {@link AuthInfo}
 * `properties` holds it: the last of a repeated key wins; `{}` when there are none.
 */
export function toPropertyMap(properties: readonly Readonly<Property>[] | undefined): Readonly<Record<string, string>> {
  if (properties === undefined || properties.length === 0) return NO_PROPERTIES;
  const map: Record<string, string> = Object.create(null);
  for (const { key, value } of properties) map[key] = value;
  return Object.freeze(map);
}

/**
 * Builds the (frozen) {@link AuthInfo} of a well-formed record. A store that shares property lists
 * between records passes the shared list's `properties` map, so records share it too.
 */
export function toAuthInfo(record: AccessToken, properties = toPropertyMap(record.properties)): AuthInfo {
  const { claims, clientIdentifier } = record as ResolvedAccessToken;
  const info: AuthInfo = {
    subject: record.subject,
    clientId: record.clientId,
    scopes: record.scopes ?? NO_SCOPES,
    properties,
    grantType: record.grantType,
    expiresAt: record.accessTokenExpiresAt ?? 0,
    accessToken: record,
  };
  const { cnf, acr, authTime, audience } = record;
  if (claims === undefined && clientIdentifier === undefined && cnf === undefined && acr === undefined && authTime === undefined && audience === undefined) {
    return Object.freeze(info);
  }
  return Object.freeze({
    ...info,
    ...(claims === undefined ? {} : { claims: deepFreeze(claims) }),
    ...(clientIdentifier === undefined ? {} : { clientIdentifier }),
    ...(cnf === undefined ? {} : { cnf }),
    ...(acr === undefined ? {} : { acr }),
    ...(authTime === undefined ? {} : { authTime }),
    ...(audience === undefined ? {} : { audience }),
  });
}
