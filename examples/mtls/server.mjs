// @ts-check
// Certificate-bound tokens (mTLS, RFC 8705): an https API whose demo token is bound to a client
// certificate, so that it is accepted only on a connection that presents that certificate.
//   node examples/mtls/server.mjs
// At each start it makes a self-signed server certificate and a client certificate (with selfsigned,
// a dev dependency of this repository), writes the client's certificate and key to a temporary folder
// that it deletes when it stops, and prints curl lines (`-k`: the server certificate is self-signed).
import { X509Certificate, hash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { generate } from 'selfsigned';
import { MemoryTokenStore, authErrorHandler, hashToken, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/mtls/server.mjs');
const address = listenAddress();

const certificateOptions = /** @type {const} */ ({ keyType: 'ec', algorithm: 'sha256' });
const [serverPem, clientPem] = await Promise.all([
  generate([{ name: 'commonName', value: 'localhost' }], certificateOptions),
  generate([{ name: 'commonName', value: 'demo-client' }], certificateOptions),
]);
const dir = mkdtempSync(join(tmpdir(), 'etg-mtls-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const files = { cert: join(dir, 'client.pem'), key: join(dir, 'client-key.pem') };
writeFileSync(files.cert, clientPem.cert);
writeFileSync(files.key, clientPem.private, { mode: 0o600 });

const now = Date.now();
const hour = 60 * 60 * 1000;
const token = randomBytes(32).toString('base64url');
// RFC 8705 §3.1: the thumbprint is base64url(SHA-256(DER of the certificate)).
const thumbprint = hash('sha256', new X509Certificate(clientPem.cert).raw, 'base64url');
const store = new MemoryTokenStore([
  {
    accessTokenHash: hashToken(token),
    accessTokenExpiresAt: now + hour,
    clientId: 1001,
    subject: 'alice',
    scopes: ['items:read'],
    cnf: { 'x5t#S256': thumbprint },
  },
]);

const items = [{ id: 1, name: 'first item' }];
const app = express();
app.use('/api', tokenGuard({ store, realm: 'example', mtls: {} }));
app.get('/api/items', (req, res) => {
  res.json({ subject: req.auth?.subject, cnf: req.auth?.cnf, items });
});
app.use(authErrorHandler());

// rejectUnauthorized: false lets a self-signed client certificate through TLS: proof of possession
// needs no chain, only the certificate whose thumbprint the token carries.
const httpsServer = createServer({ key: serverPem.private, cert: serverPem.cert, requestCert: true, rejectUnauthorized: false }, app);
const server = listen(httpsServer, address, (origin) => {
  const url = `${origin}/api/items`;
  const withCertificate = ['-k', `--cert '${files.cert}'`, `--key '${files.key}'`];
  console.log(`express-token-guard mTLS demo listening on ${url}\n`);
  console.log(`The client certificate and its key (deleted when the server stops):\n  ${files.cert}\n  ${files.key}\n`);
  console.log(`The bound token with its certificate (200):\n${curl(url, token, withCertificate)}\n`);
  console.log(`The bound token without a certificate (401 invalid_token):\n${curl(url, token, ['-k'])}\n`);
  console.log(`No token (401):\n${curl(url, undefined, ['-k'])}\n`);
});
closeOnSignal(server);
