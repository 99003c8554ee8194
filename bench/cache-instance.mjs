// @ts-check
// One API instance for bench/cache.mjs: `node bench/cache-instance.mjs <redis|postgres> <url> <cached|uncached>`,
// run with an IPC channel. It serves GET /items (tokenGuard, scope items:read) and GET /health (no
// guard), on its own client or pool, with a cache and an invalidation bus when `cached`. Over IPC:
// it says { type: 'listening', port } once it serves and its bus (if any) is connected; it answers
// { type: 'save', id, tokens } by saving a record for each token through its store,
// { type: 'revoke', id, token } by deleting the token through its store (and says when the call
// returned, on the clock shared by every process: performance.timeOrigin + performance.now()), and
// { type: 'deliveredAt', id, token } with when the bus brought this instance the token's invalidation,
// and { type: 'stats', id } with the cache's stats. It exits when the channel closes.
import express from 'express';
import { authErrorHandler, cachedStore, hashToken, requireScopes, tokenGuard } from 'express-token-guard';
import { REQUIRED_SCOPE } from './fixtures.mjs';

const [backend = '', url = '', mode = ''] = process.argv.slice(2);
if (!['redis', 'postgres'].includes(backend) || url === '' || !['cached', 'uncached'].includes(mode)) {
  console.error('usage: node bench/cache-instance.mjs <redis|postgres> <url> <cached|uncached>');
  process.exit(2);
}
const now = () => performance.timeOrigin + performance.now();

/** @returns {Promise<{ store: import('express-token-guard').WritableTokenStore, bus: import('express-token-guard').InvalidationBus }>} */
async function open() {
  if (backend === 'redis') {
    const { createClient } = await import('redis');
    const { RedisTokenStore, redisInvalidations } = await import('express-token-guard/redis');
    const client = createClient({ url });
    client.on('error', (/** @type {Error} */ error) => console.error('redis:', error.message));
    await client.connect();
    return { store: new RedisTokenStore({ client }), bus: redisInvalidations({ client }) };
  }
  const { default: pg } = await import('pg');
  const { PostgresTokenStore, postgresInvalidations } = await import('express-token-guard/postgres');
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2000 });
  pool.on('error', (error) => console.error('postgres:', error.message));
  const store = new PostgresTokenStore({ pool });
  await store.migrate();
  return { store, bus: postgresInvalidations({ pool }) };
}

const { store: inner, bus } = await open();
const store = mode === 'cached' ? cachedStore(inner, { ttlMs: 60_000, invalidations: bus }) : inner;
/** When each invalidation of one hash reached this instance, on the shared clock. @type {Map<string, number>} */
const delivered = new Map();
if (mode === 'cached') {
  await new Promise((resolve) =>
    bus.subscribe({
      onInvalidation: (invalidation) => {
        if ('hash' in invalidation) delivered.set(invalidation.hash, now());
      },
      onConnectionChange: (up) => up && resolve(undefined),
    }),
  );
} else {
  await bus.close();
}

const app = express();
app.get('/health', (_req, res) => {
  res.json({ ok: true });
});
app.use(tokenGuard({ store }));
app.get('/items', requireScopes(REQUIRED_SCOPE), (_req, res) => {
  res.json({ items: [] });
});
app.use(authErrorHandler());

/** @param {string} token */
const recordOf = (token) => ({
  accessTokenHash: hashToken(token),
  accessTokenExpiresAt: Date.now() + 3_600_000,
  subject: `user-${token}`,
  clientId: 1001,
  scopes: [REQUIRED_SCOPE],
});

/** @type {Record<string, (message: any) => Promise<unknown>>} */
const commands = {
  save: async ({ tokens }) => store.saveMany(/** @type {string[]} */ (tokens).map(recordOf)),
  revoke: async ({ token }) => {
    await store.deleteByAccessTokenHash(hashToken(token));
    return now();
  },
  deliveredAt: async ({ token }) => {
    const hash = hashToken(token);
    const at = delivered.get(hash);
    delivered.delete(hash);
    return at;
  },
  stats: async () => ('stats' in store ? /** @type {any} */ (store).stats() : undefined),
};

process.on('message', (/** @type {any} */ message) => {
  const command = commands[message.type];
  if (command === undefined) return;
  command(message).then(
    (result) => process.send?.({ type: 'done', id: message.id, result }),
    (error) => process.send?.({ type: 'done', id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
