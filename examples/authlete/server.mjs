// @ts-check
// An API whose tokens Authlete checks: `npm run start:authlete`. Each token is introspected at
// Authlete once, then served from cachedStore until its ttlMs (30 s) or its expiry.
//
// With AUTHLETE_SERVICE_ID and AUTHLETE_ACCESS_TOKEN set (and AUTHLETE_BASE_URL, default
// https://us.authlete.com), it asks your Authlete service: send it tokens your service issued.
// Without them it starts the fake Authlete from express-token-guard/testing, seeded with demo tokens,
// and prints curl lines that show each outcome. The library never reads the environment; this file does.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { authErrorHandler, cachedStore, requireScopes, tokenGuard } from 'express-token-guard';
import { authleteStore } from 'express-token-guard/authlete';
import { startFakeAuthlete } from 'express-token-guard/testing';
import { closeOnSignal, curl, listen, listenAddress } from '../shared/server.mjs';

const address = listenAddress();
const { AUTHLETE_SERVICE_ID: serviceId, AUTHLETE_ACCESS_TOKEN: accessToken } = process.env;
if ((serviceId === undefined) !== (accessToken === undefined)) {
  console.error('Set both AUTHLETE_SERVICE_ID and AUTHLETE_ACCESS_TOKEN, or neither (to use the fake Authlete).');
  process.exit(2);
}

const hour = 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
/** @type {{ valid: string, readOnly: string, expired: string } | undefined} */
let demo;
/** @type {import('express-token-guard/authlete').AuthleteStoreOptions} */
let upstream;
/** @type {import('express-token-guard/testing').FakeAuthlete | undefined} */
let fake;
if (serviceId !== undefined && accessToken !== undefined) {
  upstream = { baseUrl: process.env.AUTHLETE_BASE_URL ?? 'https://us.authlete.com', serviceId, accessToken };
} else {
  demo = { valid: newToken(), readOnly: newToken(), expired: newToken() };
  const now = Date.now();
  fake = await startFakeAuthlete({
    tokens: {
      [demo.valid]: {
        accessTokenExpiresAt: now + hour,
        clientId: 1001,
        subject: 'alice',
        grantType: 'AUTHORIZATION_CODE',
        scopes: ['items:read'],
        properties: [{ key: 'tenant', value: 'acme', hidden: false }],
      },
      [demo.readOnly]: { accessTokenExpiresAt: now + hour, clientId: 1002, subject: 'bob', scopes: ['profile'] },
      [demo.expired]: { accessTokenExpiresAt: now - 60_000, clientId: 1001, subject: 'alice', scopes: ['items:read'] },
    },
  });
  upstream = { baseUrl: fake.baseUrl, serviceId: fake.serviceId, accessToken: fake.accessToken };
}

const store = cachedStore(authleteStore(upstream));
const app = express();
app.use('/api', tokenGuard({ store, realm: 'example', sendErrors: true }));
app.get('/api/items', requireScopes('items:read'), (req, res) => {
  // req.auth.claims is Authlete's whole introspection answer, for the fields this package does not map.
  res.json({ subject: req.auth?.subject, tenant: req.auth?.properties['tenant'] ?? null, items: [] });
});
app.use(authErrorHandler());

const server = listen(app, address, (origin) => {
  const url = `${origin}/api/items`;
  console.log(`express-token-guard with Authlete (${fake === undefined ? upstream.baseUrl : `the fake Authlete at ${fake.baseUrl}`}) listening on ${url}\n`);
  if (demo === undefined) {
    console.log(`Send a token your Authlete service issued:\n${curl(url, '<access token>')}\n`);
    return;
  }
  console.log(`A valid token (200):\n${curl(url, demo.valid)}\n`);
  console.log(`An expired token (401 invalid_token):\n${curl(url, demo.expired)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope):\n${curl(url, demo.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server, () => {
  store.close();
  return fake?.close();
});
