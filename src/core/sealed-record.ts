import { toAuthInfo, type AuthInfo } from './auth-info.js';
import { checkRecord, type AccessToken } from './record.js';

// Sealed records cannot change, so their checks and their AuthInfo are done once, here, not per request.
const sealed = new WeakMap<object, AuthInfo>();

/**
 * Checks a record a store is about to keep (as {@link checkRecord} does, throwing a `TypeError`
 * that names the field) and returns a deep-frozen copy whose {@link AuthInfo} is computed now: the
 * guard then skips the type checks for it and only compares hash and expiry.
 */
export function sealRecord(record: unknown, what: string): Readonly<AccessToken> {
  const copy = deepFreeze(checkRecord(record, what));
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
