import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { toAuthInfo, type AuthInfo } from './auth-info.js';
import { findRecordProblem, type AccessToken } from './record.js';

// Sealed records cannot change, so their checks and their AuthInfo are done once, here, not per request.
const sealed = new WeakMap<object, AuthInfo>();

/**
 * Checks a record a store is about to keep and returns a deep-frozen copy whose {@link AuthInfo}
 * is computed now: the guard then skips the type checks for it and only compares hash and expiry.
 * Throws a `TypeError` naming the field (`what` prefixes it) when `accessTokenHash` is missing or
 * a field has the wrong type.
 */
export function sealRecord(record: AccessToken, what: string): Readonly<AccessToken> {
  const problem = findRecordProblem(record);
  if (problem !== undefined) {
    throw invalidArgType(`${problem.field === '(record)' ? what : `${what}.${problem.field}`} must be ${problem.expected}`);
  }
  if (record.accessTokenHash === undefined || record.accessTokenHash === '') {
    throw invalidArgValue(`${what}.accessTokenHash is required: hashToken(token) gives it`);
  }
  const copy = deepFreeze(structuredClone(record));
  sealed.set(copy, toAuthInfo(copy));
  return copy;
}

/** The AuthInfo of a record made by {@link sealRecord}, or `undefined` for any other value. */
export function sealedAuthInfo(record: unknown): AuthInfo | undefined {
  return sealed.get(record as object);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
