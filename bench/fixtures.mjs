// @ts-check
// What every benchmark shares: the token, its record, and the hand-written middleware the guard is
// measured against.
import { hash } from 'node:crypto';
import { hashToken } from 'express-token-guard';

/** The token every benchmark request presents. */
export const BENCH_TOKEN = 'bench-token_0123456789abcdefghijklmnopqrstuvwxyz';

/** The record of {@link BENCH_TOKEN}, valid for a day. */
export const benchRecord = {
  accessTokenHash: hashToken(BENCH_TOKEN),
  accessTokenExpiresAt: Date.now() + 24 * 60 * 60 * 1000,
  subject: 'alice',
  clientId: 1001,
  grantType: 'AUTHORIZATION_CODE',
  scopes: ['items:read'],
  properties: [{ key: 'tenant', value: 'acme', hidden: false }],
};

/**
 * The floor a hand-written check reaches: sha256 of the header's token, one Map lookup, an expiry
 * check, a property on the request.
 * @returns {(req: any, res: any, next: (error?: unknown) => void) => void}
 */
export function handwrittenMiddleware() {
  const map = new Map([[benchRecord.accessTokenHash, benchRecord]]);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const found = header?.startsWith('Bearer ') ? map.get(hash('sha256', header.slice(7), 'base64url')) : undefined;
    if (found === undefined || found.accessTokenExpiresAt <= Date.now()) {
      res.status(401).end();
      return;
    }
    req.user = found.subject;
    next();
  };
}
