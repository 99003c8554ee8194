import express5 = require('express');
import express4 = require('express4');
import type { ErrorRequestHandler } from 'express';
import {
  MemoryTokenStore,
  requireAnyScope,
  requireScopes,
  tokenGuard,
  type AuthInfo,
  type TokenGuardOptions,
} from '../../src/index.js';
import { NOW, fixtureRecords } from './fixtures.js';

/** Both Express majors the package supports; HTTP tests run on each. */
export const flavours = [
  { name: 'Express 5', express: express5 },
  { name: 'Express 4', express: express4 as unknown as typeof express5 },
] as const;

export type ExpressFactory = typeof express5;

/** What the fixture routes answer on success: the parts of `req.auth` worth comparing. */
export function describeAuth(auth: AuthInfo | undefined) {
  return auth === undefined
    ? null
    : {
        subject: auth.subject ?? null,
        clientId: auth.clientId ?? null,
        scopes: auth.scopes,
        properties: { ...auth.properties },
        grantType: auth.grantType ?? null,
        expiresAt: auth.expiresAt,
      };
}

export interface AppOptions extends Partial<TokenGuardOptions> {
  /** Mount express.urlencoded() and express.json() before the guard. */
  parsers?: boolean;
  /** An error handler after the routes; Express's default one when absent. */
  errorHandler?: ErrorRequestHandler;
}

/**
 * The conformance fixture app: `GET|POST /r` needs `read`, `GET /admin` needs `admin`,
 * `GET /any` needs `write` or `read`. Every route answers `describeAuth(req.auth)`.
 */
export function fixtureApp(express: ExpressFactory, { parsers, errorHandler, ...options }: AppOptions = {}) {
  const app = express();
  // Not 'production': Express's default error page then shows the error's stack, the worst case for leaks.
  app.set('env', 'test');
  if (parsers) app.use(express.urlencoded({ extended: false }), express.json());
  app.use(tokenGuard({ store: new MemoryTokenStore(fixtureRecords()), clock: () => NOW, ...options }));
  const answer: express5.RequestHandler = (req, res) => {
    res.json(describeAuth(req.auth));
  };
  app.get('/r', requireScopes('read'), answer);
  app.post('/r', requireScopes('read'), answer);
  app.options('/r', (_req, res) => {
    res.status(204).set('Access-Control-Allow-Methods', 'GET').end();
  });
  app.get('/admin', requireScopes('admin'), answer);
  app.get('/any', requireAnyScope('write', 'read'), answer);
  app.get('/open', answer);
  if (errorHandler) app.use(errorHandler);
  return app;
}
