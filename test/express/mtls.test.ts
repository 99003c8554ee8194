import express = require('express');
import { X509Certificate, hash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import request from 'supertest';
import { MemoryTokenStore, authErrorHandler, requireScopes, tokenGuard, type TokenGuardOptions } from '../../src/index.js';
import { C, NOW, T_OK, record } from '../helpers/fixtures.js';

// Certificate-bound tokens (RFC 8705 §3), rows M-01 to M-05, over real TLS on loopback with
// self-signed certificates made here.

interface Pem {
  private: string;
  cert: string;
}
const T_MTLS = 'tok-MTLS_0123456789';
const T_DPOP = 'tok-DPOP_0123456789';
let c1: Pem;
let c2: Pem;
let serverPem: Pem;
let server: Server;
let plainServer: Server;
const thumbprint = (pem: string) => hash('sha256', new X509Certificate(pem).raw, 'base64url');
const reasons: unknown[] = [];

function appWith(options: Partial<TokenGuardOptions<express.Request>>) {
  const app = express();
  app.use(
    tokenGuard({
      store: new MemoryTokenStore([
        record(T_MTLS, { subject: 'm', scopes: ['read'], cnf: { 'x5t#S256': thumbprint(c1.cert) } }),
        record(T_OK, { subject: 'alice', scopes: ['read'] }),
        record(T_DPOP, { subject: 'd', scopes: ['read'], cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } }),
      ]),
      clock: () => NOW,
      ...options,
    }),
  );
  app.get('/r', requireScopes('read'), (req, res) => {
    res.json({ subject: req.auth?.subject, cnf: req.auth?.cnf ?? null });
  });
  app.use((error: { reason?: unknown }, _req: unknown, _res: unknown, next: (error: unknown) => void) => {
    reasons.push(error.reason);
    next(error);
  });
  app.use(authErrorHandler());
  return app;
}

beforeAll(async () => {
  const make = async (name: string) => (await selfsigned.generate([{ name: 'commonName', value: name }], { keyType: 'ec' })) as Pem;
  [c1, c2, serverPem] = await Promise.all([make('client-1'), make('client-2'), make('localhost')]);
  server = createServer({ key: serverPem.private, cert: serverPem.cert, requestCert: true, rejectUnauthorized: false }, appWith({ mtls: {} }));
  server.listen(0, '127.0.0.1');
  plainServer = createServer({ key: serverPem.private, cert: serverPem.cert, requestCert: true, rejectUnauthorized: false }, appWith({}));
  plainServer.listen(0, '127.0.0.1');
  await Promise.all([once(server, 'listening'), once(plainServer, 'listening')]);
}, 60_000);
afterAll(async () => {
  for (const s of [server, plainServer]) {
    s.closeAllConnections();
    s.close();
  }
});
beforeEach(() => {
  reasons.length = 0;
});

/** GET /r over TLS with `token`, presenting `client` as the client certificate (or none). */
async function tls(target: Server, token: string, client?: Pem): Promise<[number, string | undefined, string]> {
  const { port } = target.address() as AddressInfo;
  const req = httpsRequest({
    host: '127.0.0.1',
    port,
    path: '/r',
    headers: { authorization: `Bearer ${token}` },
    rejectUnauthorized: false,
    agent: false,
    ...(client === undefined ? {} : { key: client.private, cert: client.cert }),
  });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return [res.statusCode ?? 0, res.headers['www-authenticate'] as string | undefined, body];
}

describe('mTLS-bound tokens over real TLS', () => {
  it('M-01 / M-04: the bound (self-signed) certificate from the TLS layer passes; req.auth.cnf shows the binding', async () => {
    const [status, challenge, body] = await tls(server, T_MTLS, c1);
    expect([status, challenge, JSON.parse(body)]).toEqual([200, undefined, { subject: 'm', cnf: { 'x5t#S256': thumbprint(c1.cert) } }]);
  });

  it('M-02: another certificate is 401 invalid_token', async () => {
    expect((await tls(server, T_MTLS, c2)).slice(0, 2)).toEqual([401, C.invalidToken]);
    expect(reasons).toEqual(['certificate_mismatch']);
  });

  it('M-03: no client certificate is 401 invalid_token', async () => {
    expect((await tls(server, T_MTLS)).slice(0, 2)).toEqual([401, C.invalidToken]);
    expect(reasons).toEqual(['missing_certificate']);
  });

  it('an unbound token needs no certificate; a DPoP-bound one is refused even with a certificate', async () => {
    expect((await tls(server, T_OK)).slice(0, 2)).toEqual([200, undefined]);
    expect((await tls(server, T_DPOP, c1)).slice(0, 2)).toEqual([401, C.invalidToken]);
  });

  it('a guard without mtls refuses a certificate-bound token, even with the right certificate', async () => {
    expect((await tls(plainServer, T_MTLS, c1)).slice(0, 2)).toEqual([401, C.invalidToken]);
    expect(reasons).toEqual(['unproven_binding']);
  });
});

describe('mTLS behind a TLS-terminating proxy (clientCertificate)', () => {
  const base64 = (pem: Pem) => new X509Certificate(pem.cert).raw.toString('base64');
  // RFC 9440: Client-Cert: :<base64 DER>:
  const fromHeader = (req: express.Request) => {
    const value = req.get('client-cert');
    return value === undefined ? undefined : Buffer.from(value.replace(/^:|:$/g, ''), 'base64');
  };
  const ask = (app: express.Express, header?: string) => {
    const req = request(app).get('/r').set('Authorization', `Bearer ${T_MTLS}`);
    return header === undefined ? req : req.set('Client-Cert', header);
  };

  it('M-05: reads the certificate only through the function the application passes', async () => {
    const proxied = appWith({ mtls: { clientCertificate: fromHeader } });
    expect((await ask(proxied, `:${base64(c1)}:`)).status).toBe(200);
    expect((await ask(proxied, `:${base64(c2)}:`)).status).toBe(401);
    expect((await ask(proxied)).status).toBe(401);
    const direct = appWith({ mtls: {} });
    const forged = await ask(direct, `:${base64(c1)}:`);
    expect([forged.status, forged.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
  });

  it('takes DER bytes, an X509Certificate or PEM text; a throw or text that is no certificate is no certificate', async () => {
    const answers = [
      () => new X509Certificate(c1.cert).raw,
      () => new X509Certificate(c1.cert),
      () => c1.cert,
    ];
    for (const clientCertificate of answers) expect((await ask(appWith({ mtls: { clientCertificate } }))).status).toBe(200);
    for (const clientCertificate of [() => 'not a certificate', () => { throw new Error('bad header'); }, () => new Uint8Array()]) {
      const res = await ask(appWith({ mtls: { clientCertificate } }));
      expect([res.status, res.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
    }
  });

  it.each([
    [{ mtls: true }, 'tokenGuard: options.mtls must be an object, e.g. { } or { clientCertificate: (req) => … }'],
    [{ mtls: { header: 'client-cert' } }, 'tokenGuard: unknown option "mtls.header" (it takes clientCertificate)'],
    [{ mtls: { clientCertificate: 'client-cert' } }, 'tokenGuard: options.mtls.clientCertificate must be a function of the request'],
  ])('checks the option: %j', (options, message) => {
    expect(() => tokenGuard({ store: new MemoryTokenStore(), ...(options as object) })).toThrow(message);
  });
});
