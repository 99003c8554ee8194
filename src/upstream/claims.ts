import type { ResolvedAccessToken } from '../core/store.js';

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A NumericDate (seconds) floored to whole seconds, or `undefined` when it is not a finite number. */
export function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : undefined;
}

/**
 * The record of an RFC 7662 introspection answer or an RFC 9068 JWT payload, which share their claim
 * names: `exp` → `accessTokenExpiresAt`, `iat` → `createdAt`, `auth_time` → `authTime` (seconds
 * floored, then ms), `scope` → `scopes`, `sub` → `subject`, `client_id` → `clientIdentifier` (and
 * `clientId` when it is a decimal integer up to 2^53-1), `acr`, `aud` → `audience` (always an array),
 * `cnf` as sent. The claims themselves become `req.auth.claims`.
 */
export function claimsToRecord(claims: Record<string, unknown>): ResolvedAccessToken {
  const record: ResolvedAccessToken = { claims };
  const exp = seconds(claims['exp']);
  if (exp !== undefined) record.accessTokenExpiresAt = exp * 1000;
  const iat = seconds(claims['iat']);
  if (iat !== undefined) record.createdAt = iat * 1000;
  const authTime = seconds(claims['auth_time']);
  if (authTime !== undefined) record.authTime = authTime * 1000;
  const { scope, sub, client_id: clientId, acr, aud, cnf } = claims;
  if (typeof scope === 'string') record.scopes = scope.split(' ').filter((item) => item !== '');
  if (typeof sub === 'string') record.subject = sub;
  if (typeof clientId === 'string') {
    record.clientIdentifier = clientId;
    if (DECIMAL.test(clientId) && Number.isSafeInteger(Number(clientId))) record.clientId = Number(clientId);
  }
  if (typeof acr === 'string') record.acr = acr;
  if (typeof aud === 'string') record.audience = [aud];
  else if (Array.isArray(aud)) record.audience = aud as string[];
  // As sent: a confirmation method the guard cannot check (anything but jkt and x5t#S256) fails the
  // record check, so a token bound that way is refused rather than accepted without its proof.
  if (cnf !== undefined && cnf !== null) record.cnf = cnf as NonNullable<ResolvedAccessToken['cnf']>;
  return record;
}
