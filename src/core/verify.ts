import { toAuthInfo, type AuthInfo } from './auth-info.js';
import { InvalidTokenError } from './errors.js';
import { findRecordProblem, type AccessToken } from './record.js';

/**
 * Decides whether what a store returned for `hash` is a live token.
 *
 * Throws {@link InvalidTokenError} when there is no record (`unknown`), when a field has the wrong
 * type (`malformed_record`), when the record's `accessTokenHash` is not `hash` (`hash_mismatch`), or
 * when `accessTokenExpiresAt <= now - toleranceMs` (`expired`; an absent or `0` expiry counts as
 * expired). The comparison is written so that a `NaN` clock refuses the token.
 *
 * Does not check scopes: expiry comes first, so an expired token without the scope is a 401.
 */
export function verifyRecord(record: unknown, hash: string, now: number, toleranceMs: number): AuthInfo {
  if (record === undefined || record === null) throw new InvalidTokenError('unknown');
  const problem = findRecordProblem(record);
  if (problem !== undefined) throw new InvalidTokenError('malformed_record', problem.field);
  const token = record as AccessToken;
  if (token.accessTokenHash !== hash) throw new InvalidTokenError('hash_mismatch');
  const expiresAt = token.accessTokenExpiresAt;
  if (expiresAt === undefined || expiresAt === 0 || !(expiresAt > now - toleranceMs)) {
    throw new InvalidTokenError('expired');
  }
  return toAuthInfo(token, expiresAt);
}
