// @ts-check
// The demo server behind `npm start`: an API protected by express-token-guard, seeded with fresh demo
// tokens at each start. Prints curl lines that show each outcome.
//   node examples/basic/server.mjs [--store memory | --store sqlite:./tokens.db]
// The in-memory store is the default; with sqlite the tokens' hashes (never the tokens) go to the file.
import { randomBytes } from 'node:crypto';
import express from 'express';
import {
  MemoryTokenStore,
  authErrorHandler,
  hashToken,
  requireAnyScope,
  requireScopes,
  tokenGuard,
} from 'express-token-guard';
import { closeOnSignal, curl, exitWithUsage, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

const USAGE = 'node examples/basic/server.mjs [--store memory | --store sqlite:<file>]';
const args = parseCommandLine(USAGE, { store: { type: 'string', default: 'memory' } });
if (args.store !== 'memory' && !/^sqlite:.+/.test(args.store)) {
  exitWithUsage(USAGE, `--store must be "memory" or "sqlite:<file>", not "${args.store}"`);
}
const address = listenAddress();

const now = Date.now();
const hour = 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
const tokens = { valid: newToken(), readOnly: newToken(), expired: newToken() };

const records = [
  {
    accessTokenHash: hashToken(tokens.valid),
    accessTokenExpiresAt: now + hour,
    createdAt: now,
    clientId: 1001,
    subject: 'alice',
    grantType: 'AUTHORIZATION_CODE',
    scopes: ['items:read', 'items:write'],
    properties: [
      { key: 'tenant', value: 'acme', hidden: false },
      { key: 'plan', value: 'enterprise', hidden: true },
    ],
  },
  {
    accessTokenHash: hashToken(tokens.readOnly),
    accessTokenExpiresAt: now + hour,
    clientId: 1002,
    subject: 'bob',
    grantType: 'AUTHORIZATION_CODE',
    scopes: ['profile'],
  },
  {
    accessTokenHash: hashToken(tokens.expired),
    accessTokenExpiresAt: now - 60_000,
    clientId: 1001,
    subject: 'alice',
    scopes: ['items:read'],
  },
];

/** @returns {Promise<import('express-token-guard').WritableTokenStore>} */
async function openStore() {
  if (args.store === 'memory') return new MemoryTokenStore(records);
  const file = args.store.slice('sqlite:'.length);
  const [{ default: Database }, { SqliteTokenStore }] = await Promise.all([
    import('better-sqlite3'),
    import('express-token-guard/sqlite'),
  ]);
  const sqlite = new SqliteTokenStore({ database: new Database(file) });
  // The previous run's demo tokens are of no use: their values were never stored.
  await Promise.all(['alice', 'bob'].map((subject) => sqlite.deleteBySubject(subject)));
  await sqlite.saveMany(records);
  return sqlite;
}

const store = await openStore().catch((/** @type {Error} */ error) => exitWithUsage(USAGE, `--store ${args.store}: ${error.message}`));

const items = [{ id: 1, name: 'first item' }];
const app = express();

app.get('/', (_req, res) => {
  res.json({ see: '/api/items' });
});

app.use('/api', tokenGuard({ store, realm: 'example' }));

app.get('/api/items', requireScopes('items:read'), (req, res) => {
  // `plan` is a hidden property: handlers may use it, but must never send it to the client.
  res.json({ subject: req.auth?.subject, tenant: req.auth?.properties['tenant'], items });
});

app.post('/api/items', requireAnyScope('items:write', 'admin'), express.json(), (req, res) => {
  const item = { id: items.length + 1, name: String(req.body?.name ?? 'unnamed') };
  items.push(item);
  res.status(201).json(item);
});

app.use(authErrorHandler());

const server = listen(app, address, (origin) => {
  const url = `${origin}/api/items`;
  console.log(`express-token-guard demo (${args.store} store) listening on ${url}\n`);
  console.log(`A valid token (200):\n${curl(url, tokens.valid)}\n`);
  console.log(`An expired token (401 invalid_token):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server);
