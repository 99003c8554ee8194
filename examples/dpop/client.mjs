// @ts-check
// A DPoP client (RFC 9449) for examples/dpop/server.mjs: it makes a key pair, gets a token bound to it, and
// calls the API with a fresh proof per request, answering the server's nonce challenge. What it prints is what
// your client should expect. Usage: node examples/dpop/client.mjs http://127.0.0.1:3000
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const origin = process.argv[2];
if (origin === undefined || !URL.canParse(origin)) {
  console.error('usage: node examples/dpop/client.mjs <origin of examples/dpop/server.mjs, e.g. http://127.0.0.1:3000>');
  process.exit(2);
}

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = await exportJWK(publicKey);
/** @type {string | undefined} the latest nonce the API gave us */
let nonce;

/**
 * A proof for one request: a JWT signed with our key, naming the method and URL (without query) and hashing the token.
 * @param {string} method @param {string} url @param {string} [token]
 */
function proofFor(method, url, token) {
  const claims = { jti: randomUUID(), htm: method, htu: url.split('?')[0], iat: Math.floor(Date.now() / 1000) };
  if (token !== undefined) Object.assign(claims, { ath: createHash('sha256').update(token).digest('base64url') });
  if (nonce !== undefined) Object.assign(claims, { nonce });
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(privateKey);
}

/**
 * GET `url` with the DPoP-bound `token`; on 401 use_dpop_nonce, once more with the nonce it sent.
 * @param {string} url @param {string} token @param {string} [proof] a proof to send instead of a fresh one
 */
async function get(url, token, proof) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { headers: { Authorization: `DPoP ${token}`, DPoP: proof ?? (await proofFor('GET', url, token)) } });
    nonce = res.headers.get('dpop-nonce') ?? nonce;
    if (res.status !== 401 || attempt > 0 || !res.headers.get('www-authenticate')?.includes('use_dpop_nonce')) return res;
  }
}

/**
 * Prints the status and the body, or the challenge of the scheme the request used (fetch joins the lines).
 * @param {string} what @param {Response} res @param {'DPoP' | 'Bearer'} [scheme]
 */
async function show(what, res, scheme = 'DPoP') {
  const challenge = res.headers.get('www-authenticate')?.split(/, (?=DPoP )/).find((value) => value.startsWith(scheme));
  console.log(`${what}: ${res.status} ${res.status === 200 ? JSON.stringify(await res.json()) : challenge}`);
}

const tokenUrl = `${origin}/demo/token`;
const issued = await fetch(tokenUrl, { method: 'POST', headers: { DPoP: await proofFor('POST', tokenUrl) } });
const { access_token: token } = /** @type {{ access_token: string }} */ (await issued.json());
console.log(`token: ${issued.status} bound to our key`);

const items = `${origin}/api/items`;
await show('first call (the server asks for a nonce, the client retries with it)', await get(items, token));
await show('second call, fresh proof with the nonce', await get(items, token));
const proof = await proofFor('GET', items, token);
await get(items, token, proof);
await show('the same proof again', await get(items, token, proof));
await show('the token sent as Bearer', await fetch(items, { headers: { Authorization: `Bearer ${token}` } }), 'Bearer');
