// @ts-check
// In-process cost of one middleware call, without HTTP: tokenGuard on the memory store against the
// hand-written sha256 + Map middleware and the bare hash, over the same fake requests, and the guard
// again with a subscriber on each of its diagnostics channels (what observability costs). The variants
// alternate for several rounds and the medians are reported, in ns per call.
//   node bench/middleware.mjs [--rounds 7] [--calls 200000]
import { hash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { parseArgs } from 'node:util';
import { CHANNELS, MemoryTokenStore, tokenGuard } from 'express-token-guard';
import { BENCH_TOKEN, benchRecord, handwrittenMiddleware } from './fixtures.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '200000' } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);
if (!Number.isInteger(rounds) || rounds < 1) throw new TypeError(`--rounds must be a whole number of 1 or more, not "${values.rounds}"`);
if (!Number.isInteger(calls) || calls < 1000) throw new TypeError(`--calls must be a whole number of 1000 or more, not "${values.calls}"`);

const guard = tokenGuard({ store: new MemoryTokenStore([benchRecord]) });
const handwritten = handwrittenMiddleware();
/** @type {(req: any, res: any, next: (error?: unknown) => void) => void} */
const hashOnly = (req, _res, next) => {
  hash('sha256', req.headers.authorization.slice(7), 'base64url');
  next();
};

const authorization = `Bearer ${BENCH_TOKEN}`;
const rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*', 'Authorization', authorization];
const requests = Array.from({ length: 1024 }, () => ({
  method: 'GET',
  headers: { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*', authorization },
  rawHeaders,
}));
let passed = 0;
/** @param {unknown} error */
const next = (error) => {
  if (error !== undefined) throw error;
  passed++;
};

/** @type {Record<string, (req: any, res: any, next: (error?: unknown) => void) => void>} */
const variants = { hash: hashOnly, handwritten, guard: /** @type {any} */ (guard), subscribed: /** @type {any} */ (guard) };
/** @type {Record<string, number[]>} */
const samples = { hash: [], handwritten: [], guard: [], subscribed: [] };
let published = 0;
const subscriber = () => void published++;
for (let round = 0; round <= rounds; round++) {
  for (const [name, middleware] of Object.entries(variants)) {
    if (name === 'subscribed') for (const channel of Object.values(CHANNELS)) subscribe(channel, subscriber);
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) middleware(requests[i & 1023], undefined, next);
    const ns = Number(process.hrtime.bigint() - start) / calls;
    if (name === 'subscribed') for (const channel of Object.values(CHANNELS)) unsubscribe(channel, subscriber);
    if (round > 0) samples[name]?.push(ns);
  }
}
if (passed !== (rounds + 1) * calls * 4) throw new Error('a middleware refused a valid token');
// One message for the decision and one for the store lookup, per subscribed call.
if (published !== (rounds + 1) * calls * 2) throw new Error(`expected two messages per subscribed call, got ${published}`);
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`ns per middleware call, median of ${rounds} rounds of ${calls} calls (Node ${process.version}):`);
for (const name of Object.keys(variants)) console.log(`  ${name.padEnd(11)} ${median(samples[name] ?? []).toFixed(0).padStart(6)}`);
