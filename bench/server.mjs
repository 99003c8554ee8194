// @ts-check
// One benchmark server: `node bench/server.mjs <variant>`; prints its port, then serves until killed.
// Every variant answers GET /items with the same tiny JSON body, so they differ only in the check.
import express from 'express';
import { MemoryTokenStore, tokenGuard } from 'express-token-guard';
import { benchRecord, handwrittenMiddleware } from './fixtures.mjs';

/** @type {Record<string, (app: import('express').Express) => void>} */
const variants = {
  bare() {},
  // What any middleware costs Express, before it does anything.
  noop(app) {
    app.use((_req, _res, next) => next());
  },
  guard(app) {
    app.use(tokenGuard({ store: new MemoryTokenStore([benchRecord]) }));
  },
  handwritten(app) {
    app.use(handwrittenMiddleware());
  },
};

const variant = process.argv[2] ?? '';
const install = variants[variant];
if (install === undefined) {
  console.error(`variant must be one of ${Object.keys(variants).join(', ')}, not "${variant}"`);
  process.exit(2);
}
const app = express();
app.set('etag', false);
install(app);
app.get('/items', (_req, res) => {
  res.json({ items: [] });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address !== null ? address.port : '');
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => process.exit(0));
