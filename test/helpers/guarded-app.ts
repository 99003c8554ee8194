import express = require('express');
import type { ErrorRequestHandler } from 'express';
import { requireScopes, tokenGuard, type TokenGuardOptions, type TokenResolver, type TokenStore } from '../../src/index.js';

/** A small app on a given store: `GET /r` needs scope `read` and answers the subject. */
export function guardedApp(store: TokenStore | TokenResolver, options: Partial<TokenGuardOptions> = {}) {
  const app = express();
  app.use(tokenGuard({ store, ...options }));
  app.get('/r', requireScopes('read'), (req, res) => {
    res.json({ subject: req.auth?.subject ?? null });
  });
  return app;
}

/**
 * An error handler that answers with the error's status and keeps each error's `cause` in `causes`,
 * so a test can see why the guard answered 503.
 */
export function causeCapture(): { causes: unknown[]; handler: ErrorRequestHandler } {
  const causes: unknown[] = [];
  const handler: ErrorRequestHandler = (error: { status: number; cause?: unknown }, _req, res, _next) => {
    causes.push(error.cause);
    res.status(error.status).end();
  };
  return { causes, handler };
}
