// @ts-check
// What every benchmark shares: the tokens, their records, the JWT settings of the peers, and the
// hand-written middleware the guard is measured against.
import { hash } from 'node:crypto';
import { SignJWT } from 'jose';
import { hashToken } from 'express-token-guard';

/** The scope `GET /items` requires. */
export const REQUIRED_SCOPE = 'items:read';

/** The token every benchmark request presents. */
export const BENCH_TOKEN = 'bench-token_0123456789abcdefghijklmnopqrstuvwxyz';

/** A live token without {@link REQUIRED_SCOPE}: the 403 path. */
export const NO_SCOPE_TOKEN = 'bench-token_no-scope_0123456789abcdefghijklmnopq';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The record of {@link BENCH_TOKEN}, valid for a day. */
export const benchRecord = {
  accessTokenHash: hashToken(BENCH_TOKEN),
  accessTokenExpiresAt: Date.now() + DAY_MS,
  subject: 'alice',
  clientId: 1001,
  grantType: 'AUTHORIZATION_CODE',
  scopes: [REQUIRED_SCOPE],
  properties: [{ key: 'tenant', value: 'acme', hidden: false }],
};

/** The record of {@link NO_SCOPE_TOKEN}: as {@link benchRecord}, with another scope. */
export const noScopeRecord = { ...benchRecord, accessTokenHash: hashToken(NO_SCOPE_TOKEN), scopes: ['items:write'] };

/** Every record a store of the benchmark holds. */
export const benchRecords = [benchRecord, noScopeRecord];

/** HS256 settings shared by the JWT peers and the tokens signed for them. */
export const JWT = {
  secret: 'bench-secret_0123456789abcdefghijklmnopqrstuvwxyz',
  issuer: 'https://issuer.bench.example/',
  audience: 'https://api.bench.example',
};

/**
 * An HS256 access token for the JWT peers, signed with jose, valid for a day.
 * @param {string} scope the `scope` claim
 * @returns {Promise<string>}
 */
export function signBenchJwt(scope) {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(JWT.issuer)
    .setAudience(JWT.audience)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(JWT.secret));
}

/**
 * The floor a hand-written check reaches: sha256 of the header's token, one Map lookup, an expiry
 * check, the record on the request; 401 with a bare challenge otherwise.
 * @returns {(req: any, res: any, next: (error?: unknown) => void) => void}
 */
export function handwrittenMiddleware() {
  const map = new Map(benchRecords.map((record) => [record.accessTokenHash, record]));
  return function handwrittenMiddleware(req, res, next) {
    const header = req.headers.authorization;
    const found = header?.startsWith('Bearer ') ? map.get(hash('sha256', header.slice(7), 'base64url')) : undefined;
    if (found === undefined || found.accessTokenExpiresAt <= Date.now()) {
      res.status(401).set('WWW-Authenticate', 'Bearer').end();
      return;
    }
    req.auth = found;
    next();
  };
}

/**
 * The hand-written scope check that follows {@link handwrittenMiddleware} on a route: 403 unless the
 * record carries `scope`.
 * @param {string} scope
 * @returns {(req: any, res: any, next: (error?: unknown) => void) => void}
 */
export function handwrittenScope(scope) {
  return function handwrittenScope(req, res, next) {
    if (!req.auth.scopes.includes(scope)) {
      res.status(403).set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope}"`).end();
      return;
    }
    next();
  };
}
