// @ts-check
// JWT access tokens (RFC 9068): an API that verifies at+jwt tokens locally, with the public keys its
// authorization server publishes at a jwks_uri, fetched once and cached.
//   node examples/jwt/server.mjs
// A stand-in authorization server, in this process on a loopback port, serves the JWK Set of an ES256
// key pair made at each start at /.well-known/jwks.json; this file signs the demo tokens with jose, as
// that server would, and prints curl lines that show each outcome.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { authErrorHandler, cachedStore, jwtAccessTokenStore, requireScopes, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/jwt/server.mjs');
const address = listenAddress();

const kid = 'demo-key';
const [keys, otherKeys] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('ES256')]);
const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES256', use: 'sig' }] };
const authorization = express();
authorization.get('/.well-known/jwks.json', (_req, res) => {
  res.json(jwks);
});
const authorizationServer = authorization.listen(0, '127.0.0.1');
await once(authorizationServer, 'listening');
const { port: asPort } = /** @type {import('node:net').AddressInfo} */ (authorizationServer.address());
const issuer = `http://127.0.0.1:${asPort}`;
const jwksUri = `${issuer}/.well-known/jwks.json`;
// The identifier the authorization server knows this API by: any string both agree on.
const audience = 'https://api.example.com';

const now = Math.floor(Date.now() / 1000);
const hour = 60 * 60;
/** Signs an at+jwt for alice, valid for an hour from `iat`, with the claims RFC 9068 §2.2 requires. */
const sign = (/** @type {{ scope: string, iat?: number, key?: import('jose').CryptoKey }} */ { scope, iat = now, key = keys.privateKey }) =>
  new SignJWT({ client_id: 'demo-client', scope })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('alice')
    .setIssuedAt(iat)
    .setExpirationTime(iat + hour)
    .setJti(randomUUID())
    .sign(key);
const tokens = {
  valid: await sign({ scope: 'items:read' }),
  // The same kid as the real key: only the signature tells them apart.
  otherKey: await sign({ scope: 'items:read', key: otherKeys.privateKey }),
  expired: await sign({ scope: 'items:read', iat: now - hour - 60 }),
  readOnly: await sign({ scope: 'profile' }),
};

const store = cachedStore(jwtAccessTokenStore({ issuer, audience, jwksUri, algorithms: ['ES256'] }));
const items = [{ id: 1, name: 'first item' }];
const app = express();
app.use('/api', tokenGuard({ store, realm: 'example', sendErrors: true }));
app.get('/api/items', requireScopes('items:read'), (req, res) => {
  // req.auth.claims is the verified JWT payload, for the claims this package does not map.
  res.json({ subject: req.auth?.subject, clientIdentifier: req.auth?.clientIdentifier, items });
});
app.use(authErrorHandler());

const server = listen(app, address, (origin) => {
  const url = `${origin}/api/items`;
  console.log(`express-token-guard JWT demo listening on ${url}, with the stand-in authorization server's keys at ${jwksUri}\n`);
  console.log(`A valid JWT (200):\n${curl(url, tokens.valid)}\n`);
  console.log(`A JWT signed by another key (401 invalid_token):\n${curl(url, tokens.otherKey)}\n`);
  console.log(`An expired JWT (401 invalid_token):\n${curl(url, tokens.expired)}\n`);
  console.log(`A JWT without the items:read scope (403 insufficient_scope):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server, () => authorizationServer.close());
