// @ts-check
// Prometheus metrics from express-token-guard's diagnostics channels: the items API on an in-memory store
// behind a cache (cachedStore), and GET /metrics serving prom-client's registry with the guard's decisions,
// its store lookups' latency and the cache's hit ratio (see token-guard-metrics.mjs).
//   node examples/metrics/server.mjs
// /metrics is open here for the demo; in production serve it on an internal port or behind its own check.
import { randomBytes } from 'node:crypto';
import { MemoryTokenStore, cachedStore } from 'express-token-guard';
import { Registry } from 'prom-client';
import { demoTokens, itemsApi } from '../shared/demo-api.mjs';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';
import { tokenGuardMetrics } from './token-guard-metrics.mjs';

parseCommandLine('node examples/metrics/server.mjs');
const address = listenAddress();

const registry = new Registry();
const stopMetrics = tokenGuardMetrics(registry);

const { tokens, records } = demoTokens();
const unknownToken = randomBytes(32).toString('base64url');
const store = cachedStore(new MemoryTokenStore(records));
const app = itemsApi(store);
app.get('/metrics', async function metrics(_req, res) {
  res.type(registry.contentType).send(await registry.metrics());
});

const server = listen(app, address, (origin) => {
  const url = `${origin}/api/items`;
  console.log(`express-token-guard with Prometheus metrics listening on ${url}\n`);
  console.log(`The metrics, after each of the requests below:\n${curl(`${origin}/metrics`)}\n`);
  console.log(`A valid token (200; a cache miss, so a store lookup):\n${curl(url, tokens.valid)}\n`);
  console.log(`The same token again (200; a cache hit, no store lookup):\n${curl(url, tokens.valid)}\n`);
  console.log(`An expired token (401 invalid_token; never cached, so a store lookup every time):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token the store does not know (401 invalid_token; not cached either):\n${curl(url, unknownToken)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server, () => {
  stopMetrics();
  store.close();
});
