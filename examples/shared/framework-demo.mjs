// @ts-check
// What examples/node-http and examples/fastify share: the demo tokens they are seeded with, the
// guard's options, the CORS preflight rule and the curl lines they print. The framework glue stays
// in each example.
import { randomBytes } from 'node:crypto';
import { MemoryTokenStore, hashToken } from 'express-token-guard/core';
import { curl } from './server.mjs';

/** The options of the guard in front of `GET /r`: the realm the examples' tests expect, and the scope `read`. */
export const GUARD = { realm: 'example', requiredScopes: ['read'] };

/**
 * Fresh demo tokens (`valid` has scope `read`, `noScope` only `profile`, `expired` expired a minute
 * ago) and a memory store holding their records.
 */
export function demoTokens() {
  const now = Date.now();
  const newToken = () => randomBytes(32).toString('base64url');
  const tokens = { valid: newToken(), noScope: newToken(), expired: newToken() };
  const store = new MemoryTokenStore([
    { accessTokenHash: hashToken(tokens.valid), accessTokenExpiresAt: now + 3_600_000, subject: 'alice', scopes: ['read'] },
    { accessTokenHash: hashToken(tokens.noScope), accessTokenExpiresAt: now + 3_600_000, subject: 'bob', scopes: ['profile'] },
    { accessTokenHash: hashToken(tokens.expired), accessTokenExpiresAt: now - 60_000, subject: 'alice', scopes: ['read'] },
  ]);
  return { tokens, store };
}

/**
 * True for a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`): browsers never send
 * credentials on one, so the guard lets it through, as `tokenGuard` does.
 * @param {string | undefined} method
 * @param {Record<string, string | string[] | undefined>} headers
 */
export function isPreflight(method, headers) {
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
}

/** What a preflight of `GET /r` is answered with, status 204 and no body. */
export const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET',
  'Access-Control-Allow-Headers': 'Authorization',
};

/**
 * Prints where the example listens and a curl line per outcome, the last "No token (401)".
 * @param {string} what e.g. `node:http`
 * @param {string} url
 * @param {{ valid: string, noScope: string, expired: string }} tokens
 */
export function printCurlLines(what, url, tokens) {
  console.log(`express-token-guard on ${what} listening on ${url}\n`);
  console.log(`A valid token (200):\n${curl(url, tokens.valid)}\n`);
  console.log(`An expired token (401 invalid_token):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token without the read scope (403 insufficient_scope):\n${curl(url, tokens.noScope)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
}
