import { toAuthInfo, type AuthInfo } from './auth-info.js';
import { InvalidTokenError, type InvalidTokenReason } from './errors.js';
import { findRecordProblem, type AccessToken } from './record.js';
import { sealedAuthInfo } from './sealed-record.js';
import type { ResolvedAccessToken } from './store.js';

/**
 * Decides whether what a store returned for `hash` is a live token. `hash` is `undefined` for a
 * record a `TokenResolver` resolved from the token itself: its `accessTokenHash` is not compared.
 *
 * Throws {@link InvalidTokenError} when there is no record (`unknown`), when a field has the wrong
 * type (`malformed_record`), when the record's `accessTokenHash` is not `hash` (`hash_mismatch`), or
 * when `accessTokenExpiresAt <= now - toleranceMs` (`expired`; an absent or `0` expiry counts as
 * expired). The comparison is written so that a `NaN` clock refuses the token. A record sealed by
 * its store (see `sealRecord`) was type-checked when it was saved and is not checked again.
 *
 * Every refusal is thrown from one place, so not even the stack trace (which Express's default
 * error page shows outside production) tells an unknown token from an expired one.
 *
 * Does not check scopes: expiry comes first, so an expired token without the scope is a 401.
 */
export function verifyRecord(record: unknown, hash: string | undefined, now: number, toleranceMs: number): AuthInfo {
  const sealed = sealedAuthInfo(record);
  const refusal = findRefusal(record, sealed !== undefined, hash, now, toleranceMs);
  if (refusal !== undefined) throw new InvalidTokenError(refusal[0], refusal[1]);
  return sealed ?? toAuthInfo(record as AccessToken);
}

function findRefusal(
  record: unknown,
  checked: boolean,
  hash: string | undefined,
  now: number,
  toleranceMs: number,
): [InvalidTokenReason, string?] | undefined {
  if (record === undefined || record === null) return ['unknown'];
  if (!checked) {
    const problem = findRecordProblem(record);
    if (problem !== undefined) return ['malformed_record', problem.field];
    const field = hash === undefined ? findResolvedFieldProblem(record as ResolvedAccessToken) : undefined;
    if (field !== undefined) return ['malformed_record', field];
  }
  const { accessTokenHash, accessTokenExpiresAt } = record as AccessToken;
  if (hash !== undefined && accessTokenHash !== hash) return ['hash_mismatch'];
  if (accessTokenExpiresAt === undefined || accessTokenExpiresAt === 0 || !(accessTokenExpiresAt > now - toleranceMs)) {
    return ['expired'];
  }
  return undefined;
}

/**
 * The field of a resolver's record that has the wrong type: `claims` (must be an object) or
 * `clientIdentifier` (a string); `undefined` when both are absent or well-formed.
 */
export function findResolvedFieldProblem({ claims, clientIdentifier }: ResolvedAccessToken): 'claims' | 'clientIdentifier' | undefined {
  if (claims !== undefined && (typeof claims !== 'object' || claims === null)) return 'claims';
  if (clientIdentifier !== undefined && typeof clientIdentifier !== 'string') return 'clientIdentifier';
  return undefined;
}
