// @ts-check
// Step-up authentication (RFC 9470): every route of the API needs a valid token, and /api/transfers
// also needs a login with a second factor (acr urn:mfa) within the last five minutes.
//   node examples/step-up/server.mjs
// Seeded with fresh demo tokens at each start: one from an MFA login at start (after five minutes it
// too is asked to step up, for max_age), one from a password login an hour before.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { MemoryTokenStore, authErrorHandler, hashToken, requireAuthLevel, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/step-up/server.mjs');
const address = listenAddress();

const now = Date.now();
const hour = 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
const tokens = { mfa: newToken(), password: newToken() };

const store = new MemoryTokenStore([
  {
    accessTokenHash: hashToken(tokens.mfa),
    accessTokenExpiresAt: now + hour,
    clientId: 1001,
    subject: 'alice',
    acr: 'urn:mfa',
    authTime: now,
  },
  {
    accessTokenHash: hashToken(tokens.password),
    accessTokenExpiresAt: now + hour,
    clientId: 1001,
    subject: 'alice',
    acr: 'urn:pwd',
    authTime: now - hour,
  },
]);

const items = [{ id: 1, name: 'first item' }];
const app = express();
app.use('/api', tokenGuard({ store, realm: 'example' }));
app.get('/api/items', (req, res) => {
  res.json({ subject: req.auth?.subject, items });
});
app.get('/api/transfers', requireAuthLevel({ acrValues: ['urn:mfa'], maxAgeSeconds: 300 }), (req, res) => {
  res.json({ subject: req.auth?.subject, acr: req.auth?.acr, transfers: [] });
});
app.use(authErrorHandler());

const server = listen(app, address, (origin) => {
  const base = `${origin}/api`;
  console.log(`express-token-guard step-up demo listening on ${base}/items and ${base}/transfers\n`);
  console.log(`An MFA login, on /transfers (200 for five minutes):\n${curl(`${base}/transfers`, tokens.mfa)}\n`);
  console.log(`A password login an hour ago, on /items (200):\n${curl(`${base}/items`, tokens.password)}\n`);
  console.log(`The same token on /transfers (401 insufficient_user_authentication):\n${curl(`${base}/transfers`, tokens.password)}\n`);
  console.log(`No token (401):\n${curl(`${base}/transfers`)}\n`);
});
closeOnSignal(server);
