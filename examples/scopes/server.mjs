// @ts-check
// Per-route scopes: one tokenGuard authenticates the whole API, and each route (or router) says which scopes
// it needs. requireScopes needs every scope it names, requireAnyScope at least one; a valid token without
// them gets 403 insufficient_scope, whose challenge names the scopes the route needs.
//   node examples/scopes/server.mjs
// Seeded with fresh demo tokens at each start, one per set of scopes.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { MemoryTokenStore, hashToken, requireAnyScope, requireScopes, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/scopes/server.mjs');
const address = listenAddress();

const expiresAt = Date.now() + 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
const tokens = { reader: newToken(), editor: newToken(), analyst: newToken(), admin: newToken() };
/** @type {(token: string, ...scopes: string[]) => import('express-token-guard').AccessToken} */
const record = (token, ...scopes) => ({ accessTokenHash: hashToken(token), accessTokenExpiresAt: expiresAt, subject: 'alice', scopes });
const store = new MemoryTokenStore([
  record(tokens.reader, 'items:read'),
  record(tokens.editor, 'items:read', 'items:write'),
  record(tokens.analyst, 'reports:read'),
  record(tokens.admin, 'admin'),
]);

const items = [{ id: 1, name: 'first item' }];
const app = express();
app.use('/api', tokenGuard({ store, realm: 'example', sendErrors: true }));

app.get('/api/items', requireScopes('items:read'), (_req, res) => {
  res.json({ items });
});
app.post('/api/items', requireScopes('items:read', 'items:write'), express.json(), (req, res) => {
  const item = { id: items.length + 1, name: String(req.body?.name ?? 'unnamed') };
  items.push(item);
  res.status(201).json(item);
});
app.get('/api/reports', requireAnyScope('reports:read', 'admin'), (req, res) => {
  res.json({ subject: req.auth?.subject, reports: [{ month: '2026-01', items: items.length }] });
});
// A guard on a router covers every route in it.
const admin = express.Router();
admin.use(requireScopes('admin'));
admin.get('/clients', (_req, res) => {
  res.json({ clients: [1001, 1002] });
});
app.use('/api/admin', admin);

const server = listen(app, address, (origin) => {
  const api = `${origin}/api`;
  const create = ['-X POST', `-H 'Content-Type: application/json'`, `-d '{"name":"second item"}'`];
  console.log(`express-token-guard per-route scopes demo listening on ${api}, where`);
  console.log('  GET  /items          needs items:read');
  console.log('  POST /items          needs items:read and items:write');
  console.log('  GET  /reports        needs reports:read or admin');
  console.log('  GET  /admin/clients  needs admin, as everything under /admin\n');
  console.log(`A token with items:read, on GET /items (200):\n${curl(`${api}/items`, tokens.reader)}\n`);
  console.log(`A token with items:read, on POST /items (403 insufficient_scope: it also needs items:write):\n${curl(`${api}/items`, tokens.reader, create)}\n`);
  console.log(`A token with items:read and items:write, on POST /items (201):\n${curl(`${api}/items`, tokens.editor, create)}\n`);
  console.log(`A token with items:read, on GET /reports (403 insufficient_scope: it needs reports:read or admin):\n${curl(`${api}/reports`, tokens.reader)}\n`);
  console.log(`A token with reports:read, on GET /reports (200):\n${curl(`${api}/reports`, tokens.analyst)}\n`);
  console.log(`A token with admin, on GET /reports (200: either scope will do):\n${curl(`${api}/reports`, tokens.admin)}\n`);
  console.log(`A token with reports:read, on GET /admin/clients (403 insufficient_scope):\n${curl(`${api}/admin/clients`, tokens.analyst)}\n`);
  console.log(`A token with admin, on GET /admin/clients (200):\n${curl(`${api}/admin/clients`, tokens.admin)}\n`);
  console.log(`No token (401):\n${curl(`${api}/items`)}\n`);
});
closeOnSignal(server);
