import { toAuthInfo, type AuthInfo } from './auth-info.js';
import type { AccessToken } from './record.js';

// Sealed records cannot change, so their checks and their AuthInfo are done once, here, not per request.
const sealed = new WeakMap<object, AuthInfo>();

/**
 * Deep-freezes a record that `checkRecord` returned (a fresh copy the store now owns) and computes
 * its {@link AuthInfo} now: the guard then skips the type checks for it and only compares hash and
 * expiry. Never pass a record that was not checked: the guard trusts a sealed record's types.
 */
export function sealRecord(checked: AccessToken): Readonly<AccessToken> {
  const record = deepFreeze(checked);
  sealed.set(record, toAuthInfo(record));
  return record;
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
