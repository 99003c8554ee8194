/**
 * The grant an access token was issued through (Authlete's `GrantType`). The set grows, so any other
 * string passes through unchanged.
 */
export type GrantType =
  | 'AUTHORIZATION_CODE'
  | 'IMPLICIT'
  | 'PASSWORD'
  | 'CLIENT_CREDENTIALS'
  | 'REFRESH_TOKEN'
  | 'CIBA'
  | 'DEVICE_CODE'
  | 'TOKEN_EXCHANGE'
  | 'JWT_BEARER'
  | 'PRE_AUTHORIZED_CODE'
  | (string & {});

/**
 * An extra key/value pair attached to a token by the authorization server. `hidden` properties are
 * never shown to the client application, but the resource server sees them: handlers must not echo
 * them back in responses.
 */
export interface Property {
  /** The property's name. Keys may repeat; in `req.auth.properties` the last one wins. */
  key: string;
  /** Its value, always a string (Authlete stores no other type). */
  value: string;
  /**
   * `true`: the authorization server keeps it from the client application (Authlete's hidden
   * property). The guard does not: it is in `req.auth.properties` like the others. Default `false`.
   */
  hidden?: boolean;
}

/**
 * A stored access token: Authlete's `AccessToken`, camelCase as on Authlete's JSON API. Every field
 * is optional on the wire; a store needs `accessTokenHash` as its key. Times are integers in
 * milliseconds since the epoch.
 *
 * @see https://docs.authlete.com/en/shared/latest#tag/Token-Operations
 */
export interface AccessToken {
  /** SHA-256 of the token, base64url without padding (see {@link hashToken}): the lookup key. */
  accessTokenHash?: string;
  /** When the access token expires (ms). Absent or `0` means the token is treated as expired. */
  accessTokenExpiresAt?: number;
  /** Hash of the refresh token, same scheme. */
  refreshTokenHash?: string;
  /** When the refresh token expires (ms); `0` when there is none. */
  refreshTokenExpiresAt?: number;
  /** When the token was first issued (ms); a refresh does not change it. */
  createdAt?: number;
  /** When the token was last refreshed (ms); `0` when never. */
  lastRefreshedAt?: number;
  /** The client the token was issued to (an int64 on the wire, up to 2^53-1 here). */
  clientId?: number;
  /** The resource owner's unique id; absent for client-credentials tokens. */
  subject?: string;
  /** The grant the token was created through. */
  grantType?: GrantType;
  /** Scopes of the access token. */
  scopes?: string[];
  /** Extra properties, hidden ones included. */
  properties?: Property[];
  /** Scopes of the refresh token. */
  refreshTokenScopes?: string[];
  /**
   * The key or certificate the token is bound to (RFC 7800 `cnf`): `jkt`, the RFC 7638 thumbprint of
   * a DPoP key (RFC 9449), or `x5t#S256`, the SHA-256 thumbprint of a client certificate (RFC 8705).
   * Not part of Authlete's AccessToken. A bound token is never accepted without its proof.
   */
  cnf?: Confirmation;
  /** The authentication context class the user authenticated with (RFC 9470 `acr`). */
  acr?: string;
  /** When the user authenticated (ms since the epoch; `auth_time` seconds on the wire). */
  authTime?: number;
  /** The resource servers the token is meant for (`aud`); a guard with `audience` refuses others. */
  audience?: string[];
}

/** A token's binding: a DPoP key thumbprint and/or a client certificate thumbprint, base64url SHA-256. */
export interface Confirmation {
  /**
   * The JWK SHA-256 thumbprint (RFC 7638) of the client's DPoP key (RFC 9449 §6.1): the token is
   * accepted only with a DPoP proof signed by that key, and only by a guard with `dpop` set.
   */
  jkt?: string;
  /**
   * The SHA-256 thumbprint of the client certificate's DER (RFC 8705 §3.1): the token is accepted
   * only over a TLS connection that presented that certificate, and only by a guard with `mtls` set.
   */
  'x5t#S256'?: string;
}

import { invalidArgType, invalidArgValue } from './arg-errors.js';

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string';
const isInteger: Check = (value) => Number.isSafeInteger(value);
const isStringArray: Check = (value) => Array.isArray(value) && value.every(isString);
const isPropertyArray: Check = (value) =>
  Array.isArray(value) &&
  value.every(
    (p: unknown) =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as Property).key === 'string' &&
      typeof (p as Property).value === 'string' &&
      ((p as Property).hidden === undefined || typeof (p as Property).hidden === 'boolean'),
  );

const isConfirmation: Check = (value) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length > 0 &&
  Object.entries(value).every(([key, thumbprint]) => (key === 'jkt' || key === 'x5t#S256') && typeof thumbprint === 'string' && thumbprint !== '');

const FIELDS: ReadonlyArray<readonly [keyof AccessToken, Check, string]> = [
  ['accessTokenHash', isString, 'a string'],
  ['accessTokenExpiresAt', isInteger, 'an integer (ms since the epoch)'],
  ['refreshTokenHash', isString, 'a string'],
  ['refreshTokenExpiresAt', isInteger, 'an integer (ms since the epoch)'],
  ['createdAt', isInteger, 'an integer (ms since the epoch)'],
  ['lastRefreshedAt', isInteger, 'an integer (ms since the epoch)'],
  ['clientId', isInteger, 'an integer no larger than 2^53-1'],
  ['subject', isString, 'a string'],
  ['grantType', isString, 'a string'],
  ['scopes', isStringArray, 'an array of strings'],
  ['properties', isPropertyArray, 'an array of { key: string, value: string, hidden?: boolean }'],
  ['refreshTokenScopes', isStringArray, 'an array of strings'],
  ['cnf', isConfirmation, 'an object with jkt and/or x5t#S256 (non-empty strings), nothing else'],
  ['acr', isString, 'a string'],
  ['authTime', isInteger, 'an integer (ms since the epoch)'],
  ['audience', isStringArray, 'an array of strings'],
];

/** The record's fields in their canonical order. */
export const RECORD_FIELDS: readonly (keyof AccessToken)[] = FIELDS.map(([field]) => field);

/** What is wrong with a would-be record: the field, and what it should have been. */
export interface RecordProblem {
  field: string;
  expected: string;
}

/**
 * Checks the types of a value that should be an {@link AccessToken}; absent (`undefined`) fields are
 * fine, `null` is not. Returns the first problem, or `undefined` for a well-formed record.
 * Fields this package does not know are not checked.
 */
export function findRecordProblem(value: unknown): RecordProblem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { field: '(record)', expected: 'an object' };
  }
  const record = value as Record<string, unknown>;
  for (const [field, check, expected] of FIELDS) {
    const fieldValue = record[field];
    if (fieldValue !== undefined && !check(fieldValue)) return { field, expected };
  }
  return undefined;
}

/**
 * Checks a record a store is about to write and returns a copy of its known fields, in canonical
 * order, with arrays and properties copied (a property's `hidden` only where it was given). Throws a
 * `TypeError` naming the field (prefixed with `what`) when `accessTokenHash` is missing or empty, or
 * when a field has the wrong type (`null` included). Fields this package does not know are dropped.
 */
export function checkRecord(record: unknown, what: string): AccessToken {
  const problem = findRecordProblem(record);
  if (problem !== undefined) {
    throw invalidArgType(`${problem.field === '(record)' ? what : `${what}.${problem.field}`} must be ${problem.expected}`);
  }
  const { accessTokenHash } = record as AccessToken;
  if (accessTokenHash === undefined || accessTokenHash === '') {
    throw invalidArgValue(`${what}.accessTokenHash is required: hashToken(token) gives it`);
  }
  return copyRecord(record as AccessToken);
}

/** A copy of a well-formed record's known fields, in canonical order; see {@link checkRecord}. */
export function copyRecord(record: AccessToken): AccessToken {
  const copy: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    if (field === 'properties') {
      copy[field] = (value as Property[]).map(({ key, value, hidden }) => (hidden === undefined ? { key, value } : { key, value, hidden }));
    } else if (field === 'cnf') {
      const { jkt, 'x5t#S256': x5t } = value as Confirmation;
      copy[field] = { ...(jkt === undefined ? {} : { jkt }), ...(x5t === undefined ? {} : { 'x5t#S256': x5t }) };
    } else {
      copy[field] = Array.isArray(value) ? [...value] : value;
    }
  }
  return copy as AccessToken;
}
