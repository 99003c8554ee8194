// @ts-check
// DPoP-bound tokens (RFC 9449): an API that accepts a token only with a fresh proof signed by the key the
// token is bound to, with server nonces. Run it, then run the client against it:
//   node examples/dpop/server.mjs
//   node examples/dpop/client.mjs http://127.0.0.1:3000
// Environment: PORT (0: any free port), HOST, PUBLIC_ORIGIN (the origin clients reach it at; default the
// listening one, which must then be loopback, since DPoP origins are https).
//
// POST /demo/token stands in for an authorization server's token endpoint (RFC 9449 §5) so that the example
// runs alone: it checks the client's proof with jose and issues a token bound to the proof's key (cnf.jkt).
import { randomBytes } from 'node:crypto';
import express from 'express';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';
import { MemoryTokenStore, authErrorHandler, hashToken, protectedResourceMetadata, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/dpop/server.mjs (it takes no arguments; see PORT, HOST, PUBLIC_ORIGIN)');
const address = listenAddress();
const hour = 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
const store = new MemoryTokenStore();

// A token bound to a key nobody has, to show that a bound token is refused as a Bearer token (RFC 9449 §7.2).
const stolen = newToken();
await store.save({
  accessTokenHash: hashToken(stolen),
  accessTokenExpiresAt: Date.now() + hour,
  subject: 'alice',
  scopes: ['items:read'],
  cnf: { jkt: randomBytes(32).toString('base64url') },
});

const app = express();
const server = listen(app, address, (listening) => {
  const origin = process.env.PUBLIC_ORIGIN ?? listening;
  // One object for the guard and the metadata document, so that what the document says is what the guard does.
  const dpop = { origin, nonce: true };
  app.post('/demo/token', async (req, res) => {
    try {
      const proof = String(req.headers.dpop);
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], maxTokenAge: 60 });
      if (payload.htm !== 'POST' || payload.htu !== `${origin}/demo/token`) throw new Error('htm or htu');
      const token = newToken();
      const jkt = await calculateJwkThumbprint(/** @type {import('jose').JWK} */ (protectedHeader.jwk));
      await store.save({ accessTokenHash: hashToken(token), accessTokenExpiresAt: Date.now() + hour, subject: 'alice', scopes: ['items:read'], cnf: { jkt } });
      res.json({ access_token: token, token_type: 'DPoP', expires_in: 3600 });
    } catch {
      res.status(400).json({ error: 'invalid_dpop_proof' });
    }
  });
  app.use(protectedResourceMetadata({ resource: `${origin}/api`, authorizationServers: [`${origin}/demo`], scopesSupported: ['items:read'], dpop }));
  app.use('/api', tokenGuard({ store, realm: 'example', sendErrors: true, dpop }));
  app.get('/api/items', (req, res) => {
    res.json({ subject: req.auth?.subject, jkt: req.auth?.cnf?.jkt, items: [{ id: 1, name: 'first item' }] });
  });
  app.use(authErrorHandler());

  console.log(`express-token-guard DPoP demo listening on ${origin}/api/items\n`);
  console.log(`A client that gets a bound token and calls the API with proofs, nonces included:\n  node examples/dpop/client.mjs ${origin}\n`);
  console.log(`The protected resource metadata (200):\n${curl(`${origin}/.well-known/oauth-protected-resource/api`)}\n`);
  console.log(`A DPoP-bound token sent as a Bearer token (401 invalid_token):\n${curl(`${origin}/api/items`, stolen)}\n`);
  console.log(`No token (401):\n${curl(`${origin}/api/items`)}\n`);
});
closeOnSignal(server);
