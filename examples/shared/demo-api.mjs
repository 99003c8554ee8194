// @ts-check
// The demo tokens and the small items API that the store examples (sqlite, postgres, redis) share, so that
// each of them shows only how it opens its store. problem-json uses the tokens too.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { hashToken, requireScopes, tokenGuard } from 'express-token-guard';
import { curl } from './server.mjs';

/** The table (SQLite, PostgreSQL) the store examples keep their demo tokens in, apart from a real `access_tokens`. */
export const DEMO_TABLE = 'demo_access_tokens';
const DEMO_SUBJECTS = ['alice', 'bob'];

/**
 * Three fresh tokens and their records: `valid` (alice, items:read, for an hour), `readOnly` (bob, profile
 * only) and `expired` (alice, items:read, a minute ago).
 */
export function demoTokens() {
  const now = Date.now();
  const newToken = () => randomBytes(32).toString('base64url');
  const tokens = { valid: newToken(), readOnly: newToken(), expired: newToken() };
  /** @type {(token: string, subject: string, scope: string, expiresAt: number) => import('express-token-guard').AccessToken} */
  const record = (token, subject, scope, expiresAt) => ({
    accessTokenHash: hashToken(token),
    accessTokenExpiresAt: expiresAt,
    clientId: 1001,
    subject,
    scopes: [scope],
  });
  const hour = 60 * 60 * 1000;
  const records = [
    record(tokens.valid, 'alice', 'items:read', now + hour),
    record(tokens.readOnly, 'bob', 'profile', now + hour),
    record(tokens.expired, 'alice', 'items:read', now - 60_000),
  ];
  return { tokens, records };
}

/**
 * Saves fresh demo tokens into `store`, after deleting those of an earlier run (of no use: their values were
 * never stored), and returns the tokens.
 * @param {Pick<import('express-token-guard').WritableTokenStore, 'saveMany' | 'deleteBySubject'>} store
 */
export async function seedDemoTokens(store) {
  const { tokens, records } = demoTokens();
  await Promise.all(DEMO_SUBJECTS.map((subject) => store.deleteBySubject(subject)));
  await store.saveMany(records);
  return tokens;
}

/**
 * The items API on `store`: GET /api/items needs the scope items:read; DELETE /api/session revokes the token
 * it is called with (a client logging out), through `store`.
 * @param {import('express-token-guard').TokenStore & Pick<import('express-token-guard').WritableTokenStore, 'deleteByAccessTokenHash'>} store
 */
export function itemsApi(store) {
  const app = express();
  app.use('/api', tokenGuard({ store, realm: 'example', sendErrors: true }));
  app.get('/api/items', requireScopes('items:read'), (req, res) => {
    res.json({ subject: req.auth?.subject, items: [{ id: 1, name: 'first item' }] });
  });
  app.delete('/api/session', async (req, res) => {
    // A record a hash store returned always has its hash: the guard compared it with the token's.
    await store.deleteByAccessTokenHash(/** @type {string} */ (req.auth?.accessToken.accessTokenHash));
    res.status(204).end();
  });
  return app;
}

/**
 * Prints the curl lines that try the items API at `origin` with `tokens`, the revocation among them.
 * @param {string} origin
 * @param {{ valid: string, readOnly: string, expired: string }} tokens
 */
export function printItemsApiLines(origin, tokens) {
  const url = `${origin}/api/items`;
  console.log(`A valid token (200):\n${curl(url, tokens.valid)}\n`);
  console.log(`An expired token (401 invalid_token):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`Revoke the valid token (204; the first line then answers 401 invalid_token):\n${revokeLine(origin, tokens.valid)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
}

/**
 * The curl line that revokes `token` through the items API at `origin`.
 * @param {string} origin
 * @param {string} token
 */
export function revokeLine(origin, token) {
  return curl(`${origin}/api/session`, token, ['-X DELETE']);
}
