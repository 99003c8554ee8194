// @ts-check
// In-process cost of one DPoP request (RFC 9449) through tokenGuard, without HTTP: proof parsing and
// signature (jose), htu/ath checks, the thumbprint, the memory store lookup and the replay store, for
// each proof algorithm, next to the same guard's Bearer request. Proofs are made before the clock
// starts (each is accepted once). Microseconds per request, median of the rounds.
//   node bench/dpop.mjs [--rounds 5] [--requests 2000] [--json FILE]
import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { MemoryTokenStore, hashToken, tokenGuard } from 'express-token-guard';
import { BENCH_TOKEN, benchRecord } from './fixtures.mjs';
import { writeResult } from './report.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '2000' }, json: { type: 'string' } },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
if (!Number.isInteger(rounds) || rounds < 1) throw new TypeError(`--rounds must be a whole number of 1 or more, not "${values.rounds}"`);
if (!Number.isInteger(requests) || requests < 100) throw new TypeError(`--requests must be a whole number of 100 or more, not "${values.requests}"`);

const ORIGIN = 'https://api.example.com';
const algorithms = ['ES256', 'EdDSA', 'RS256', 'PS256'];
const keys = await Promise.all(
  algorithms.map(async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const jwk = await exportJWK(publicKey);
    return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
  }),
);
const store = new MemoryTokenStore([benchRecord, ...keys.map((key) => ({ ...benchRecord, accessTokenHash: hashToken(`${BENCH_TOKEN}-${key.alg}`), cnf: { jkt: key.jkt } }))]);
const guard = /** @type {any} */ (tokenGuard({ store, dpop: { origin: ORIGIN, algorithms: /** @type {any} */ (algorithms) } }));

/** @param {string} authorization @param {string} [proof] */
const request = (authorization, proof) => {
  const headers = { host: 'api.example.com', authorization, ...(proof === undefined ? {} : { dpop: proof }) };
  return { method: 'GET', originalUrl: '/items', url: '/items', headers, rawHeaders: Object.entries(headers).flat() };
};
const res = { setHeader() {}, getHeader() {}, headersSent: false };
/** @param {any} req */
const call = (req) =>
  new Promise((resolve, reject) => {
    guard(req, res, (/** @type {unknown} */ error) => (error === undefined ? resolve(undefined) : reject(error)));
  });

/** @param {typeof keys[number]} key */
async function proofs(key) {
  const token = `${BENCH_TOKEN}-${key.alg}`;
  const ath = createHash('sha256').update(token).digest('base64url');
  return Promise.all(
    Array.from({ length: requests }, () =>
      new SignJWT({ jti: randomUUID(), htm: 'GET', htu: `${ORIGIN}/items`, iat: Math.floor(Date.now() / 1000), ath })
        .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk })
        .sign(key.privateKey)
        .then((proof) => request(`DPoP ${token}`, proof)),
    ),
  );
}

/** @type {Record<string, number[]>} */
const samples = { Bearer: [], ...Object.fromEntries(algorithms.map((alg) => [`DPoP ${alg}`, []])) };
const bearer = request(`Bearer ${BENCH_TOKEN}`);
for (let round = 0; round <= rounds; round++) {
  let start = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) await call(bearer);
  if (round > 0) samples['Bearer']?.push(Number(process.hrtime.bigint() - start) / requests / 1000);
  for (const key of keys) {
    const batch = await proofs(key);
    start = process.hrtime.bigint();
    for (const req of batch) await call(req);
    if (round > 0) samples[`DPoP ${key.alg}`]?.push(Number(process.hrtime.bigint() - start) / requests / 1000);
  }
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rows = Object.entries(samples).map(([variant, xs]) => ({ variant, 'µs/request': Number(median(xs).toFixed(1)) }));
console.log(`µs per request through tokenGuard({ dpop }), in process, median of ${rounds} rounds of ${requests} (Node ${process.version}):`);
for (const row of rows) console.log(`  ${row.variant.padEnd(11)} ${String(row['µs/request']).padStart(7)}`);
if (values.json !== undefined) writeResult(values.json, { title: 'DPoP request cost (bench/dpop.mjs)', rows });
