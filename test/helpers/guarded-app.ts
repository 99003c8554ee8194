import express = require('express');
import { requireScopes, tokenGuard, type TokenGuardOptions, type TokenStore } from '../../src/index.js';

/** A small app on a given store: `GET /r` needs scope `read` and answers the subject. */
export function guardedApp(store: TokenStore, options: Partial<TokenGuardOptions> = {}) {
  const app = express();
  app.use(tokenGuard({ store, ...options }));
  app.get('/r', requireScopes('read'), (req, res) => {
    res.json({ subject: req.auth?.subject ?? null });
  });
  return app;
}
