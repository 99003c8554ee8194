// @ts-check
// What a lookup at the authorization server costs, against the fake Authlete on loopback: requests
// through Express + tokenGuard + cachedStore(authleteStore), alternating a token the cache has not
// seen (one introspection call) with one it holds, one at a time; and how many introspection calls
// 1,000 requests with one token make.
//   node bench/upstream.mjs [--requests 300] [--json FILE]
import { parseArgs } from 'node:util';
import express from 'express';
import { cachedStore, tokenGuard } from 'express-token-guard';
import { authleteStore } from 'express-token-guard/authlete';
import { startFakeAuthlete } from 'express-token-guard/testing';
import { quantile } from './processes.mjs';
import { writeResult } from './report.mjs';

/** @type {Record<string, string | undefined>} */
let values = {};
try {
  ({ values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, json: { type: 'string' } } }));
} catch (error) {
  console.error(`bench/upstream.mjs: ${/** @type {Error} */ (error).message}\nusage: node bench/upstream.mjs [--requests N] [--json FILE]`);
  process.exit(2);
}
const requests = Number(values['requests']);
if (!Number.isInteger(requests) || requests < 10 || requests > 100_000) {
  console.error(`bench/upstream.mjs: --requests must be a whole number from 10 to 100000, not "${values['requests']}"`);
  process.exit(2);
}

const record = { accessTokenExpiresAt: Date.now() + 3_600_000, subject: 'alice', scopes: ['read'] };
/** @type {Record<string, typeof record>} */
const tokens = { warm: record, burst: record };
for (let i = 0; i < requests; i++) tokens[`cold-${i}`] = record;
const fake = await startFakeAuthlete({ tokens });
const store = cachedStore(authleteStore({ baseUrl: fake.baseUrl, serviceId: fake.serviceId, accessToken: fake.accessToken }));
const app = express();
app.use(tokenGuard({ store, sendErrors: true }));
app.get('/r', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const address = /** @type {import('node:net').AddressInfo} */ (server.address());
const url = `http://127.0.0.1:${address.port}/r`;

/** @param {string} token */
async function timed(token) {
  const start = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  if (response.status !== 200) throw new Error(`${token}: ${response.status}`);
  return performance.now() - start;
}

try {
  for (let i = 0; i < 50; i++) await timed('warm');
  const cold = [];
  const warm = [];
  for (let i = 0; i < requests; i++) {
    cold.push(await timed(`cold-${i}`));
    warm.push(await timed('warm'));
  }
  const before = fake.calls.length;
  await Promise.all(Array.from({ length: 1000 }, () => timed('burst')));
  const burstCalls = fake.calls.length - before;
  const ms = (/** @type {number[]} */ xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) });
  const result = { node: process.version, requests, coldMs: ms(cold), warmMs: ms(warm), addedMs: quantile(cold, 0.5) - quantile(warm, 0.5), burstCalls };
  const f = (/** @type {number} */ x) => x.toFixed(2);
  const markdown = [
    `Express + tokenGuard + cachedStore(authleteStore) against the fake Authlete on loopback, ${requests} requests each, one at a time (ms):`,
    '',
    '| request | p50 | p99 |',
    '|---|--:|--:|',
    `| cold token (one introspection call) | ${f(result.coldMs.p50)} | ${f(result.coldMs.p99)} |`,
    `| cached token | ${f(result.warmMs.p50)} | ${f(result.warmMs.p99)} |`,
    '',
    `A cold lookup adds ${f(result.addedMs)} ms at the median. 1,000 concurrent requests with one new token made ${burstCalls} introspection call${burstCalls === 1 ? '' : 's'}.`,
  ].join('\n');
  console.log(markdown);
  if (values['json'] !== undefined) {
    writeResult(values['json'], { title: 'Authlete introspection through the cache (bench/upstream.mjs)', markdown, ...result });
  }
} finally {
  server.close();
  store.close();
  await fake.close();
}
