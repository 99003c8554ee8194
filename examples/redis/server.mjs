// @ts-check
// Several instances of an API sharing one Redis: each has its own client and an in-process cache of
// checked records (cachedStore over RedisTokenStore), and hears through redisInvalidations what any of
// them revoked, so that a token revoked through one is refused by all within milliseconds.
//   node examples/redis/server.mjs [--redis-url redis://127.0.0.1:6379] [--instances 2]
// The URL comes from --redis-url, else REDIS_URL, else redis://127.0.0.1:6379. The instances run in this
// process, each its own Express app and client, on consecutive ports from PORT (or each on a free port
// when PORT is 0). Fresh demo tokens at each start, under the key prefix token-guard-demo: and on its own
// channel, apart from a real deployment's tokens; Redis drops them when they expire.
import { createClient } from 'redis';
import { cachedStore } from 'express-token-guard';
import { RedisTokenStore, redisInvalidations } from 'express-token-guard/redis';
import { itemsApi, revokeLine, seedDemoTokens } from '../shared/demo-api.mjs';
import { closeOnSignal, curl, exitWithUsage, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

const USAGE = 'node examples/redis/server.mjs [--redis-url <url>] [--instances <2 to 16>]';
const args = parseCommandLine(USAGE, { 'redis-url': { type: 'string' }, instances: { type: 'string', default: '2' } });
const [source, url] =
  args['redis-url'] === undefined ? ['REDIS_URL', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'] : ['--redis-url', args['redis-url']];
const count = Number(args.instances);
if (!Number.isInteger(count) || count < 2 || count > 16) exitWithUsage(USAGE, `--instances must be a whole number from 2 to 16, not "${args.instances}"`);
const address = listenAddress();
const PREFIX = 'token-guard-demo:';
const CHANNEL = `${PREFIX}invalidations`;

/**
 * A connected node-redis client. A server it cannot reach at start is an error at once (node-redis would
 * retry for ever); once connected, it reconnects by itself.
 */
async function connect() {
  let connected = false;
  const client = createClient({ url, socket: { reconnectStrategy: (retries, cause) => (connected ? Math.min(retries * 100, 2000) : cause) } });
  client.on('error', (error) => connected && console.error('redis:', error.message)); // without a listener, node-redis crashes the process
  await client.connect();
  connected = true;
  return client;
}

/**
 * Resolves once `bus` is connected. Until then its cache is bypassed (every lookup goes to Redis), which is
 * safe, but the demo is of warm caches.
 * @param {import('express-token-guard').InvalidationBus} bus
 */
function busConnected(bus) {
  return new Promise((resolve) => {
    const unsubscribe = bus.subscribe({
      onInvalidation: () => undefined,
      onConnectionChange: (connected) => {
        if (!connected) return;
        resolve(undefined);
        // subscribe() reports the current state before it has returned `unsubscribe`.
        queueMicrotask(() => unsubscribe());
      },
    });
  });
}

const instances = await Promise.all(
  Array.from({ length: count }, async () => {
    const client = await connect();
    const invalidations = redisInvalidations({ client, channel: CHANNEL });
    const store = cachedStore(new RedisTokenStore({ client, prefix: PREFIX, channel: CHANNEL }), { invalidations });
    await busConnected(invalidations);
    return { client, invalidations, store };
  }),
).catch((/** @type {Error} */ error) => exitWithUsage(USAGE, `${source}: ${error.message}`));
const tokens = await seedDemoTokens(/** @type {(typeof instances)[0]} */ (instances[0]).store);

/** @type {import('node:net').Server[]} */
const servers = [];
const origins = await Promise.all(
  instances.map(
    ({ store }, i) =>
      /** @type {Promise<string>} */ (
        new Promise((resolve) => servers.push(listen(itemsApi(store), { ...address, port: address.port === 0 ? 0 : address.port + i }, resolve)))
      ),
  ),
);
const [first, second] = /** @type {[string, string]} */ (origins);
console.log(`express-token-guard with ${count} instances sharing Redis at ${new URL(url).host}, listening on:`);
console.log(`${origins.map((origin, i) => `  instance ${i + 1}: ${origin}/api/items`).join('\n')}\n`);
console.log(`A valid token, on instance 1 (200):\n${curl(`${first}/api/items`, tokens.valid)}\n`);
console.log(`The same token, on instance 2 (200):\n${curl(`${second}/api/items`, tokens.valid)}\n`);
console.log(`A token without the items:read scope, on instance 2 (403 insufficient_scope):\n${curl(`${second}/api/items`, tokens.readOnly)}\n`);
console.log(`Revoke the valid token through instance 1 (204; instance 2 then answers it 401 invalid_token):\n${revokeLine(first, tokens.valid)}\n`);
console.log(`No token (401):\n${curl(`${second}/api/items`)}\n`);

closeOnSignal(/** @type {import('node:net').Server} */ (servers[0]), async () => {
  await Promise.all(servers.slice(1).map((server) => new Promise((resolve) => server.close(resolve))));
  for (const { store, invalidations } of instances) {
    store.close();
    await invalidations.close();
  }
  await Promise.all(instances.map(({ client }) => client.close()));
});
